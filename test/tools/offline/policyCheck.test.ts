import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICIES } from "../../../policies/policies";
import { checkPolicyCommand } from "../../../tools/checkPolicy";
import {
    type AnalyzerInfo,
    closePolicyAnalyzers,
    type PolicyConfig,
    type PolicyInfo,
    runPolicyPack,
} from "../../../tools/engine/policyAnalyzer";
import {
    checkPolicies,
    failed,
    POLICY_PACK_DIR,
    policyConfigProblems,
    preparePolicyCheck,
    stackPolicyConfig,
    stackPolicyConfigFile,
} from "../../../tools/offline/policyCheck";
import { type Evaluation, evaluateStack, evaluateStackWith } from "../../../tools/offline/recorder";
import { planCommand, renderJson } from "../../../tools/plan";
import { PROJECT_DIR } from "../../../tools/stackFiles";
import { runIn } from "../../support/command";
import { EXAMPLE_STACKS_DIR } from "../../support/exampleStacks";
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
            "monitor-scheduledqueryrule-configure-frequency",
            "monitor-scheduledqueryrule-configure-schedule",
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

    it("accepts every config in policies/config, checked against the policies the pack reports", async () => {
        const files = fs.readdirSync(path.join(PROJECT_DIR, "policies", "config"));
        assert.ok(files.includes("default.json"), "the config of a stack without its own");
        for (const file of files) {
            const stack = path.basename(file, ".json");
            await preparePolicyCheck(stackPolicyConfig(stack), { configFile: stackPolicyConfigFile(stack) });
        }
    });

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

    it("rejects the config the Pulumi CLI rejects, with its message, the file and the value", async () => {
        const e = await evaluateStack("prod");
        await assert.rejects(checkPolicies(e.resources, { all: "strict" as never }, { configFile: "policies/config/prod.json" }), {
            name: "UsageError",
            message:
                'policies/config/prod.json: parsing enforcement level for "all": "strict" is not a valid enforcement level (the levels are advisory, mandatory, remediate or disabled)',
        });
        await assert.rejects(checkPolicies(e.resources, { "loganalytics-workspace-configure-retention": { minimumRetentionDays: 7 } }), {
            name: "UsageError",
            message: "loganalytics-workspace-configure-retention: minimumRetentionDays: Must be greater than or equal to 30 (found 7)",
        });
    });

    it("rejects a policy name the pack doesn't have, which the CLI would ignore, suggesting the one meant", async () => {
        const e = await evaluateStack("prod");
        await assert.rejects(
            checkPolicies(
                e.resources,
                { all: "advisory", "loganalytics-workspace-configure-retentoin": "mandatory" },
                { configFile: "policies/config/prod.json" },
            ),
            {
                name: "UsageError",
                message:
                    'policies/config/prod.json: "loganalytics-workspace-configure-retentoin" is not a policy of entra-provisioning-logs 0.1.0, so it would change nothing; did you mean loganalytics-workspace-configure-retention?',
            },
        );
        await assert.rejects(checkPolicies(e.resources, { "retention-everywhere": { minimumRetentionDays: 90 } }), {
            message: `"retention-everywhere" is not a policy of entra-provisioning-logs 0.1.0, so it would change nothing; its policies are ${POLICIES.map(
                (p) => p.name,
            )
                .sort()
                .join(", ")}`,
        });
    });

    it("rejects a setting its policy doesn't declare, which the CLI would pass on unread, and a setting given to all", async () => {
        const e = await evaluateStack("prod");
        await assert.rejects(
            checkPolicies(e.resources, {
                "loganalytics-workspace-configure-retention": { minimumRetentionDay: 90 },
                all: { enforcementLevel: "mandatory", minimumRetentionDays: 90 } as never,
            }),
            {
                message:
                    'loganalytics-workspace-configure-retention has no setting "minimumRetentionDay", so it would keep its defaults; did you mean minimumRetentionDays?; ' +
                    '"all" sets only every policy\'s enforcement level, not "minimumRetentionDays"',
            },
        );
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
                err: `error: ${config}: parsing enforcement level for "all": "strict" is not a valid enforcement level (the levels are advisory, mandatory, remediate or disabled)\n`,
            });
            // A typo of a level inside a policy's object is the same line, naming that policy.
            fs.writeFileSync(config, JSON.stringify({ "loganalytics-workspace-enforce-protection": { enforcementLevel: "mandatry" } }));
            assert.deepStrictEqual(await runIn(checkPolicyCommand, ["--stack", "prod", "--policy-pack-config", config]), {
                code: 2,
                out: "",
                err: `error: ${config}: parsing enforcement level for "loganalytics-workspace-enforce-protection": "mandatry" is not a valid enforcement level (the levels are advisory, mandatory, remediate or disabled)\n`,
            });
            assert.deepStrictEqual(await runIn(checkPolicyCommand, ["--stack", "prod", "--policy-pack", dir]), {
                code: 2,
                out: "",
                err: `error: failed to load Pulumi policy project located at "${dir}": open ${dir}/PulumiPolicy.yaml: no such file or directory\n`,
            });
        });
    });
});

