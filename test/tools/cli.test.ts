import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../program/settingsValidation";
import { checkKqlCommand } from "../../tools/checkKql";
import { checkPolicyCommand } from "../../tools/checkPolicy";
import {
    type Command,
    type CommandSpec,
    EarlyAnswer,
    EXIT_CODES,
    helpText,
    parseFlags,
    parseUserJson,
    stackOf,
    UsageError,
} from "../../tools/cli";
import { PROJECT_DIR } from "../../tools/stackFiles";
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

    /** A command's spec as parseFlags takes it, for the parser's own tests. */
    const spec: CommandSpec<"stack", "json"> = {
        usage: "npm run x -- --stack <name> [--json]",
        about: "Does x.",
        values: { stack: { arg: "<name>", help: "The stack." } },
        switches: { json: "Print JSON." },
    };

    it("reads --flag value, --flag=value, -s for --stack and switches, and names an unknown argument with the usage", () => {
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
        assert.deepStrictEqual(parseFlags(["-s", "prod"], spec).values, { stack: "prod" });
        assert.deepStrictEqual(parseFlags(["-sprod"], spec).values, { stack: "prod" });
        assert.deepStrictEqual(parseFlags(["--stack=-x", "--json"], spec).values, { stack: "-x" });
        assert.throws(() => parseFlags(["--json=yes"], spec), wrong("unknown argument --json=yes"));
        assert.throws(() => parseFlags(["stack"], spec), wrong("unknown argument stack"));
        assert.throws(() => parseFlags(["--bogus=1", "--stack", "dev"], spec), wrong("unknown argument --bogus=1"));
        assert.throws(() => parseFlags(["-x"], spec), wrong("unknown argument -x"));
        assert.throws(() => parseFlags(["--json", "--", "x"], spec), wrong("unknown argument x"));
        for (const argv of [["--stack"], ["--stack="], ["--stack", ""], ["--stack", "--json"], ["-s"]]) {
            assert.throws(() => parseFlags(argv, spec), wrong("--stack needs a value"), argv.join(" "));
        }
    });

    it("takes positional arguments only from a command that asks for them, and after -- even one starting with -", () => {
        const files: CommandSpec<never, never> = {
            usage: "npm run x [-- <file> …]",
            about: "Checks files.",
            values: {},
            switches: {},
            positionals: { arg: "<file> …", help: "The files." },
        };
        assert.deepStrictEqual(parseFlags(["a.kql", "--", "-b.kql"], files), {
            values: {},
            switches: {},
            positionals: ["a.kql", "-b.kql"],
        });
        assert.deepStrictEqual(parseFlags(["--", "-h", "--version"], files).positionals, ["-h", "--version"]);
        assert.throws(() => parseFlags(["a.kql", "--json"], files), { message: "unknown argument --json; usage: npm run x [-- <file> …]" });
    });

    it("answers --help or -h with the usage, what the command does and each flag, whatever else is on the line", () => {
        const help = [
            "Usage: npm run x -- --stack <name> [--json]",
            "",
            "Does x.",
            "",
            "Arguments:",
            "  -s, --stack <name>  The stack.",
            "      --json          Print JSON.",
            "  -h, --help          Print this help and exit.",
            "      --version       Print the version of these tools and exit.",
            "",
            "Exit codes: 0 done, 1 findings, 2 a wrong command line or settings (nothing done), 70 an internal error (docs/commands.md).",
        ].join("\n");
        for (const argv of [
            ["--help"],
            ["-h"],
            ["--stack", "dev", "-h"],
            ["--bogus", "--help"],
            ["--stack", "--help"],
            ["--version", "--help"],
        ]) {
            assert.throws(
                () => parseFlags(argv, spec),
                (e: unknown) => e instanceof EarlyAnswer && e.text === help,
                argv.join(" "),
            );
        }
    });

    it("answers --version with package.json's version", () => {
        const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { version: string };
        assert.throws(
            () => parseFlags(["--stack", "dev", "--version"], spec),
            (e: unknown) => e instanceof EarlyAnswer && e.text === version,
        );
    });

    it("prints what --help or --version answered on standard output and exits 0", async () => {
        const answered = await runIn(
            async (argv) => {
                parseFlags(argv, spec);
                throw new Error("the command went on after --help");
            },
            ["--help"],
        );
        assert.deepStrictEqual(answered, { code: 0, out: `${helpText(spec)}\n`, err: "" });
    });

    it("takes the stack from --stack, else from a --config-file named Pulumi.<stack>.yaml, and refuses any other file alone", () => {
        assert.strictEqual(stackOf({ stack: "dev", "config-file": "x.yaml" }, "u"), "dev");
        assert.strictEqual(stackOf({ "config-file": "stacks/Pulumi.contoso-prod.yaml" }, "u"), "contoso-prod");
        assert.strictEqual(stackOf({}, "u"), undefined);
        assert.throws(() => stackOf({ "config-file": "stacks/prod.yaml" }, "u"), {
            name: "UsageError",
            message: "--config-file stacks/prod.yaml needs --stack <name>: its name is not Pulumi.<stack>.yaml; usage: u",
        });
    });

    it("names the file, line and column of a JSON syntax error, in one line", () => {
        const cases: Array<[string, string]> = [
            ['{\n  "a": 1,\n}', "out.json:3:1: invalid JSON: Expected double-quoted property name"],
            ['{"a": 1', "out.json:1:8: invalid JSON: Expected ',' or '}' after property value"],
            ["", "out.json:1:1: invalid JSON: Unexpected end"],
            // V8 gives no position for an unexpected token, nor should its copy of the text reach the message.
            ['{\n"a": tru}', "out.json: invalid JSON: Unexpected token '}'"],
        ];
        for (const [text, message] of cases) {
            assert.throws(() => parseUserJson(text, "out.json"), { name: "UsageError", message }, JSON.stringify(text));
        }
        assert.throws(() => parseUserJson("[", "out.json", "what it should be"), {
            message: "out.json:1:2: invalid JSON: Unexpected end (what it should be)",
        });
        assert.deepStrictEqual(parseUserJson('{"a": [1]}', "out.json"), { a: [1] });
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
