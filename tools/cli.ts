/**
 * The one way every command (`plan`, `check:kql`, `check:policy`, `verify`, `discover`,
 * `refresh:regions`, `docs:settings`) reads its command line and runs: `--help`/`-h` and `--version`
 * answer before any work, a command returns its exit code, and any error becomes one line and the
 * code of its kind. The table is in docs/commands.md.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

/** `--config-file`, the same in every command that reads one stack: as `pulumi --config-file`. */
export const CONFIG_FILE_FLAG = {
    arg: "<file>",
    help: "Another stack file, as pulumi --config-file; without --stack, its name must be Pulumi.<stack>.yaml.",
} as const;

export const EXIT_CODES = {
    /** Done; nothing to report. */
    ok: 0,
    /** Done, with findings: a failed check, a mandatory policy violation, a KQL problem. */
    findings: 1,
    /** The command line or the stack's settings are wrong: nothing was done. */
    usage: 2,
    /** A bug or an unexpected failure: the message says what, the stack trace where. */
    internal: 70,
} as const;

/** A wrong command line: one line, exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Where a command writes, and what it reads from standard input. */
export interface CommandIo {
    out(text: string): void;
    err(text: string): void;
    stdin(): string;
}

/** A command: parses its arguments, does its work, returns an exit code or throws. */
export type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

/** Errors that mean the user's input is wrong, as opposed to a bug. */
export function isUserError(e: unknown): e is Error {
    if (e instanceof UsageError) {
        return true;
    }
    // The program refused the stack's settings and Pulumi's runner printed that one line (tools/engine/loopbackEngine.ts).
    if (e instanceof Error && e.name === "ProgramError" && (e as { userActionable?: boolean }).userActionable === true) {
        return true;
    }
    // Loaded only when needed, not with this module: `check:kql` starts Kusto.Language's thread
    // before the Pulumi SDK loads.
    const { ConfigError } = require("../program/settingsValidation") as typeof import("../program/settingsValidation");
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    return e instanceof ConfigError || pulumi.RunError.isInstance(e);
}

/** A stack trace with its positions in the TypeScript, however the files were loaded (see tools/register.js). */
function typeScriptStack(stack: string): string {
    const map = (globalThis as { [key: symbol]: ((stack: string) => string) | undefined })[
        Symbol.for("entra-provisioning-logs.mapStackTrace")
    ];
    return map ? map(stack) : stack;
}

/** Runs a command and turns what it throws into one line and an exit code. */
export async function runCommand(command: Command, argv: readonly string[], io: CommandIo): Promise<number> {
    try {
        return await command(argv, io);
    } catch (e) {
        if (e instanceof EarlyAnswer) {
            io.out(e.text);
            return EXIT_CODES.ok;
        }
        if (isUserError(e)) {
            io.err(`error: ${e.message}`);
            return EXIT_CODES.usage;
        }
        // The offline engine's own failure (a runner that hangs or dies) is one line: its stack says nothing more.
        const oneLine = e instanceof Error && e.name === "EngineError";
        io.err(`internal error: ${e instanceof Error ? (e.stack && !oneLine ? typeScriptStack(e.stack) : e.message) : String(e)}`);
        return EXIT_CODES.internal;
    }
}

/** The process's own streams. */
const processIo: CommandIo = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    stdin: () => fs.readFileSync(0, "utf8"),
};

/** Runs `command` as this process's main module. Sets exitCode, never exit(): a piped stdout must drain first. */
export function runAsMain(command: Command): void {
    void runCommand(command, process.argv.slice(2), processIo).then((code) => (process.exitCode = code));
}

/** How `parseFlags` hands the options to `util.parseArgs`. */
type OptionsConfig = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * What a command takes and says about itself: the parser's options and the text of `--help`. Every
 * command also takes `--help`/`-h` and `--version`, and `-s` for its `--stack`.
 */
