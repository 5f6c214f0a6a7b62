import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICIES } from "../../../policies/policies";
import { checkPolicyCommand } from "../../../tools/checkPolicy";
import { closePolicyAnalyzers, runPolicyPack } from "../../../tools/engine/policyAnalyzer";
import { checkPolicies, failed, POLICY_PACK_DIR, stackPolicyConfig } from "../../../tools/offline/policyCheck";
import { type Evaluation, evaluateStack, evaluateStackWith } from "../../../tools/offline/recorder";
import { renderJson } from "../../../tools/plan";
import { PROJECT_DIR } from "../../../tools/stackFiles";
import { runIn } from "../../support/command";
import { withTempDir } from "../../support/tempDir";

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile("npm", ["run", "--silent", ...args], { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

/** The prod stack with its workspace keeping 7 days and its diagnostic setting not sending ProvisioningLogs. */
function broken(e: Evaluation): Evaluation {
    return {
        ...e,
        resources: e.resources.map((r) => {
            if (r.type === "azure-native:operationalinsights:Workspace") {
                return { ...r, inputs: { ...r.inputs, retentionInDays: 7 } };
            }
            if (r.type === "azure-native:aadiam:DiagnosticSetting") {
                return {
                    ...r,
                    inputs: {
                        ...r.inputs,
                        logs: (r.inputs.logs as Array<{ category: string }>).filter((l) => l.category !== "ProvisioningLogs"),
                    },
                };
            }
            return r;
        }),
    };
}

describe("the policy pack", function () {
    // The pack starts once per process (a Node process type-checking it with ts-node): seconds.
    this.timeout(180_000);

    after(closePolicyAnalyzers);

    it("names each policy <service>-<resource>-<verb>-<noun> with a one-sentence description, a severity and config defaults", () => {
        assert.deepStrictEqual(POLICIES.map((p) => p.name).sort(), [
            "aadiam-diagnosticsetting-enforce-provisioninglogs",
            "applicationinsights-workbook-configure-identity",
            "loganalytics-table-configure-retention",
            "loganalytics-table-disallow-retentiondecrease",
            "loganalytics-workspace-configure-retention",
            "loganalytics-workspace-enforce-protection",
            "monitor-actiongroup-configure-receivers",
            "monitor-scheduledqueryrule-configure-evaluation",
            "provisioning-stack-enforce-completeness",
        ]);
        for (const p of POLICIES) {
            assert.match(p.name, /^[a-z]+(-[a-z]+){3}$/, p.name);
            assert.match(p.description, /^[A-Z].*\.$/, p.name);
            assert.doesNotMatch(p.description, /\.\s+[A-Z]/, `${p.name}: one sentence`);
            assert.ok(p.severity, p.name);
            for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
                assert.notStrictEqual((schema as { default?: unknown }).default, undefined, `${p.name}.${key} has a default`);
            }
        }
    });

    it("starts as the Pulumi CLI starts it and announces itself with every policy, its kind and its level", async () => {
        const { info } = await runPolicyPack(POLICY_PACK_DIR, []);
        assert.strictEqual(`${info.name} ${info.version}`, "entra-provisioning-logs 0.1.0");
        assert.deepStrictEqual(
            info.policies.map((p) => `${p.name} ${p.type} ${p.enforcementLevel} ${p.severity}`),
            POLICIES.map((p) => `${p.name} ${"validateStack" in p ? "stack" : "resource"} ${p.enforcementLevel} ${p.severity}`).sort(),
        );
    });

    for (const env of ["dev", "prod"]) {
        it(`has a ${env} config that names only real policies and settings`, () => {
            const config = stackPolicyConfig(env);
            for (const [name, value] of Object.entries(config)) {
                if (name === "all") {
                    continue;
                }
                const policy = POLICIES.find((p) => p.name === name);
                assert.ok(policy, `${env}.json names an unknown policy ${name}`);
                for (const key of Object.keys(typeof value === "object" ? value : {})) {
                    assert.ok(key === "enforcementLevel" || key in (policy.configSchema?.properties ?? {}), `${name}.${key}`);
                }
            }
        });
    }

    it("makes prod mandatory with a higher retention floor and dev advisory", () => {
        assert.strictEqual(stackPolicyConfig("prod").all, "mandatory");
        assert.strictEqual(stackPolicyConfig("dev").all, "advisory");
        assert.deepStrictEqual(stackPolicyConfig("prod")["loganalytics-workspace-configure-retention"], { minimumRetentionDays: 90 });
    });

    for (const stack of ["dev", "prod"]) {
        it(`passes every policy on the ${stack} example stack`, async () => {
            const e = await evaluateStack(stack);
            assert.deepStrictEqual(await checkPolicies(e.resources, stackPolicyConfig(stack)), []);
        });
    }

    it("fails a deliberately broken stack (retention 7, no ProvisioningLogs) with the expected messages and exit code 1", async () => {
        const e = await evaluateStack("prod");
        const { code, stdout } = await withTempDir((dir) => {
            const file = path.join(dir, "broken.json");
            fs.writeFileSync(file, renderJson(broken(e)));
            return run(["check:policy", "--", "--plan", file]);
        });
        assert.strictEqual(code, 1);
        assert.strictEqual(
            stdout,
            [
                "Policy check: 3 findings; the check fails.",
                "  [mandatory] loganalytics-workspace-configure-retention on entra-provisioning-logs-workspace: Log Analytics workspace retention must be at least 90 days (found 7); raise retentionInDays to 90 or more.",
                '  [mandatory] aadiam-diagnosticsetting-enforce-provisioninglogs on entra-provisioning-diagnostics-setting: Tenant diagnostic setting must send ProvisioningLogs (found enabled categories: AuditLogs); add { category: "ProvisioningLogs", enabled: true }.',
                "  [mandatory] provisioning-stack-enforce-completeness on stack: Stack must have a tenant diagnostic setting sending ProvisioningLogs to its workspace (found 0 sending ProvisioningLogs, none to this stack's workspace).",
                "",
            ].join("\n"),
        );
    });

    it("reports advisory findings without failing (the dev environment)", async () => {
        const e = await evaluateStackWith("dev", { workbooksEnabled: "false" });
        const verdicts = await checkPolicies(e.resources, stackPolicyConfig("dev"));
        assert.deepStrictEqual(verdicts, [
            {
                policy: "provisioning-stack-enforce-completeness",
                resource: "stack",
                level: "advisory",
                message: "Stack must have at least one workbook (found none); set workbooksEnabled true.",
                urn: "urn:pulumi:dev::entra-provisioning-logs::pulumi:pulumi:Stack::entra-provisioning-logs-dev",
            },
        ]);
        assert.strictEqual(failed(verdicts), false);
        assert.strictEqual(failed(await checkPolicies(e.resources, { all: "mandatory" })), true);
    });

    it("remediates a recorded workspace's retention at level remediate and reports what changed, as a preview does", async () => {
        const e = broken(await evaluateStack("prod"));
        const workspace = e.resources.find((r) => r.type === "azure-native:operationalinsights:Workspace")!;
        const verdicts = await checkPolicies(e.resources, { all: "disabled", "loganalytics-workspace-configure-retention": "remediate" });
        assert.deepStrictEqual(verdicts, [
            {
                policy: "loganalytics-workspace-configure-retention",
                resource: "entra-provisioning-logs-workspace",
                level: "remediate",
                message: "remediated: retentionInDays 7 → 30",
                remediated: true,
                urn: workspace.urn,
            },
        ]);
        assert.strictEqual(failed(verdicts), false);
    });

    it("rejects the config the Pulumi CLI rejects, with its message", async () => {
        const e = await evaluateStack("prod");
        await assert.rejects(checkPolicies(e.resources, { all: "strict" as never }), {
            name: "UsageError",
            message: 'parsing enforcement level for "all": "strict" is not a valid enforcement level',
        });
        await assert.rejects(checkPolicies(e.resources, { "loganalytics-workspace-configure-retention": { minimumRetentionDays: 7 } }), {
            name: "UsageError",
            message:
                "validating policy config: entra-provisioning-logs 0.1.0  loganalytics-workspace-configure-retention: minimumRetentionDays: Must be greater than or equal to 30",
        });
    });
});

describe("npm run check:policy", function () {
    this.timeout(180_000);

    after(closePolicyAnalyzers);

    it("checks a stack by name with the project's pack and the config given, as pulumi preview --policy-pack does", async () => {
        const { code, out, err } = await runIn(checkPolicyCommand, ["--stack", "dev", "--policy-pack-config", "policies/config/prod.json"]);
        assert.strictEqual(err, "");
        assert.strictEqual(code, 1);
        const lines = out.split("\n");
        // The dev stack keeps 30 days unprotected; prod's config asks for 90 and 365, protected.
        for (const finding of [
            "  [mandatory] loganalytics-workspace-configure-retention on entra-provisioning-logs-workspace: Log Analytics workspace retention must be at least 90 days (found 30); raise retentionInDays to 90 or more.",
            "  [mandatory] loganalytics-workspace-enforce-protection on entra-provisioning-logs-workspace: Log Analytics workspace must be protected from deletion (found protect: false); set protectData true for this stack.",
            "  [mandatory] loganalytics-table-configure-retention on entra-provisioning-logs-provisioning-logs-retention: AADProvisioningLogs total retention must be at least 365 days (found 30); raise provisioningLogsTotalRetentionInDays to 365 or more.",
        ]) {
            assert.ok(lines.includes(finding), `${finding}\nin\n${out}`);
        }
        // A preview: a policy reading a value only `pulumi up` knows can't run, as pulumi preview reports it.
        assert.ok(
            lines.includes(
                "  [advisory] aadiam-diagnosticsetting-enforce-provisioninglogs on entra-provisioning-diagnostics-setting: can't run policy 'aadiam-diagnosticsetting-enforce-provisioninglogs' from policy pack 'entra-provisioning-logs@v0.1.0' during preview: string value at .workspaceId can't be known during preview",
            ),
            out,
        );
    });

    it("runs any pack given with --policy-pack, with its policies' defaults unless --policy-pack-config is given", async () => {
        const e = await evaluateStack("prod");
        const count = e.resources.length;
        await withTempDir(async (dir) => {
            const pack = path.join(dir, "pack");
            fs.mkdirSync(pack);
            fs.writeFileSync(path.join(pack, "PulumiPolicy.yaml"), "runtime: nodejs\n");
            fs.writeFileSync(path.join(pack, "package.json"), JSON.stringify({ name: "counts", version: "1.0.0" }));
            fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(pack, "node_modules"), "dir");
            fs.writeFileSync(
                path.join(pack, "index.js"),
                [
                    'const { PolicyPack } = require("@pulumi/policy");',
                    'new PolicyPack("counts", { policies: [{ name: "counts-stack-count-resources", description: "Counts the resources.",',
                    '    enforcementLevel: "mandatory", validateStack: (args, report) => report("Stack has " + args.resources.length + " resources.") }] });',
                ].join("\n"),
            );
            const plan = path.join(dir, "plan.json");
            fs.writeFileSync(plan, renderJson(e));
            const config = path.join(dir, "advisory.json");
            fs.writeFileSync(config, JSON.stringify({ "counts-stack-count-resources": "advisory" }));

            assert.deepStrictEqual(await runIn(checkPolicyCommand, ["--plan", plan, "--policy-pack", pack]), {
                code: 1,
                out: `Policy check: 1 finding; the check fails.\n  [mandatory] counts-stack-count-resources on stack: Stack has ${count} resources.\n`,
                err: "",
            });
            assert.deepStrictEqual(
                await runIn(checkPolicyCommand, ["--plan", plan, "--policy-pack", pack, "--policy-pack-config", config]),
                {
                    code: 0,
                    out: `Policy check: 1 finding.\n  [advisory] counts-stack-count-resources on stack: Stack has ${count} resources.\n`,
                    err: "",
                },
            );
            await closePolicyAnalyzers();
        });
    });

    it("says in one line what is wrong with its command line or the config file, and exits 2", async () => {
        assert.deepStrictEqual(await runIn(checkPolicyCommand, []), {
            code: 2,
            out: "",
            err: "error: --stack or --plan is required; usage: npm run check:policy -- (--stack <stack> | --plan <plan.json from npm run plan -- --json>) [--policy-pack <dir>] [--policy-pack-config <file>]\n",
        });
        await withTempDir(async (dir) => {
            const config = path.join(dir, "strict.json");
            fs.writeFileSync(config, JSON.stringify({ all: "strict" }));
            assert.deepStrictEqual(await runIn(checkPolicyCommand, ["--stack", "prod", "--policy-pack-config", config]), {
                code: 2,
                out: "",
                err: 'error: parsing enforcement level for "all": "strict" is not a valid enforcement level\n',
            });
            assert.deepStrictEqual(await runIn(checkPolicyCommand, ["--stack", "prod", "--policy-pack", dir]), {
                code: 2,
                out: "",
                err: `error: failed to load Pulumi policy project located at "${dir}": open ${dir}/PulumiPolicy.yaml: no such file or directory\n`,
            });
        });
    });
});
