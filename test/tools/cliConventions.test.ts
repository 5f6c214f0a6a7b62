import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { closePolicyAnalyzers } from "../../tools/engine/policyAnalyzer";
import { checkKqlCommand } from "../../tools/checkKql";
import { checkPolicyCommand } from "../../tools/checkPolicy";
import type { Command } from "../../tools/cli";
import { discoverCommand } from "../../tools/discover";
import { planCommand } from "../../tools/plan";
import { refreshRegionsCommand } from "../../tools/refreshRegions";
import { settingsDocsCommand, settingsReference } from "../../tools/settingsDocs";
import { BOOTSTRAP_DIR, PROJECT_DIR, STACKS_DIR_VARIABLE } from "../../tools/stackFiles";
import { verifyCommand } from "../../tools/verify";
import { type CommandResult, runIn } from "../support/command";

/**
 * The conventions every command keeps (docs/commands.md, "Every command"), one row per command:
 * `--help`/`-h` and `--version` answer at once on standard output, run as npm runs the script; a
 * wrong argument, a file with a syntax error and a missing file or folder are each one line and exit 2.
 */

/** A stack file whose third line is not YAML. */
const BROKEN_YAML = "config:\n  entra-provisioning-logs:tenantId: [oops\n  entra-provisioning-logs:location: westeurope\n";

/** What js-yaml says of {@link BROKEN_YAML}, where both the engine's reader and the tools' say it. */
const YAML_PROBLEM = "3:3: invalid YAML: missed comma between flow collection entries";

/** The folder a test's files are in: `broken/Pulumi.broken.yaml` (with `stacks/` holding the same as the only stack), and `missing`, which is not there. */
interface Files {
    readonly dir: string;
    /** `<dir>/Pulumi.broken.yaml`, {@link BROKEN_YAML}. */
    readonly brokenStack: string;
    /** `<dir>/stacks`: a stacks folder whose one stack, `broken`, is {@link BROKEN_YAML}. */
    readonly brokenStacksDir: string;
    /** `<dir>/stack.yaml`: a valid stack file whose name gives no stack. */
    readonly unnamedStack: string;
    /** `<dir>/missing`: nothing. */
    readonly missing: string;
    /** `<dir>/Pulumi.missing.yaml`: nothing. */
    readonly missingStack: string;
}

interface Row {
    /** The npm script, as package.json names it. */
    readonly script: string;
    /** The package.json the script is in (the bootstrap's runs the top folder's plan). */
    readonly packageDir: string;
    /** The command run in this process, with the arguments the script adds. */
    readonly command: Command;
    readonly fixed?: readonly string[];
    /** Reads a file with a syntax error: the arguments, the stacks folder to read (the tests' otherwise), and the one line it prints. */
    readonly syntaxError: (f: Files) => { argv?: string[]; stacksDir?: string; run?: () => Promise<CommandResult>; err: string };
    /** Each file or folder flag given something missing, and the one line it prints; none for a command that reads no file it is given. */
    readonly missing: (f: Files) => Array<{ argv: string[]; err: string }>;
    /** Takes --config-file, which without --stack needs a file named Pulumi.<stack>.yaml. */
    readonly configFile?: boolean;
}