export interface CommandSpec<V extends string, S extends string> {
    /** Required. The command line as a user types it: `npm run plan -- [--stack <name>] …`. */
    readonly usage: string;
    /** Required. What the command does, and what makes it exit 1: a few lines for `--help`. */
    readonly about: string;
    /** Required. The flags that take a value (`--stack <name>`), each with its placeholder and what it does. */
    readonly values: { readonly [K in V]: { readonly arg: string; readonly help: string } };
    /** Required. The flags that take none (`--json`), each with what it does. */
    readonly switches: { readonly [K in S]: string };
    /** Optional. What the positional arguments are, for a command that takes them; without it, none are taken. */
    readonly positionals?: { readonly arg: string; readonly help: string };
}

/**
 * Not a failure: `--help` or `--version` asked for text, which {@link runCommand} prints on
 * standard output, exiting 0. {@link parseFlags} throws it, so a command stops before any work.
 */
export class EarlyAnswer extends Error {
    constructor(readonly text: string) {
        super(text);
        this.name = "EarlyAnswer";
    }
}

/** The tools' version: package.json's. */
export function toolsVersion(): string {
    return (require("../package.json") as { version: string }).version;
}

/**
 * The command line, read by Node's `util.parseArgs` in strict mode: `--flag value`, `--flag=value`,
 * `-s value` for `--stack`, bare `--switch`, and positional arguments only where a command takes them
 * (`positionals`; after `--` an argument starting with `-` is one too). `--help`/`-h` or `--version`
 * anywhere before `--` throws {@link EarlyAnswer}, whatever else is there. Anything else wrong is a
 * {@link UsageError}, one line with the usage: an unknown argument, a switch given a value, a
 * positional argument where none is taken, or a flag without its value (`--stack` last, `--stack=`,
 * or `--stack --json`).
 */
export function parseFlags<V extends string, S extends string>(
    argv: readonly string[],
    spec: CommandSpec<V, S>,
): { values: Partial<Record<V, string>>; switches: Record<S, boolean>; positionals: string[] } {
    const beforeTerminator = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
    if (beforeTerminator.some((a) => a === "--help" || a === "-h")) {
        throw new EarlyAnswer(helpText(spec));
    }
    if (beforeTerminator.includes("--version")) {
        throw new EarlyAnswer(toolsVersion());
    }
    const valueNames = Object.keys(spec.values) as V[];
    const switchNames = Object.keys(spec.switches) as S[];
    const options: OptionsConfig = Object.fromEntries([
        ...valueNames.map((name) => [name, { type: "string", ...(name === "stack" ? { short: "s" } : {}) }]),
        ...switchNames.map((name) => [name, { type: "boolean" }]),
    ]);
    const allowPositionals = spec.positionals !== undefined;
    let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
    try {
        parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) {
            throw e;
        }
        throw new UsageError(`${wrongArgument(argv, options, allowPositionals) ?? (e as Error).message}; usage: ${spec.usage}`);
    }
    const values: Partial<Record<V, string>> = {};
    for (const name of valueNames) {
        const value = parsed.values[name];
        if (value === "") {
            throw new UsageError(`--${name} needs a value; usage: ${spec.usage}`);
        }
        if (typeof value === "string") {
            values[name] = value;
        }
    }
    const switches = Object.fromEntries(switchNames.map((name) => [name, parsed.values[name] === true])) as Record<S, boolean>;
    return { values, switches, positionals: parsed.positionals };
}

/** What each exit code means, as `--help` ends. */
const EXIT_CODE_HELP = `Exit codes: ${EXIT_CODES.ok} done, ${EXIT_CODES.findings} findings, ${EXIT_CODES.usage} a wrong command line or settings (nothing done), ${EXIT_CODES.internal} an internal error (docs/commands.md).`;

/** `--help`: the usage, what the command does, one line per flag, and the exit codes. */
export function helpText(spec: CommandSpec<string, string>): string {
    const rows: Array<[string, string]> = [
        ...(spec.positionals ? [[spec.positionals.arg, spec.positionals.help] as [string, string]] : []),
        ...Object.entries(spec.values).map(([name, { arg, help }]): [string, string] => [
            `${name === "stack" ? "-s, " : "    "}--${name} ${arg}`,
            help,
        ]),
        ...Object.entries(spec.switches).map(([name, help]): [string, string] => [`    --${name}`, help]),
        ["-h, --help", "Print this help and exit."],
        ["    --version", "Print the version of these tools and exit."],
    ];
    const width = Math.max(...rows.map(([flag]) => flag.length));
    return [
        `Usage: ${spec.usage}`,
        "",
        spec.about,
        "",
        "Arguments:",
        ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
        "",
        EXIT_CODE_HELP,
    ].join("\n");
}

