import * as assert from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    type AnalyzerResource,
    closePolicyAnalyzers,
    type PolicyEvent,
    type PolicyPackRun,
    parsePolicyPackConfig,
    reconcilePolicyPackConfig,
    runPolicyPack,
    validateJsonSchema,
} from "../../../tools/engine/policyAnalyzer";
import { PROJECT_DIR } from "../../../tools/stackFiles";

/** How the engine marks an unknown string during a preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * A tiny pack of plain JavaScript, resolving @pulumi/policy from the project's node_modules through
 * a link: each policy shows one thing the engine hands a policy. Tests switch on the ones they look at.
 */
const TINY_PACK = `
const { PolicyPack, validateResourceOfType } = require("@pulumi/policy");
const Bucket = { __pulumiType: "tiny:index:Bucket" };
const Queue = { __pulumiType: "tiny:index:Queue" };
const sizeOf = (args) => args.getConfig().minimumSize;

new PolicyPack("tiny", {
    policies: [
        {
            name: "tiny-resource-skip-components",
            description: "Says which resources it checks.",
            enforcementLevel: "advisory",
            validateResource: (args, report) => {
                if (args.type === "tiny:index:Component") {
                    args.notApplicable("components are not checked");
                }
                report("checked " + args.name);
            },
        },
        {
            name: "tiny-bucket-enforce-type",
            description: "Knows a bucket when it sees one.",
            enforcementLevel: "advisory",
            validateResource: validateResourceOfType(Bucket, (bucket, args, report) => {
                report("isType(Bucket) " + args.isType(Bucket) + ", isType(Queue) " + args.isType(Queue) + ", asType(Bucket).size " + args.asType(Bucket).size);
            }),
        },
        {
            name: "tiny-bucket-configure-size",
            description: "Buckets are at least the minimum size.",
            enforcementLevel: "mandatory",
            configSchema: { properties: { minimumSize: { type: "integer", default: 10, minimum: 1 } } },
            validateResource: validateResourceOfType(Bucket, (bucket, args, report) => {
                if (bucket.size < sizeOf(args)) {
                    report("Bucket size must be at least " + sizeOf(args) + " (found " + bucket.size + ").");
                }
            }),
            remediateResource: (args) =>
                args.type === "tiny:index:Bucket" && args.props.size < sizeOf(args) && !args.props.frozen
                    ? { ...args.props, size: sizeOf(args) }
                    : undefined,
        },
        {
            name: "tiny-resource-show-options",
            description: "Shows what it is told of a resource.",
            enforcementLevel: "advisory",
            validateResource: (args, report) => {
                report(JSON.stringify({ opts: args.opts, stackTags: Object.fromEntries(args.stackTags), provider: args.provider && { name: args.provider.name, props: args.provider.props } }));
            },
        },
        {
            name: "tiny-stack-show-graph",
            description: "Shows the stack's resources as it is told them.",
            enforcementLevel: "advisory",
            validateStack: (args, report) => {
                report(JSON.stringify(args.resources.map((r) => ({
                    name: r.name,
                    size: r.props.size,
                    parent: r.parent && r.parent.name,
                    dependencies: r.dependencies.map((d) => d.name),
                    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, v.map((d) => d.name)])),
                }))));
            },
        },
    ],
});
`;

/** Writes a pack to a new folder in the temp dir: PulumiPolicy.yaml, package.json, a link to node_modules and `index.js`. */
function writePack(index: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-pack-"));
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\ndescription: A pack for tests.\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "tiny", version: "1.2.3" }));
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "index.js"), index);
    return dir;
}

/** Processes whose command line names `dir`: a pack's process does. */
function processesIn(dir: string): number[] {
    return fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
            try {
                return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes(dir);
            } catch {
                return false;
            }
        })
        .map(Number);
}

function resource(
    type: string,
    name: string,
    properties: Record<string, unknown>,
    extra: Partial<AnalyzerResource> = {},
): AnalyzerResource {
    return {
        urn: `urn:pulumi:test::tiny::${type}::${name}`,
        type,
        name,
        properties,
        options: {
            protect: false,
            ignoreChanges: [],
            additionalSecretOutputs: [],
            aliases: [],
            customTimeouts: { create: 0, update: 0, delete: 0, read: 0 },
        },
        dependencies: [],
        propertyDependencies: {},
        ...extra,
    };
}