const ROWS: readonly Row[] = [
    {
        script: "plan",
        packageDir: PROJECT_DIR,
        command: planCommand,
        configFile: true,
        syntaxError: (f) => ({ argv: ["--config-file", f.brokenStack], err: `${f.brokenStack}:${YAML_PROBLEM}` }),
        missing: (f) => [
            { argv: ["--config-file", f.missingStack], err: `--config-file ${f.missingStack} does not exist` },
            { argv: ["--all", "--stacks-dir", f.missing], err: `--stacks-dir ${f.missing} does not exist` },
            { argv: ["--all", "--stacks-dir", f.unnamedStack], err: `--stacks-dir ${f.unnamedStack} is not a folder` },
            { argv: ["--against", f.missing], err: `--against ${f.missing} does not exist` },
            { argv: ["--environment-values", f.missing], err: `--environment-values ${f.missing} does not exist` },
        ],
    },
    {
        script: "plan",
        packageDir: BOOTSTRAP_DIR,
        command: planCommand,
        fixed: ["--project", "bootstrap"],
        configFile: true,
        syntaxError: (f) => ({ argv: ["--config-file", f.brokenStack], err: `${f.brokenStack}:${YAML_PROBLEM}` }),
        missing: (f) => [{ argv: ["--config-file", f.missingStack], err: `--config-file ${f.missingStack} does not exist` }],
    },
    {
        script: "check:kql",
        packageDir: PROJECT_DIR,
        command: checkKqlCommand,
        syntaxError: (f) => ({
            argv: [],
            stacksDir: f.brokenStacksDir,
            err: `${path.join(f.brokenStacksDir, "Pulumi.broken.yaml")}:${YAML_PROBLEM}`,
        }),
        missing: (f) => [{ argv: [`${f.missing}.kql`], err: `${f.missing}.kql: cannot be read (ENOENT)` }],
    },
    {
        script: "check:policy",
        packageDir: PROJECT_DIR,
        command: checkPolicyCommand,
        syntaxError: (f) => ({
            argv: ["--stack", "broken"],
            stacksDir: f.brokenStacksDir,
            err: `${path.join(f.brokenStacksDir, "Pulumi.broken.yaml")}:${YAML_PROBLEM}`,
        }),
        missing: (f) => [
            { argv: ["--plan", f.missing], err: `--plan ${f.missing} does not exist` },
            { argv: ["--stack", "dev", "--policy-pack-config", f.missing], err: `--policy-pack-config ${f.missing} does not exist` },
            { argv: ["--stack", "dev", "--policy-pack", f.missing], err: `--policy-pack ${f.missing} does not exist` },
        ],
    },
    {
        script: "verify",
        packageDir: PROJECT_DIR,
        command: verifyCommand(),
        configFile: true,
        syntaxError: (f) => ({ argv: ["--config-file", f.brokenStack], err: `${f.brokenStack}:${YAML_PROBLEM}` }),
        missing: (f) => [
            { argv: ["--config-file", f.missingStack], err: `--config-file ${f.missingStack} does not exist` },
            { argv: ["--stack", "dev", "--outputs", f.missing], err: `--outputs ${f.missing} does not exist` },
            { argv: ["--stack", "dev", "--state", f.missing], err: `--state ${f.missing} does not exist` },
            { argv: ["--all", "--stacks-dir", f.missing], err: `--stacks-dir ${f.missing} does not exist` },
        ],
    },
    {
        script: "discover",
        packageDir: PROJECT_DIR,
        command: discoverCommand(),
        configFile: true,
        syntaxError: (f) => ({ argv: ["--config-file", f.brokenStack], err: `${f.brokenStack}:${YAML_PROBLEM}` }),
        missing: (f) => [{ argv: ["--config-file", f.missingStack], err: `--config-file ${f.missingStack} does not exist` }],
    },
    {
        script: "refresh:regions",
        packageDir: PROJECT_DIR,
        command: refreshRegionsCommand,
        // Its one input is JSON; the file it would write is left alone.
        syntaxError: (f) => ({
            argv: ["--from", path.join(f.dir, "broken.json")],
            err: `${path.join(f.dir, "broken.json")} is not JSON: run \`az account list-locations -o json > ${path.join(f.dir, "broken.json")}\``,
        }),
        missing: (f) => [{ argv: ["--from", f.missing], err: `--from ${f.missing} does not exist` }],
    },
    {
        script: "docs:settings",
        packageDir: PROJECT_DIR,
        command: settingsDocsCommand,
        // Its one input is the project's Pulumi.yaml, read by the function the command calls.
        syntaxError: () => ({
            run: () =>
                runIn(async () => {
                    settingsReference(BROKEN_YAML);
                    return 0;
                }, []),
            err: `Pulumi.yaml:${YAML_PROBLEM}`,
        }),
        missing: () => [],
    },
];