/**
 * What `parseArgs` refused, said as the argument the user typed: the first token its strict mode
 * rejects (an unknown flag, a switch with a value, a flag without its value, an unwanted positional).
 */
function wrongArgument(argv: readonly string[], options: OptionsConfig, allowPositionals: boolean): string | undefined {
    const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
    for (const token of tokens) {
        if (token.kind === "option") {
            const type = Object.hasOwn(options, token.name) ? options[token.name].type : undefined;
            // Strict mode takes no value starting with `-` unless it is inline (`--stack=-x`).
            if (type === "string" && (token.value === undefined || (!token.inlineValue && /^-./.test(token.value)))) {
                return `--${token.name} needs a value`;
            }
            if (type === undefined || (type === "boolean" && token.inlineValue)) {
                return `unknown argument ${argv[token.index]}`;
            }
        } else if (token.kind === "positional" && !allowPositionals) {
            return `unknown argument ${argv[token.index]}`;
        }
    }
    return undefined;
}

/**
 * The stack a command runs for: `--stack`, else the one `--config-file`'s name gives
 * (`Pulumi.<stack>.yaml`), else undefined. A stack file whose stack can't be told is refused: the
 * stack name picks the policy config and the names derived from it, so it is never guessed.
 */
export function stackOf(values: { readonly stack?: string; readonly "config-file"?: string }, usage: string): string | undefined {
    const file = values["config-file"];
    if (values.stack !== undefined || file === undefined) {
        return values.stack;
    }
    const derived = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1];
    if (derived === undefined) {
        throw new UsageError(`--config-file ${file} needs --stack <name>: its name is not Pulumi.<stack>.yaml; usage: ${usage}`);
    }
    return derived;
}

/** A file the user named on the command line must exist: a missing one is a usage error, not a crash. */
export function requireFile(file: string, flag: string): void {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) {
        throw new UsageError(`${flag} ${file} does not exist`);
    }
    if (!stat.isFile()) {
        throw new UsageError(`${flag} ${file} is not a file`);
    }
}

/** A folder the user named on the command line must exist: a missing one is a usage error, not a crash. */
export function requireFolder(dir: string, flag: string): void {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat) {
        throw new UsageError(`${flag} ${dir} does not exist`);
    }
    if (!stat.isDirectory()) {
        throw new UsageError(`${flag} ${dir} is not a folder`);
    }
}

/** The text of a file the user named on the command line; a missing one is a usage error, not a crash. */
export function readUserFile(file: string, flag: string): string {
    requireFile(file, flag);
    return fs.readFileSync(file, "utf8");
}

/**
 * JSON the user gave (`shown` names where it came from); a syntax error is a usage error naming
 * it, with the line and column where V8 says (it gives none for an unexpected token), as the YAML
 * readers do: `out.json:3:5: invalid JSON: Expected ',' or '}' after property value`. `hint`, when
 * given, says what the file should be.
 */
export function parseUserJson(text: string, shown: string, hint?: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        const message = (e as Error).message;
        const at = /at position (\d+)/.exec(message);
        const offset = at ? Number(at[1]) : message.startsWith("Unexpected end of JSON input") ? text.length : undefined;
        // The reason alone: V8 adds the position, and for some errors the text, which may span lines.
        const reason = message
            .replace(/ in JSON at position \d+.*$/s, "")
            .replace(/, (\.\.\.)?".*$/s, "")
            .replace(/ of JSON input$/, "");
        const where = offset === undefined ? "" : `:${lineAndColumn(text, offset)}`;
        throw new UsageError(`${shown}${where}: invalid JSON: ${reason}${hint ? ` (${hint})` : ""}`);
    }
}

/** `line:column` of an offset in a text, both from 1, as an editor counts them. */
function lineAndColumn(text: string, offset: number): string {
    const before = text.slice(0, offset);
    return `${before.split("\n").length}:${offset - before.lastIndexOf("\n")}`;
}