/** Each event as a line: what a preview would show, without the policy's description before the message. */
function lines(run: PolicyPackRun): string[] {
    return run.events.map((e: PolicyEvent) => {
        const name = e.urn.split("::").pop();
        switch (e.kind) {
            case "violation":
                return `[${e.diagnostic.enforcementLevel}] ${e.diagnostic.policyName} on ${name}: ${e.diagnostic.message.replace(`${e.diagnostic.description}\n`, "")}`;
            case "remediation":
                return `[remediated] ${e.remediation.policyName} on ${name}: ${JSON.stringify(e.before)} → ${JSON.stringify(e.after)}`;
            default:
                return `[not applicable] ${e.policyName} on ${name}: ${e.reason}`;
        }
    });
}

/** A config with every policy of the tiny pack disabled but `policies`, at their own level. */
function only(...policies: string[]): ReturnType<typeof parsePolicyPackConfig>["config"] {
    return parsePolicyPackConfig({ all: "disabled", ...Object.fromEntries(policies.map((p) => [p, "advisory"])) }).config;
}

describe("a policy pack run as the Pulumi CLI runs it", function () {
    // Starting a pack is a Node process with ts-node: seconds, more on a busy machine.
    this.timeout(180_000);
    let pack: string;

    before(() => {
        pack = writePack(TINY_PACK);
    });

    after(async () => {
        await closePolicyAnalyzers();
        fs.rmSync(pack, { recursive: true, force: true });
    });

    it("keeps checking later resources after a policy finds one not applicable", async () => {
        const run = await runPolicyPack(
            pack,
            [
                resource("tiny:index:Bucket", "a", { size: 20 }),
                resource("tiny:index:Component", "c", {}),
                resource("tiny:index:Queue", "b", {}),
            ],
            { config: only("tiny-resource-skip-components") },
        );
        assert.deepStrictEqual(lines(run), [
            "[advisory] tiny-resource-skip-components on a: checked a",
            "[not applicable] tiny-resource-skip-components on c: components are not checked",
            "[advisory] tiny-resource-skip-components on b: checked b",
        ]);
    });

    it("tells a policy the resource's type through isType and asType", async () => {
        const run = await runPolicyPack(pack, [resource("tiny:index:Bucket", "a", { size: 20 }), resource("tiny:index:Queue", "b", {})], {
            config: only("tiny-bucket-enforce-type"),
        });
        assert.deepStrictEqual(lines(run), [
            "[advisory] tiny-bucket-enforce-type on a: isType(Bucket) true, isType(Queue) false, asType(Bucket).size 20",
            "[not applicable] tiny-bucket-enforce-type on b: Policy only applies to resources of type 'tiny:index:Bucket'",
        ]);
    });

    it("hands a policy the resource's options, its provider and the stack's tags as the engine marshals them", async () => {
        const provider = {
            urn: "urn:pulumi:test::tiny::pulumi:providers:tiny::p",
            type: "pulumi:providers:tiny",
            name: "p",
            properties: { region: "north", __internal: 1 },
        };
        const bucket = resource(
            "tiny:index:Bucket",
            "a",
            { size: 20 },
            {
                options: {
                    protect: true,
                    ignoreChanges: ["tags"],
                    deleteBeforeReplace: true,
                    additionalSecretOutputs: ["key"],
                    aliases: ["urn:pulumi:test::tiny::tiny:index:Bucket::old"],
                    customTimeouts: { create: 90, update: 60, delete: 30, read: 0 },
                    parent: "urn:pulumi:test::tiny::tiny:index:Component::c",
                },
                provider,
            },
        );
        const run = await runPolicyPack(pack, [bucket], {
            config: only("tiny-resource-show-options"),
            stack: { project: "tiny", stack: "test", tags: { "pulumi:project": "tiny", team: "logs" } },
        });
        assert.deepStrictEqual(
            run.events.map((e) => (e.kind === "violation" ? JSON.parse(e.diagnostic.message.split("\n")[1]) : e)),
            [
                {
                    opts: {
                        protect: true,
                        ignoreChanges: ["tags"],
                        aliases: ["urn:pulumi:test::tiny::tiny:index:Bucket::old"],
                        customTimeouts: { createSeconds: 90, updateSeconds: 60, deleteSeconds: 30 },
                        additionalSecretOutputs: ["key"],
                        deleteBeforeReplace: true,
                        parent: "urn:pulumi:test::tiny::tiny:index:Component::c",
                    },
                    stackTags: { "pulumi:project": "tiny", team: "logs" },
                    provider: { name: "p", props: { region: "north" } },
                },
            ],
        );
    });

    it("tells a reused pack another stack's tags, and none when it is told no stack", async () => {
        const tagsOf = async (stack?: { project: string; stack: string; tags: Record<string, string> }) =>
            (
                await runPolicyPack(pack, [resource("tiny:index:Queue", "b", {})], { config: only("tiny-resource-show-options"), stack })
            ).events.map((e) => (e.kind === "violation" ? JSON.parse(e.diagnostic.message.split("\n")[1]).stackTags : undefined));
        assert.deepStrictEqual(await tagsOf({ project: "tiny", stack: "one", tags: { env: "one" } }), [{ env: "one" }]);
        assert.deepStrictEqual(await tagsOf({ project: "tiny", stack: "two", tags: { env: "two" } }), [{ env: "two" }]);
        assert.deepStrictEqual(await tagsOf(), [{}]);
    });

    it("remediates at level remediate, then analyzes and stack-checks the remediated inputs", async () => {
        const run = await runPolicyPack(pack, [resource("tiny:index:Bucket", "a", { size: 2 })], {
            config: parsePolicyPackConfig({
                all: "disabled",
                "tiny-bucket-configure-size": "remediate",
                "tiny-stack-show-graph": "advisory",
            }).config,
        });
        assert.deepStrictEqual(lines(run), [
            '[remediated] tiny-bucket-configure-size on a: {"size":2} → {"size":10}',
            '[advisory] tiny-stack-show-graph on tiny-test: [{"name":"a","size":10,"dependencies":[],"propertyDependencies":{}}]',
        ]);
    });

    it("reports a remediating policy it could not satisfy as mandatory, as the engine does", async () => {
        const run = await runPolicyPack(pack, [resource("tiny:index:Bucket", "a", { size: 2, frozen: true })], {
            config: parsePolicyPackConfig({ all: "disabled", "tiny-bucket-configure-size": "remediate" }).config,
        });
        assert.deepStrictEqual(lines(run), ["[mandatory] tiny-bucket-configure-size on a: Bucket size must be at least 10 (found 2)."]);
    });

    it("gives the policy its schema's defaults, overridden by the config file", async () => {
        const check = async (config: unknown) =>
            lines(
                await runPolicyPack(pack, [resource("tiny:index:Bucket", "a", { size: 12 })], {
                    config: parsePolicyPackConfig({ all: "disabled", ...(config as object) }).config,
                }),
            );
        assert.deepStrictEqual(await check({ "tiny-bucket-configure-size": "mandatory" }), []);
        assert.deepStrictEqual(await check({ "tiny-bucket-configure-size": { enforcementLevel: "advisory", minimumSize: 15 } }), [
            "[advisory] tiny-bucket-configure-size on a: Bucket size must be at least 15 (found 12).",
        ]);
    });

    it("gives stack policies every resource with its parent and dependencies resolved", async () => {
        const c = resource("tiny:index:Component", "c", {});
        const a = resource("tiny:index:Bucket", "a", { size: 20 }, { parent: c.urn });
        const b = resource(
            "tiny:index:Queue",
            "b",
            {},
            { parent: c.urn, dependencies: [a.urn], propertyDependencies: { bucket: [a.urn], other: [] } },
        );
        const run = await runPolicyPack(pack, [c, a, b], { config: only("tiny-stack-show-graph") });
        assert.deepStrictEqual(lines(run), [
            `[advisory] tiny-stack-show-graph on tiny-test: ${JSON.stringify([
                { name: "c", dependencies: [], propertyDependencies: {} },
                { name: "a", size: 20, parent: "c", dependencies: [], propertyDependencies: {} },
                { name: "b", parent: "c", dependencies: ["a"], propertyDependencies: { bucket: ["a"] } },
            ])}`,
        ]);
    });

    it("turns a policy that reads an unknown value into an advisory that it can't run during a preview", async () => {
        const run = await runPolicyPack(pack, [resource("tiny:index:Bucket", "a", { size: UNKNOWN })], {
            config: parsePolicyPackConfig({ all: "disabled", "tiny-bucket-enforce-type": "mandatory" }).config,
        });
        assert.deepStrictEqual(lines(run), [
            "[advisory] tiny-bucket-enforce-type on a: can't run policy 'tiny-bucket-enforce-type' from policy pack 'tiny@v1.2.3' during preview: " +
                "string value at .size can't be known during preview",
        ]);
    });

    it("rejects a config value outside its policy's schema with the CLI's message", async () => {
        await assert.rejects(
            runPolicyPack(pack, [], { config: parsePolicyPackConfig({ "tiny-bucket-configure-size": { minimumSize: 0 } }).config }),
            {
                name: "UsageError",
                message:
                    "validating policy config: tiny 1.2.3  tiny-bucket-configure-size: minimumSize: Must be greater than or equal to 1",
            },
        );
    });

    it("fails a policy name the pack doesn't have when the config gives it no level, as the CLI does, and ignores it with one", async () => {
        await assert.rejects(runPolicyPack(pack, [], { config: parsePolicyPackConfig({ "tiny-no-such-policy": { size: 1 } }).config }), {
            message: `configuring policy pack "tiny" at "${pack}": invalid enforcement level ""`,
        });
        const run = await runPolicyPack(pack, [], {
            config: parsePolicyPackConfig({ "tiny-no-such-policy": "mandatory", all: "disabled" }).config,
        });
        assert.deepStrictEqual(lines(run), []);
    });

    it("reports the pack's name and version, PulumiPolicy.yaml's version first", async () => {
        const run = await runPolicyPack(pack, [], { config: only() });
        assert.strictEqual(`${run.info.name} ${run.info.version}`, "tiny 1.2.3");
        assert.deepStrictEqual(
            run.info.policies.map((p) => `${p.name} ${p.type} ${p.enforcementLevel}`),
            [
                "tiny-bucket-configure-size resource mandatory",
                "tiny-bucket-enforce-type resource advisory",
                "tiny-resource-show-options resource advisory",
                "tiny-resource-skip-components resource advisory",
                "tiny-stack-show-graph stack advisory",
            ],
        );
    });

    it("keeps one process per pack across runs", async () => {
        await runPolicyPack(pack, [], { config: only() });
        assert.strictEqual(processesIn(pack).length, 1);
    });
});