/** A pack as GetAnalyzerInfo reports it, with these policies. */
function packWith(...policies: Array<Partial<PolicyInfo> & { name: string }>): AnalyzerInfo {
    return {
        name: "pack",
        version: "1.0.0",
        supportsConfig: true,
        policies: policies.map((p) => ({ description: "A policy.", enforcementLevel: "advisory", type: "resource", ...p })),
        initialConfig: {},
    };
}

/** A policy whose configSchema has these properties (and required ones). */
const withSchema = (properties: Record<string, Record<string, unknown>>, required: string[] = []) => ({
    name: "foo-policy",
    configSchema: { properties, required },
});

const given = (properties: Record<string, unknown>): Record<string, PolicyConfig> => ({
    "foo-policy": { enforcementLevel: "advisory", properties },
});

describe("a policy config, checked as the Pulumi CLI checks it (its cases in pkg/resource/analyzer/config_test.go)", () => {
    // TestParsePolicyPackConfigFail and TestExtractEnforcementLevelFail: rejected before the pack starts.
    const unparsable: Array<[string, unknown, string]> = [
        ["an array", [], 'parsing "foo": [] is not a valid value; must be a string or object'],
        ["null", null, 'parsing "foo": <nil> is not a valid value; must be a string or object'],
        ["a number", 0, 'parsing "foo": 0 is not a valid value; must be a string or object'],
        ["true", true, 'parsing "foo": true is not a valid value; must be a string or object'],
        ["false", false, 'parsing "foo": false is not a valid value; must be a string or object'],
        ["an empty level", "", 'parsing enforcement level for "foo": "" is not a valid enforcement level'],
        ["a level that isn't one", "bar", 'parsing enforcement level for "foo": "bar" is not a valid enforcement level'],
        [
            "enforcementLevel an array",
            { enforcementLevel: [] },
            'parsing enforcement level for "foo": [] is not a valid enforcement level; must be a string',
        ],
        [
            "enforcementLevel null",
            { enforcementLevel: null },
            'parsing enforcement level for "foo": <nil> is not a valid enforcement level; must be a string',
        ],
        [
            "enforcementLevel a number",
            { enforcementLevel: 1 },
            'parsing enforcement level for "foo": 1 is not a valid enforcement level; must be a string',
        ],
        [
            "enforcementLevel true",
            { enforcementLevel: true },
            'parsing enforcement level for "foo": true is not a valid enforcement level; must be a string',
        ],
        [
            "enforcementLevel an object",
            { enforcementLevel: {} },
            'parsing enforcement level for "foo": map[] is not a valid enforcement level; must be a string',
        ],
        ["enforcementLevel empty", { enforcementLevel: "" }, 'parsing enforcement level for "foo": "" is not a valid enforcement level'],
        [
            "enforcementLevel not a level",
            { enforcementLevel: "foo" },
            'parsing enforcement level for "foo": "foo" is not a valid enforcement level',
        ],
    ];
    for (const [what, value, message] of unparsable) {
        it(`rejects a policy's value that is ${what}, naming the file`, async () => {
            const hint = message.includes("enforcement level") ? " (the levels are advisory, mandatory, remediate or disabled)" : "";
            await assert.rejects(preparePolicyCheck({ foo: value } as never, { configFile: "x.json" }), {
                name: "UsageError",
                message: `x.json: ${message}${hint}`,
            });
        });
    }

    // TestReconcilePolicyPackConfigValidationErrors, each with the value found.
    const invalid: Array<[string, AnalyzerInfo, Record<string, PolicyConfig> | undefined, string[]]> = [
        [
            "a required property not set",
            packWith(withSchema({ foo: { type: "string" } }, ["foo"])),
            undefined,
            ["foo-policy: foo is required"],
        ],
        [
            "a default of the wrong type",
            packWith(withSchema({ foo: { type: "string", default: 1 } })),
            undefined,
            ["foo-policy: foo: Invalid type. Expected: string, given: integer (found 1)"],
        ],
        [
            "a default too long",
            packWith(withSchema({ foo: { type: "string", maxLength: 3, default: "this value is too long" } })),
            undefined,
            ['foo-policy: foo: String length must be less than or equal to 3 (found "this value is too long")'],
        ],
        [
            "a default too short",
            packWith(withSchema({ foo: { type: "string", minLength: 50, default: "this value is too short" } })),
            undefined,
            ['foo-policy: foo: String length must be greater than or equal to 50 (found "this value is too short")'],
        ],
        [
            "a default outside its enum",
            packWith(withSchema({ foo: { type: "string", enum: ["bar", "baz"], default: "blah" } })),
            undefined,
            ['foo-policy: foo: foo must be one of the following: "bar", "baz" (found "blah")'],
        ],
        [
            "a default other than its constant",
            packWith(withSchema({ foo: { const: "bar", default: "blah" } })),
            undefined,
            ['foo-policy: foo: foo does not match: "bar" (found "blah")'],
        ],
        [
            "a value of the wrong type",
            packWith(withSchema({ foo: { type: "string" } })),
            given({ foo: 1 }),
            ["foo-policy: foo: Invalid type. Expected: string, given: integer (found 1)"],
        ],
        [
            "a value outside its enum",
            packWith(withSchema({ foo: { type: "string", enum: ["bar", "baz"] } })),
            given({ foo: "blah" }),
            ['foo-policy: foo: foo must be one of the following: "bar", "baz" (found "blah")'],
        ],
        [
            "a value other than its constant",
            packWith(withSchema({ foo: { const: "bar" } })),
            given({ foo: "blah" }),
            ['foo-policy: foo: foo does not match: "bar" (found "blah")'],
        ],
        [
            "several wrong values",
            packWith(withSchema({ foo: { type: "string", maxLength: 3 }, bar: { type: "integer" } })),
            given({ foo: "this is too long", bar: 3.14 }),
            [
                "foo-policy: bar: Invalid type. Expected: integer, given: number (found 3.14)",
                'foo-policy: foo: String length must be less than or equal to 3 (found "this is too long")',
            ],
        ],
    ];
    for (const [what, info, config, problems] of invalid) {
        it(`rejects ${what}`, () => {
            assert.deepStrictEqual(policyConfigProblems(config ?? {}, info).sort(), problems);
        });
    }

    // TestReconcilePolicyPackConfigSuccess and TestReconcilePolicyPackConfigWithInitialConfig.
    const valid: Array<[string, AnalyzerInfo, Record<string, PolicyConfig>]> = [
        ["the default level", packWith({ name: "policy", enforcementLevel: "mandatory" }), {}],
        ["a level given", packWith({ name: "policy", enforcementLevel: "mandatory" }), { policy: { enforcementLevel: "advisory" } }],
        ["a level for all", packWith({ name: "policy", enforcementLevel: "disabled" }), { all: { enforcementLevel: "mandatory" } }],
        [
            "a level for all and one for a policy",
            packWith({ name: "policy-one" }, { name: "policy-two", enforcementLevel: "mandatory" }),
            { all: { enforcementLevel: "disabled" }, "policy-two": { enforcementLevel: "advisory" } },
        ],
        ["a string default", packWith(withSchema({ foo: { type: "string", default: "bar" } })), {}],
        ["a number default", packWith(withSchema({ foo: { type: "number", default: 42 } })), {}],
        ["a value over a default", packWith(withSchema({ foo: { type: "string", default: "bar" } })), given({ foo: "overridden" })],
        ["a default for a required property", packWith(withSchema({ foo: { type: "string", default: "bar" } }, ["foo"])), {}],
        ["a string", packWith(withSchema({ foo: { type: "string" } })), given({ foo: "bar" })],
        ["a whole number", packWith(withSchema({ foo: { type: "number" } })), given({ foo: 42 })],
        ["a fraction", packWith(withSchema({ foo: { type: "number" } })), given({ foo: 3.14 })],
        ["an integer", packWith(withSchema({ foo: { type: "integer" } })), given({ foo: 42 })],
        ["true", packWith(withSchema({ foo: { type: "boolean" } })), given({ foo: true })],
        ["false", packWith(withSchema({ foo: { type: "boolean" } })), given({ foo: false })],
        ["an object", packWith(withSchema({ foo: { type: "object" } })), given({ foo: { bar: "baz" } })],
        ["an array", packWith(withSchema({ foo: { type: "array" } })), given({ foo: ["a", "b", "c"] })],
        ["null", packWith(withSchema({ foo: { type: "null" } })), given({ foo: null })],
    ];
    for (const [what, info, config] of valid) {
        it(`accepts ${what}`, () => {
            assert.deepStrictEqual(policyConfigProblems(config, info), []);
        });
    }

    it("rejects any config for a pack that takes none, as the CLI does", () => {
        const info = { ...packWith({ name: "policy" }), supportsConfig: false };
        assert.deepStrictEqual(policyConfigProblems({}, info), []);
        assert.deepStrictEqual(policyConfigProblems({ all: { enforcementLevel: "advisory" } }, info), [
            "policy pack pack 1.0.0 does not support config",
        ]);
    });
});

describe("a stack without a policy config of its own", function () {
    this.timeout(180_000);

    after(closePolicyAnalyzers);

    it("is named in the summary of npm run plan -- --all, so a new stack is not silently advisory", async () => {
        const { code, out } = await withTempDir((dir) => {
            fs.copyFileSync(path.join(EXAMPLE_STACKS_DIR, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
            fs.copyFileSync(path.join(EXAMPLE_STACKS_DIR, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.tenant-a.yaml"));
            return runIn(planCommand, ["--all", "--stacks-dir", dir]);
        });
        assert.strictEqual(code, 0, out);
        assert.deepStrictEqual(out.trimEnd().split("\n").slice(-2), [
            "",
            "Checked with policies/config/default.json (the documented defaults), having no policies/config/<stack>.json of their own: tenant-a.",
        ]);
    });
});
