import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, planCommand } from "../../tools/plan";
import { PROJECT_DIR } from "../../tools/stackFiles";
import { runIn } from "../support/command";
import { withTempDir } from "../support/tempDir";
import { EXAMPLE_STACKS_DIR } from "../support/exampleStacks";

const runPlan = (args: string[]) => runIn(planCommand, args);

/**
 * Runs `fn` with the arguments that plan a stack made from the dev one by `edit`: a stack file in a
 * temporary folder, given with --config-file (as `pulumi --config-file`), removed afterwards.
 */
async function withTempStack<T>(
    edit: (dev: string) => string,
    fn: (args: string[]) => Promise<T>,
    stack = "edited",
    base = "dev",
): Promise<T> {
    return withTempDir(async (dir) => {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, edit(fs.readFileSync(path.join(EXAMPLE_STACKS_DIR, `Pulumi.${base}.yaml`), "utf8")));
        return fn(["--stack", stack, "--config-file", file]);
    });
}

describe("the offline plan", () => {
    it("defaults to the dev stack and takes --stack and --json", () => {
        assert.deepStrictEqual(parseArgs([]), { stack: "dev", json: false, project: "main", all: false });
        assert.deepStrictEqual(parseArgs(["--stack=prod", "--config-file", "p.yaml"]), {
            stack: "prod",
            json: false,
            project: "main",
            configFile: "p.yaml",
            all: false,
        });
        assert.deepStrictEqual(parseArgs(["--stack", "prod", "--json"]), { stack: "prod", json: true, project: "main", all: false });
        assert.deepStrictEqual(parseArgs(["--project", "bootstrap"]), { stack: "contoso", json: false, project: "bootstrap", all: false });
        assert.throws(() => parseArgs(["--stak", "prod"]), {
            message:
                "unknown argument --stak; usage: npm run plan -- [--stack <name> | --all [--stacks-dir <dir>]] [--config-file <file>] [--environment-values <esc.json>] [--against <plan.json|state.json>] [--project main|bootstrap] [--json]",
        });
        assert.throws(() => parseArgs(["--stack"]), { message: /^--stack needs a value; usage: / });
        assert.throws(() => parseArgs(["--project", "policies"]), { message: "--project is main or bootstrap (got policies)" });
        assert.strictEqual(parseArgs(["-s", "prod"]).stack, "prod");
        assert.strictEqual(parseArgs(["--config-file", "stacks/Pulumi.contoso-prod.yaml"]).stack, "contoso-prod");
        assert.strictEqual(parseArgs(["--project", "bootstrap", "--config-file", "Pulumi.fabrikam.yaml"]).stack, "fabrikam");
        assert.throws(() => parseArgs(["--config-file", "p.yaml"]), { message: /^--config-file p\.yaml needs --stack <name>: / });
    });

    it("prints a table of what pulumi up would create", async () => {
        const { code, out } = await runPlan(["--stack", "prod"]);
        assert.strictEqual(code, 0);
        assert.match(out, /^Offline plan for stack prod: pulumi up would create 32 resources\./);
        assert.match(
            out,
            /azure-native:operationalinsights:Workspace +entra-provisioning-logs-workspace +log-identity-audit-prod in northeurope, sku PerGB2018, retention 365 d, no daily cap, local auth disabled; protected; retained on delete/,
        );
        assert.match(out, /pulumi-nodejs:dynamic:TableRetention +\S+ +AADProvisioningLogs: interactive 365 d, total 2556 d/);
        assert.match(
            out,
            /azure-native:aadiam:DiagnosticSetting +\S+ +entra-provisioning-logs-prod: ProvisioningLogs, AuditLogs → workspace/,
        );
        assert.match(
            out,
            /azure-native:monitor:ScheduledQueryRule +\S+ +entra-provisioning-prod-failure-spike: sev 2, Failures GreaterThanOrEqual 10, window PT1H every PT15M, per App\+JobId, 1 action group\(s\)/,
        );
        assert.match(out, /azure-native:monitor:ActionGroup +\S+ +ag-entra-provisioning-prod-oncall \(ProvOncall\): 1 sms, 1 armRole/);
        assert.match(out, /^Policy check: every policy passed\.$/m);
        assert.match(
            out,
            /alertRulesSkipped: \["logsAtRisk: the workspace has no daily cap \(dailyQuotaGb\), so logs can't be dropped by one"\]/,
        );
    });

    it("prints JSON for machines", async () => {
        const { code, out } = await runPlan(["--stack", "dev", "--json"]);
        assert.strictEqual(code, 0);
        const plan = JSON.parse(out);
        assert.strictEqual(plan.stack, "dev");
        assert.strictEqual(plan.resources.filter((r: { custom: boolean }) => r.custom).length, 30);
    });

    it("exits 2 with the one-line message for invalid config, from the command line", async function () {
        this.timeout(120_000);
        const result = await withTempStack(
            (dev) => dev.replace("retentionInDays: 30", "retentionInDays: 7"),
            (args) =>
                new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
                    execFile("npm", ["run", "--silent", "plan", "--", ...args], { cwd: PROJECT_DIR }, (error, stdout, stderr) =>
                        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
                    );
                }),
        );
        assert.strictEqual(result.code, 2);
        assert.strictEqual(result.stderr, "error: `retentionInDays` must be between 30 and 730 (got 7)\n");
        assert.strictEqual(result.stdout, "");
    });

    it("runs the policy pack with the stack's policy config and exits 1 on a mandatory violation", async () => {
        // Named prod, the plan uses policies/config/prod.json, where every policy is mandatory.
        const { code, out } = await withTempStack(
            (prod) => `${prod}  entra-provisioning-logs:workbooksEnabled: false\n`,
            (args) => runPlan(args),
            "prod",
            "prod",
        );
        assert.strictEqual(code, 1);
        assert.match(out, /^Policy config: policies\/config\/prod\.json\.$/m);
        assert.match(
            out,
            /^Policy check: 1 finding; the check fails\.\n {2}\[mandatory\] provisioning-stack-enforce-completeness on stack: Stack must have at least one workbook \(found none\); set workbooksEnabled true\.$/m,
        );
    });

    it("plans a --config-file named Pulumi.<stack>.yaml as that stack, with that stack's policy config, when --stack is not given", async () => {
        const { code, out } = await withTempStack(
            (prod) => `${prod}  entra-provisioning-logs:workbooksEnabled: false\n`,
            // Only --config-file <dir>/Pulumi.prod.yaml: the stack is prod, never the default dev.
            (args) => runPlan(args.slice(2)),
            "prod",
            "prod",
        );
        assert.strictEqual(code, 1);
        assert.match(out, /^Offline plan for stack prod: /);
        assert.match(out, /^Policy config: policies\/config\/prod\.json\.$/m);
    });

    describe("a stack with no policy config of its own that imports an ESC environment and keeps a setting encrypted", () => {
        // One plan for the three: each shows in a line of its own, and none changes what the others print.
        let plan: { code: number; out: string };
        before(async () => {
            plan = await withTempStack(
                (dev) =>
                    `environment:\n  - entra-provisioning/fleet-defaults\n${dev}` +
                    "  entra-provisioning-logs:workbooksEnabled: false\n" +
                    "  entra-provisioning-logs:alertSecretReceivers:\n    - secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB\n",
                (args) => runPlan(args),
            );
        });

        it("checks a stack without its own policy config against the documented defaults, and says so", () => {
            const { code, out } = plan;
            assert.strictEqual(code, 0);
            assert.match(
                out,
                /^ {2}\[advisory\] provisioning-stack-enforce-completeness on stack: Stack must have at least one workbook \(found none\); set workbooksEnabled true\.$/m,
            );
            assert.match(
                out,
                /^Policy config: policies\/config\/default\.json \(the documented defaults: there is no policies\/config\/edited\.json\)\.$/m,
            );
        });

        it("says which Pulumi ESC environments a stack imports, whose values it can't read offline", () => {
            const { code, out } = plan;
            assert.strictEqual(code, 0);
            assert.match(
                out,
                /^Imports Pulumi ESC environments entra-provisioning\/fleet-defaults: their values are not read offline, so the keys they set took their Pulumi\.yaml defaults here; give them with --environment-values <file> \(what esc env open <org>\/<project>\/<env> prints\)\.$/m,
            );
        });

        it("leaves out settings encrypted in the stack file and says so", () => {
            const { code, out } = plan;
            assert.strictEqual(code, 0);
            assert.match(
                out,
                /^Encrypted in the stack file, so left out offline \(their defaults were used\): entra-provisioning-logs:alertSecretReceivers\.$/m,
            );
        });
    });

    it("plans the CI bootstrap program too, without a policy check", async () => {
        const { code, out } = await runPlan(["--project", "bootstrap"]);
        assert.strictEqual(code, 0);
        assert.match(out, /^Offline plan for stack contoso: pulumi up would create 12 resources\./);
        assert.match(out, /ci-deployer-aadiam-assignment +b24988ac-6180-42a0-ab88-20f7382dd24c at \/providers\/Microsoft\.aadiam/);
        assert.doesNotMatch(out, /Policy check/);
    });

    it("marks each resource as created, imported or only read, and says which workspace is used and that it is not managed", async () => {
        const { code, out } = await runPlan(["--stack", "central", "--config-file", "test/fixtures/stacks/Pulumi.central.yaml"]);
        const sentinel =
            "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel";
        assert.strictEqual(code, 0, out);
        const lines = out.split("\n");
        assert.deepStrictEqual(lines.slice(0, 2), [
            "Offline plan for stack central: pulumi up would create 28 resources, import 1 existing and read 1 it does not manage.",
            `Workspace: the existing ${sentinel.toLowerCase()}, not managed by this stack: pulumi up and pulumi destroy never change or delete it, nor its retention.`,
        ]);
        assert.match(lines[3], /^ACTION +TYPE +NAME +KEY SETTINGS$/);
        assert.ok(
            lines.some((l) =>
                /^create +azure-native:resources:ResourceGroup +entra-provisioning-logs-rg +rg-identity-monitoring in northeurope; protected; retained on delete$/.test(
                    l,
                ),
            ),
            out,
        );
        assert.ok(lines.includes("Policy check: every policy passed."));
        assert.ok(
            lines.includes(
                `Not checked offline: that ${sentinel.toLowerCase()} exists in the tenant (npm run discover lists the workspaces; pulumi preview reads it).`,
            ),
        );
        assert.ok(
            lines.includes(
                "Not checked offline: that /providers/microsoft.aadiam/diagnosticSettings/sentinel-entra sends exactly what the stack lists (assumed here; pulumi preview reads it and refuses to adopt one that sends more).",
            ),
        );
    });

    it("gives machines the import ID of an adopted resource and, apart from the resources policies check, what is only read", async () => {
        const { out } = await runPlan(["--stack", "central", "--config-file", "test/fixtures/stacks/Pulumi.central.yaml", "--json"]);
        const plan = JSON.parse(out);
        const setting = plan.resources.find((r: { type: string }) => r.type === "azure-native:aadiam:DiagnosticSetting");
        assert.strictEqual(setting.import, "/providers/microsoft.aadiam/diagnosticSettings/sentinel-entra");
        assert.ok(!plan.resources.some((r: { type: string }) => r.type === "azure-native:operationalinsights:Workspace"));
        assert.deepStrictEqual(
            plan.reads.map((r: { type: string; read: string; state: Record<string, unknown> }) => [r.type, r.read, r.state.name]),
            [
                [
                    "azure-native:operationalinsights:Workspace",
                    "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourcegroups/rg-security/providers/microsoft.operationalinsights/workspaces/law-sentinel",
                    "law-sentinel",
                ],
            ],
        );
        const dev = JSON.parse((await runPlan(["--stack", "dev", "--json"])).out);
        assert.ok(
            !("reads" in dev) && dev.resources.every((r: object) => !("import" in r)),
            "a stack that adopts and reads nothing has neither",
        );
    });

    it("names the stacks when asked for one that does not exist", async () => {
        const { code, err } = await runPlan(["--stack", "staging"]);
        assert.strictEqual(code, 2);
        assert.strictEqual(err, "error: no stack file Pulumi.staging.yaml; the stacks are: dev, prod\n");
    });
});