describe("a policy pack that fails", function () {
    this.timeout(180_000);
    const packs: string[] = [];
    const failing = (index: string) => {
        const dir = writePack(index);
        packs.push(dir);
        return dir;
    };
    const bucket = resource("tiny:index:Bucket", "a", { size: 1 });

    after(async () => {
        await closePolicyAnalyzers();
        for (const dir of packs) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("that throws while loading gives one line and leaves no process", async () => {
        const dir = failing('throw new Error("boom at load");');
        await assert.rejects(runPolicyPack(dir, [bucket]), {
            name: "PolicyPackError",
            message: `policy pack "${dir}" failed to start: it exited with code 32 before announcing its port: Error: boom at load`,
        });
        assert.deepStrictEqual(processesIn(dir), []);
    });

    it("that never announces its port gives one line within the start-up bound and leaves no process", async () => {
        const dir = failing("setInterval(() => {}, 1000);");
        await assert.rejects(runPolicyPack(dir, [bucket], { timeouts: { startMs: 3000 } }), {
            message: `policy pack "${dir}" failed to start: it announced no port within 3 s`,
        });
        assert.deepStrictEqual(processesIn(dir), []);
    });

    it("that hangs in a policy gives one line within the call bound and leaves no process", async () => {
        const dir = failing(
            'const { PolicyPack } = require("@pulumi/policy");\n' +
                'new PolicyPack("hangs", { policies: [{ name: "hangs", description: "Never answers.", validateResource: () => new Promise(() => {}) }] });',
        );
        await assert.rejects(runPolicyPack(dir, [bucket], { timeouts: { callMs: 1500 } }), {
            message: `policy pack "${dir}" did not answer Analyze of ${bucket.urn} within 1.5 s`,
        });
        assert.deepStrictEqual(processesIn(dir), []);
    });

    it("that exits in a policy gives one line with its exit code and leaves no process", async () => {
        const dir = failing(
            'const { PolicyPack } = require("@pulumi/policy");\n' +
                'new PolicyPack("exits", { policies: [{ name: "exits", description: "Exits.", validateResource: () => { console.error("going away"); process.exit(3); } }] });',
        );
        await assert.rejects(runPolicyPack(dir, [bucket]), {
            message: `policy pack "${dir}" exited with code 3 during Analyze of ${bucket.urn}: going away`,
        });
        assert.deepStrictEqual(processesIn(dir), []);
    });

    it("that throws in a policy gives one line naming the policy and leaves no process", async () => {
        const dir = failing(
            'const { PolicyPack } = require("@pulumi/policy");\n' +
                'new PolicyPack("throws", { policies: [{ name: "throws", description: "Throws.", validateResource: () => { throw new Error("kaput"); } }] });',
        );
        await assert.rejects(runPolicyPack(dir, [bucket]), {
            message:
                `policy pack "${dir}" failed to run policy in Analyze of ${bucket.urn}: ` +
                "Error validating resource with policy 'throws' from policy pack 'throws@v1.2.3': Error: kaput",
        });
        assert.deepStrictEqual(processesIn(dir), []);
    });

    it("without PulumiPolicy.yaml is rejected before anything starts", async () => {
        const dir = failing("");
        fs.rmSync(path.join(dir, "PulumiPolicy.yaml"));
        await assert.rejects(runPolicyPack(dir, []), {
            message: `failed to load Pulumi policy project located at "${dir}": open ${dir}/PulumiPolicy.yaml: no such file or directory`,
        });
    });
});

describe("a policy pack's config, read as the CLI reads --policy-pack-config", () => {
    it("takes a level or an object of properties with an optional level for each policy, and leaves empty ones out", () => {
        assert.deepStrictEqual(
            parsePolicyPackConfig({ all: "mandatory", a: { enforcementLevel: "advisory", x: 1 }, b: { y: [2] }, c: {} }),
            {
                config: {
                    all: { enforcementLevel: "mandatory" },
                    a: { enforcementLevel: "advisory", properties: { x: 1 } },
                    b: { properties: { y: [2] } },
                },
                environments: [],
            },
        );
    });

    it("rejects an invalid enforcement level with the CLI's message", () => {
        assert.throws(() => parsePolicyPackConfig({ all: "strict" }), {
            name: "UsageError",
            message: 'parsing enforcement level for "all": "strict" is not a valid enforcement level',
        });
        assert.throws(() => parsePolicyPackConfig({ a: { enforcementLevel: "Mandatory" } }), {
            message: 'parsing enforcement level for "a": "Mandatory" is not a valid enforcement level',
        });
        assert.throws(() => parsePolicyPackConfig({ a: { enforcementLevel: 3 } }), {
            message: 'parsing enforcement level for "a": 3 is not a valid enforcement level; must be a string',
        });
    });

    it("rejects a value that is neither a level nor an object with the CLI's message", () => {
        assert.throws(() => parsePolicyPackConfig({ a: 5 }), {
            message: 'parsing "a": 5 is not a valid value; must be a string or object',
        });
        assert.throws(() => parsePolicyPackConfig({ a: [1, "x"] }), {
            message: 'parsing "a": [1 x] is not a valid value; must be a string or object',
        });
    });

    it("takes ESC environments apart, as a list of names", () => {
        assert.deepStrictEqual(parsePolicyPackConfig({ environments: ["org/env"] }), { config: {}, environments: ["org/env"] });
        assert.throws(() => parsePolicyPackConfig({ environments: "org/env" }), {
            message: '"environments" must be an array of strings, got string',
        });
    });

    it("applies `all` before each policy's own level and keeps the schema's defaults", () => {
        const policies = [
            {
                name: "p",
                description: "P.",
                enforcementLevel: "advisory" as const,
                type: "resource" as const,
                configSchema: { properties: { n: { type: "integer", default: 3 } }, required: [] },
            },
            { name: "q", description: "Q.", enforcementLevel: "mandatory" as const, type: "resource" as const },
        ];
        const config = parsePolicyPackConfig({ all: "disabled", q: "advisory" }).config;
        assert.deepStrictEqual(reconcilePolicyPackConfig(policies, {}, config), {
            config: {
                p: { enforcementLevel: "disabled", properties: { n: 3 } },
                q: { enforcementLevel: "advisory" },
                all: { enforcementLevel: "disabled" },
            },
            validationErrors: [],
        });
    });

    it("words schema violations as gojsonschema does", () => {
        const schema = {
            type: "object",
            properties: {
                n: { type: "integer", minimum: 30, maximum: 730 },
                s: { type: "string", enum: ["a", "b"], maxLength: 1 },
                big: { type: "number", maximum: 1000000 },
            },
            required: ["r"],
        };
        assert.deepStrictEqual(validateJsonSchema(schema, { n: 7, s: "cc", big: 2e6 }).sort(), [
            "(root): r is required",
            "big: Must be less than or equal to 1e+06",
            "n: Must be greater than or equal to 30",
            "s: String length must be less than or equal to 1",
            's: s must be one of the following: "a", "b"',
        ]);
        assert.deepStrictEqual(validateJsonSchema(schema, { r: 1, n: 30.5, s: 1 }), [
            "n: Invalid type. Expected: integer, given: number",
            "s: Invalid type. Expected: string, given: integer",
        ]);
    });
});
