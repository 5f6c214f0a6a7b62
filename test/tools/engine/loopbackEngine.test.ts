import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import {
    EngineError,
    type InvokeAnswer,
    ProgramError,
    type Providers,
    type RunResult,
    runProgram,
    satisfiesRange,
    UNKNOWN,
} from "../../../tools/engine/loopbackEngine";

/** A JavaScript program that uses each thing the engine answers (fixtures/tiny/index.js). */
const TINY = path.join(__dirname, "fixtures", "tiny");

const PROVIDERS: Providers = {
    invoke: (token, args): InvokeAnswer =>
        token === "tiny:index:getAnswer" ? { properties: { value: `42 for ${String(args.question)}` } } : { error: `no ${token}` },
    state: (r, dryRun) =>
        dryRun ? (r.id ? { id: r.id, outputs: { size: 7 } } : undefined) : { id: r.id ?? `/items/${r.name}`, outputs: { size: 7 } },
};

function run(config: Record<string, string>, dryRun: boolean, extra: { timeoutMs?: number; cliVersion?: string } = {}): Promise<RunResult> {
    return runProgram({
        programDir: TINY,
        project: "tiny",
        stack: "test",
        config,
        secretKeys: Object.keys(config).filter((k) => k.endsWith("secretLabel")),
        dryRun,
        providers: PROVIDERS,
        ...extra,
    });
}

/** Node.js processes still running the fixture program. */
function runnersLeft(): string[] {
    const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    return out.split("\n").filter((line) => line.includes("cmd/run") && line.includes(TINY));
}

describe("the loopback engine around Pulumi's own program runner", function () {
    this.timeout(120_000);

    let preview: RunResult;
    let update: RunResult;
    before(async () => {
        [preview, update] = await Promise.all([
            run({ "tiny:label": "blue", "tiny:secretLabel": "hush" }, true),
            run({ "tiny:label": "blue", "tiny:secretLabel": "hush" }, false),
        ]);
    });

    it("names each resource by its parent's type chain, as the engine's URNs do", () => {
        assert.deepStrictEqual(
            preview.resources.map((r) => r.urn),
            [
                "urn:pulumi:test::tiny::tiny:index:Box::box",
                "urn:pulumi:test::tiny::tiny:index:Box$tiny:index:Item::box-item",
                "urn:pulumi:test::tiny::tiny:index:Item::adopted",
            ],
        );
        assert.deepStrictEqual(
            preview.resources.map((r) => r.parent),
            [
                "urn:pulumi:test::tiny::pulumi:pulumi:Stack::tiny-test",
                "urn:pulumi:test::tiny::tiny:index:Box::box",
                "urn:pulumi:test::tiny::pulumi:pulumi:Stack::tiny-test",
            ],
        );
    });

    it("records inputs with secrets hidden, and every option the program set", () => {
        const item = preview.resources.find((r) => r.name === "box-item")!;
        assert.deepStrictEqual(item.inputs, { size: 3, label: "blue", secretLabel: "[secret]" });
        assert.strictEqual(item.protect, true);
        assert.deepStrictEqual(item.ignoreChanges, ["size"]);
        assert.deepStrictEqual(item.customTimeouts, { create: "5m", update: "", delete: "" });
        assert.match(item.provider!, /^urn:pulumi:test::tiny::pulumi:providers:tiny::default::/);
    });

    it("records an import with its ID and dependencies, and a read apart from what is managed", () => {
        const adopted = preview.resources.find((r) => r.name === "adopted")!;
        assert.strictEqual(adopted.importId, "/items/adopted");
        // Depending on a component is depending on what it holds: the SDK sends its custom children.
        assert.deepStrictEqual(adopted.dependsOn, ["urn:pulumi:test::tiny::tiny:index:Box$tiny:index:Item::box-item"]);
        assert.deepStrictEqual(
            preview.reads.map((r) => [r.urn, r.readId]),
            [["urn:pulumi:test::tiny::tiny:index:Item::existing", "/items/existing"]],
        );
    });

    it("leaves what only pulumi up knows unknown in a preview, and knows imported and read IDs", () => {
        assert.deepStrictEqual(preview.outputs, {
            itemId: UNKNOWN,
            itemSize: 3,
            readSize: 7,
            answer: "42 for life",
            adoptedId: "/items/adopted",
        });
    });

    it("gives every resource its ID and outputs after an update", () => {
        assert.deepStrictEqual(update.outputs, {
            itemId: "/items/box-item",
            itemSize: 7,
            readSize: 7,
            answer: "42 for life",
            adoptedId: "/items/adopted",
        });
    });

    it("fails with the program's own line, printed without a stack trace, and the exit code that says so", async () => {
        await assert.rejects(run({ "tiny:fail": "true" }, true), (e: ProgramError) => {
            assert.ok(e instanceof ProgramError);
            assert.strictEqual(e.message, "`fail` is set (got true)");
            assert.strictEqual(e.userActionable, true);
            return true;
        });
    });

    it("answers RequirePulumiVersion as the CLI does", async () => {
        await run({ "tiny:cli": ">=3.0.0" }, true, { cliVersion: "3.174.0" });
        await assert.rejects(run({ "tiny:cli": ">=3.174.0" }, true, { cliVersion: "3.138.0" }), (e: Error) => {
            assert.match(e.message, /Pulumi CLI version 3\.138\.0 does not satisfy the version range ">=3\.174\.0"/);
            return true;
        });
    });

    it("stops a program that never finishes at its deadline, leaving no process behind", async () => {
        const started = Date.now();
        await assert.rejects(run({ "tiny:hang": "true" }, true, { timeoutMs: 4000 }), (e: Error) => {
            assert.ok(e instanceof EngineError);
            assert.strictEqual(e.message, "the Pulumi program runner did not finish within 4 s");
            return true;
        });
        assert.ok(Date.now() - started < 15_000);
        assert.deepStrictEqual(runnersLeft(), []);
    });
});

// github.com/blang/semver v4 range_test.go, TestParseRange and TestRangeFuncs: the syntax the CLI reads.
describe("CLI version ranges, as blang/semver reads them", () => {
    const cases: [string, string, boolean][] = [
        [">=3.174.0", "3.174.0", true],
        [">=3.174.0", "3.173.9", false],
        [">=3.174.0", "3.270.0", true],
        [">1.2.2 <1.2.4", "1.2.3", true],
        [">1.2.2 <1.2.4", "1.2.4", false],
        ["<1.2.2 || >1.2.4", "1.2.5", true],
        ["<1.2.2 || >1.2.4", "1.2.3", false],
        ["!1.2.3", "1.2.3", false],
        ["!=1.2.3", "1.2.4", true],
        ["1.2.3", "1.2.3", true],
        ["=1.2.3", "1.2.4", false],
        ["==1.2.3", "1.2.3", true],
        [">=1.0.0 !1.2.3 || >=3.0.0", "1.2.3", false],
    ];
    for (const [range, version, expected] of cases) {
        it(`${expected ? "accepts" : "refuses"} ${version} for "${range}"`, () => {
            assert.strictEqual(satisfiesRange(version, range), expected);
        });
    }

    it("refuses a range it can't parse, naming it", () => {
        assert.throws(() => satisfiesRange("3.0.0", ">=three"), {
            message: 'parsing CLI version range ">=three": >=three is not a comparator',
        });
    });
});
