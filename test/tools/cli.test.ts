import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../program/settingsValidation";
import { checkKqlCommand } from "../../tools/checkKql";
import { checkPolicyCommand } from "../../tools/checkPolicy";
import { type Command, EXIT_CODES, parseFlags, UsageError } from "../../tools/cli";
import { discoverCommand } from "../../tools/discover";
import { planCommand } from "../../tools/plan";
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";

const failingWith =
    (error: unknown): Command =>
    async () => {
        throw error;
    };

describe("the command runner every command shares", () => {
    it("documents one exit-code table: 0 ok, 1 findings, 2 usage or settings, 70 internal", () => {
        assert.deepStrictEqual(EXIT_CODES, { ok: 0, findings: 1, usage: 2, internal: 70 });
    });

    it("prints a wrong command line, a wrong setting or a program's RunError as one line and exits 2", async () => {
        for (const error of [
            new UsageError("--stack needs a value"),
            new ConfigError("`retentionInDays` must be between 30 and 730 (got 7)"),
            new pulumi.RunError("`tenantId` is required"),
        ]) {
            const result = await runIn(failingWith(error), []);
            assert.deepStrictEqual(result, { code: 2, out: "", err: `error: ${error.message}\n` });
        }
    });

    it("reports anything else as an internal error with where it happened, and exits 70", async () => {
        const result = await runIn(failingWith(new TypeError("x is undefined")), []);
        assert.strictEqual(result.code, 70);
        assert.match(result.err, /^internal error: TypeError: x is undefined\n {4}at /);
    });

    it("passes a command's own exit code through", async () => {
        assert.strictEqual((await runIn(async () => EXIT_CODES.findings, [])).code, 1);
    });

    it("reads --flag value, --flag=value and switches, and names an unknown argument with the usage", () => {
        const spec = { values: ["stack"] as const, switches: ["json"] as const, usage: "npm run x -- --stack <name> [--json]" };
        assert.deepStrictEqual(parseFlags(["--stack", "dev", "--json"], spec), { values: { stack: "dev" }, switches: { json: true } });
        assert.deepStrictEqual(parseFlags(["--stack=prod"], spec), { values: { stack: "prod" }, switches: { json: false } });
        assert.throws(() => parseFlags(["--json=yes"], spec), {
            message: "unknown argument --json=yes; usage: npm run x -- --stack <name> [--json]",
        });
        assert.throws(() => parseFlags(["stack"], spec), {
            message: "unknown argument stack; usage: npm run x -- --stack <name> [--json]",
        });
    });

    it("gives every command the same answer to a wrong command line: one line, exit 2", async () => {
        const commands: Array<[string, Command]> = [
            ["plan", planCommand],
            ["check:kql", checkKqlCommand],
            ["check:policy", checkPolicyCommand],
            ["verify", verifyCommand()],
            ["discover", discoverCommand()],
        ];
        for (const [name, command] of commands) {
            const { code, out, err } = await runIn(command, ["--bogus"]);
            assert.strictEqual(code, 2, name);
            assert.strictEqual(out, "", name);
            assert.match(err, /^error: unknown argument --bogus; usage: npm run \S+/, name);
            assert.strictEqual(err.split("\n").length, 2, `${name}: one line`);
        }
    });

    it("checks the .kql and workbook files it is given, and exits 1 on a problem", async () => {
        const ok = await runIn(checkKqlCommand, ["queries/failure-spike.kql", "test/fixtures/kql-files/gallery.workbook"]);
        assert.deepStrictEqual(ok, { code: 0, out: "KQL check: 2 files checked: no problems.\n", err: "" });
        const broken = await runIn(checkKqlCommand, ["test/fixtures/kql-files/broken.kql"]);
        assert.deepStrictEqual(broken, {
            code: 1,
            out: "test/fixtures/kql-files/broken.kql:3:9: KS142 The name 'ResultTyp' does not refer to any known column, table, variable or function.\nKQL check: 1 file checked: 1 problem.\n",
            err: "",
        });
        assert.deepStrictEqual(await runIn(checkKqlCommand, ["/nonexistent.kql"]), {
            code: 2,
            out: "",
            err: "error: /nonexistent.kql: cannot be read (ENOENT)\n",
        });
    });

    it("treats a missing input file as a usage error, not a crash", async () => {
        assert.deepStrictEqual(await runIn(checkPolicyCommand, ["--plan", "/nonexistent/plan.json"]), {
            code: 2,
            out: "",
            err: "error: --plan /nonexistent/plan.json does not exist\n",
        });
        assert.deepStrictEqual(await runIn(checkPolicyCommand, []), {
            code: 2,
            out: "",
            err: "error: --stack or --plan is required; usage: npm run check:policy -- (--stack <stack> | --plan <plan.json from npm run plan -- --json>) [--policy-pack <dir>] [--policy-pack-config <file>]\n",
        });
    });
});
