import * as assert from "node:assert";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICIES } from "../../../policies/policies";
import { checkPolicies, failed, stackPolicyConfig } from "../../../tools/offline/policyCheck";
import { evaluateStack, evaluateStackWith } from "../../../tools/offline/recorder";
import { PROJECT_DIR } from "../../../tools/stackFiles";
import { renderJson } from "../../../tools/plan";
import { withTempDir } from "../../support/tempDir";

function run(args: string[]): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) =>
        execFile("npm", ["run", "--silent", ...args], { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout }),
        ),
    );
}

describe("the policy pack", () => {
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

    it("starts as a real policy pack: its server comes up and announces its port, as the Pulumi CLI expects", async function () {
        this.timeout(60_000);
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_DIR, "policies", "index.ts")], {
            cwd: PROJECT_DIR,
        });
        try {
            const first = await new Promise<string>((resolve, reject) => {
                let out = "";
                let err = "";
                child.stdout.on("data", (d) => {
                    out += d;
                    if (out.includes("\n")) {
                        resolve(out.split("\n")[0]);
                    }
                });
                child.stderr.on("data", (d) => (err += d));
                child.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${err}`)));
            });
            assert.match(first, /^\d+$/);
        } finally {
            child.kill();
        }
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
        const broken = e.resources.map((r) => {
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
        });
        const { code, stdout } = await withTempDir((dir) => {
            const file = path.join(dir, "broken.json");
            fs.writeFileSync(file, renderJson({ ...e, resources: broken }));
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
            },
        ]);
        assert.strictEqual(failed(verdicts), false);
        assert.strictEqual(failed(await checkPolicies(e.resources, { all: "mandatory" })), true);
    });
});
