import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../program/settingsValidation";
import { checkKqlCommand } from "../../tools/checkKql";
import { checkPolicyCommand } from "../../tools/checkPolicy";
import { type Command, EXIT_CODES, parseFlags, UsageError } from "../../tools/cli";
import { discoverCommand } from "../../tools/discover";
import { planCommand } from "../../tools/plan";
import { PROJECT_DIR } from "../../tools/stackFiles";
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";

/** The exit status of `command args` run in the project directory. */
function exitStatus(command: string, args: readonly string[]): Promise<number> {
    return new Promise((resolve, reject) =>
        execFile(command, args, { cwd: PROJECT_DIR }, (error) => {
            const status = error ? (error as { code?: unknown }).code : 0;
            return typeof status === "number" ? resolve(status) : reject(error);
        }),
    );
}

const failingWith =
    (error: unknown): Command =>
    async () => {
        throw error;
    };

describe("the command runner every command shares", () => {
    it("exits, as a process, with the code the table in docs/commands.md gives each outcome", async function () {
        this.timeout(120_000);
        // The table under "Every command exits the same way" in docs/commands.md, code → meaning.
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "commands.md"), "utf8");
        const table = doc.slice(doc.indexOf("| Exit code | Meaning |")).split("\n\n")[0];
        const documented = [...table.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map(([, code, meaning]) => ({ code: Number(code), meaning }));
        const documentedCode = (meaning: RegExp) => {
            const rows = documented.filter((row) => meaning.test(row.meaning));
            assert.strictEqual(rows.length, 1, `one row of the exit-code table in docs/commands.md means ${meaning}`);
            return rows[0].code;
        };
        // Each outcome, reached as a user reaches it, from a fresh process: its exit status is what counts.
        const npmRun = (...args: string[]) => ["npm", "run", "--silent", ...args];
        const bug = `require("./tools/cli").runAsMain(async () => { throw new TypeError("x is undefined"); });`;
        const outcomes: Array<{ name: keyof typeof EXIT_CODES; meaning: RegExp; run: string[] }> = [
            { name: "ok", meaning: /^done, nothing to report/, run: npmRun("check:kql", "--", "queries/failure-spike.kql") },
            {
                name: "findings",
                meaning: /^findings: .*a KQL problem/,
                run: npmRun("check:kql", "--", "test/fixtures/kql-files/broken.kql"),
            },
            { name: "usage", meaning: /^the command line .* are wrong/, run: npmRun("check:kql", "--", "--bogus") },
            {
                name: "internal",
                meaning: /^internal error: a bug/,
                run: [process.execPath, "-r", "ts-node/register/transpile-only", "-e", bug],
            },
        ];
        const statuses = await Promise.all(outcomes.map(({ run: [command, ...args] }) => exitStatus(command, args)));
        assert.deepStrictEqual(
            outcomes.map(({ name }, i) => ({ name, status: statuses[i] })),
            outcomes.map(({ name, meaning }) => ({ name, status: documentedCode(meaning) })),
        );
        // The code's table is the documented one, row for row.
        assert.deepStrictEqual(EXIT_CODES, Object.fromEntries(outcomes.map(({ name, meaning }) => [name, documentedCode(meaning)])));
        assert.strictEqual(documented.length, outcomes.length, "each row of the table in docs/commands.md is an outcome here");
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
        const wrong = (argument: string) => ({ message: `${argument}; usage: npm run x -- --stack <name> [--json]` });
        assert.deepStrictEqual(parseFlags(["--stack", "dev", "--json"], spec), {
            values: { stack: "dev" },
            switches: { json: true },
            positionals: [],
        });
        assert.deepStrictEqual(parseFlags(["--stack=prod"], spec), {
            values: { stack: "prod" },
            switches: { json: false },
            positionals: [],
        });
        assert.deepStrictEqual(parseFlags(["--stack=-x", "--json"], spec).values, { stack: "-x" });
        assert.throws(() => parseFlags(["--json=yes"], spec), wrong("unknown argument --json=yes"));
        assert.throws(() => parseFlags(["stack"], spec), wrong("unknown argument stack"));
        assert.throws(() => parseFlags(["--bogus=1", "--stack", "dev"], spec), wrong("unknown argument --bogus=1"));
        assert.throws(() => parseFlags(["-sj"], spec), wrong("unknown argument -sj"));
        assert.throws(() => parseFlags(["--json", "--", "x"], spec), wrong("unknown argument x"));
        for (const argv of [["--stack"], ["--stack="], ["--stack", ""], ["--stack", "--json"]]) {
            assert.throws(() => parseFlags(argv, spec), wrong("--stack needs a value"), argv.join(" "));
        }
    });

    it("takes positional arguments only from a command that asks for them, and after -- even one starting with -", () => {
        const spec = { values: [] as const, switches: [] as const, positionals: true, usage: "npm run x [-- <file> …]" };
        assert.deepStrictEqual(parseFlags(["a.kql", "--", "-b.kql"], spec), { values: {}, switches: {}, positionals: ["a.kql", "-b.kql"] });
        assert.throws(() => parseFlags(["a.kql", "--json"], spec), { message: "unknown argument --json; usage: npm run x [-- <file> …]" });
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