/** The process running `script` as npm runs it (package.json's command line, in its folder), with `args` after it. */
function runScript(row: Row, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
    const pkg = JSON.parse(fs.readFileSync(path.join(row.packageDir, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const [node, ...scriptArgs] = pkg.scripts[row.script].split(" ");
    assert.strictEqual(node, "node", `${row.script} runs node`);
    return new Promise((resolve, reject) =>
        execFile(process.execPath, [...scriptArgs, ...args], { cwd: row.packageDir, env }, (error, out, err) => {
            const code = error ? (error as { code?: unknown }).code : 0;
            return typeof code === "number" ? resolve({ code, out, err }) : reject(error);
        }),
    );
}

/** The name a row's tests go by. */
const title = (row: Row) => (row.packageDir === BOOTSTRAP_DIR ? `${row.script} (in bootstrap/)` : row.script);

/** Packages whose loading is the work --help must not do: the SDKs, the engine's gRPC, Kusto.Language. */
const HEAVY = /node_modules\/(@pulumi|@azure|@grpc|@kusto|google-protobuf)\//;

describe("every command's conventions", function () {
    this.timeout(180_000);

    const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { version: string };
    let files: Files;
    let cleanUp: () => void;
    /** A preload that writes, as the process exits, the files it loaded to $LOADED_MODULES_FILE. */
    let probe: string;

    before(() => {
        const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "entra-provisioning-logs-cli-"));
        cleanUp = () => fs.rmSync(dir, { recursive: true, force: true });
        files = {
            dir,
            brokenStack: path.join(dir, "Pulumi.broken.yaml"),
            brokenStacksDir: path.join(dir, "stacks"),
            unnamedStack: path.join(dir, "stack.yaml"),
            missing: path.join(dir, "missing"),
            missingStack: path.join(dir, "Pulumi.missing.yaml"),
        };
        fs.writeFileSync(files.brokenStack, BROKEN_YAML);
        fs.mkdirSync(files.brokenStacksDir);
        fs.writeFileSync(path.join(files.brokenStacksDir, "Pulumi.broken.yaml"), BROKEN_YAML);
        fs.writeFileSync(files.unnamedStack, "config:\n  entra-provisioning-logs:location: westeurope\n");
        fs.writeFileSync(path.join(dir, "broken.json"), '[{"name": "westeurope",]');
        probe = path.join(dir, "probe.js");
        fs.writeFileSync(
            probe,
            'process.on("exit", () => require("node:fs").writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join("\\n")));\n',
        );
    });

    after(async () => {
        cleanUp();
        await closePolicyAnalyzers();
    });

    for (const row of ROWS) {
        describe(title(row), () => {
            it("answers --help and -h with its usage on standard output, exit 0, before loading any SDK", async () => {
                for (const flag of ["--help", "-h"]) {
                    const loaded = path.join(files.dir, `loaded-${row.script}-${flag}`);
                    const env = { ...process.env, NODE_OPTIONS: `--require ${probe}`, LOADED_MODULES_FILE: loaded };
                    const { code, out, err } = await runScript(row, [flag], env);
                    assert.deepStrictEqual({ code, err }, { code: 0, err: "" }, flag);
                    assert.match(out, new RegExp(`^Usage: npm run ${row.script.replace(":", "\\:")}( |$)`, "m"), flag);
                    assert.match(out, /\n {2}-h, --help +Print this help and exit\.\n/, flag);
                    assert.match(out, /\nExit codes: 0 done, 1 findings, 2 .*\n$/, flag);
                    const heavy = fs
                        .readFileSync(loaded, "utf8")
                        .split("\n")
                        .filter((f) => HEAVY.test(f));
                    assert.deepStrictEqual(heavy, [], `${flag} loads no SDK`);
                }
            });

            it("answers --version with package.json's version on standard output, exit 0", async () => {
                assert.deepStrictEqual(await runScript(row, ["--version"], process.env), { code: 0, out: `${version}\n`, err: "" });
            });

            it("refuses an unknown argument in one line with its usage, exit 2", async () => {
                const { code, out, err } = await runIn(row.command, [...(row.fixed ?? []), "--bogus"]);
                assert.deepStrictEqual({ code, out }, { code: 2, out: "" });
                assert.match(err, new RegExp(`^error: unknown argument --bogus; usage: npm run ${row.script.replace(":", "\\:")} .*\n$`));
            });

            it("names the file, line and column of a syntax error in what it reads, in one line, exit 2", async () => {
                const { argv = [], stacksDir, run, err } = row.syntaxError(files);
                const before = process.env[STACKS_DIR_VARIABLE];
                if (stacksDir) {
                    process.env[STACKS_DIR_VARIABLE] = stacksDir;
                }
                try {
                    const result = await (run ? run() : runIn(row.command, [...(row.fixed ?? []), ...argv]));
                    assert.deepStrictEqual(result, { code: 2, out: "", err: `error: ${err}\n` });
                } finally {
                    if (before === undefined) {
                        delete process.env[STACKS_DIR_VARIABLE];
                    } else {
                        process.env[STACKS_DIR_VARIABLE] = before;
                    }
                }
            });

            it("refuses a file or folder that is not there in one line, exit 2", async () => {
                for (const { argv, err } of row.missing(files)) {
                    assert.deepStrictEqual(
                        await runIn(row.command, [...(row.fixed ?? []), ...argv]),
                        { code: 2, out: "", err: `error: ${err}\n` },
                        argv.join(" "),
                    );
                }
            });

            if (row.configFile) {
                it("refuses a --config-file without --stack unless its name is Pulumi.<stack>.yaml", async () => {
                    const { code, out, err } = await runIn(row.command, [...(row.fixed ?? []), "--config-file", files.unnamedStack]);
                    assert.deepStrictEqual({ code, out }, { code: 2, out: "" });
                    assert.match(
                        err,
                        new RegExp(
                            `^error: --config-file ${files.unnamedStack} needs --stack <name>: its name is not Pulumi\\.<stack>\\.yaml; usage: .*\n$`,
                        ),
                    );
                });
            }
        });
    }
});
