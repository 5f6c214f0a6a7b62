/**
 * The one way every command (`plan`, `check:kql`, `check:policy`, `verify`) runs: a command returns
 * its exit code, and any error becomes one line and the code of its kind. The table is in docs/commands.md.
 */
import { parseArgs } from "node:util";

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
function isUserError(e: unknown): e is Error {
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
    stdin: () => require("node:fs").readFileSync(0, "utf8"),
};

/** Runs `command` as this process's main module. Sets exitCode, never exit(): a piped stdout must drain first. */
export function runAsMain(command: Command): void {
    void runCommand(command, process.argv.slice(2), processIo).then((code) => (process.exitCode = code));
}

/** How `parseFlags` hands the options to `util.parseArgs`. */
type OptionsConfig = Record<string, { type: "string" | "boolean" }>;

/**
 * The command line, read by Node's `util.parseArgs` in strict mode: `--flag value`, `--flag=value`,
 * bare `--switch`, and positional arguments only where a command takes them (`positionals`; after
 * `--` an argument starting with `-` is one too). Anything else is a {@link UsageError}, one line
 * with the usage: an unknown argument, a switch given a value, a positional argument where none is
 * taken, or a flag without its value (`--stack` last, `--stack=`, or `--stack --json`).
 */
export function parseFlags<V extends string, S extends string>(
    argv: readonly string[],
    spec: { readonly values: readonly V[]; readonly switches: readonly S[]; readonly positionals?: boolean; readonly usage: string },
): { values: Partial<Record<V, string>>; switches: Record<S, boolean>; positionals: string[] } {
    const options: OptionsConfig = Object.fromEntries([
        ...spec.values.map((name) => [name, { type: "string" }]),
        ...spec.switches.map((name) => [name, { type: "boolean" }]),
    ]);
    const allowPositionals = spec.positionals ?? false;
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
    for (const name of spec.values) {
        const value = parsed.values[name];
        if (value === "") {
            throw new UsageError(`--${name} needs a value; usage: ${spec.usage}`);
        }
        if (typeof value === "string") {
            values[name] = value;
        }
    }
    const switches = Object.fromEntries(spec.switches.map((name) => [name, parsed.values[name] === true])) as Record<S, boolean>;
    return { values, switches, positionals: parsed.positionals };
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

/** A file the user named on the command line; a missing one is a usage error, not a crash. */
export function readUserFile(file: string, flag: string): string {
    const fs: typeof import("fs") = require("node:fs");
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        throw new UsageError(`${flag} ${file} does not exist`);
    }
    return fs.readFileSync(file, "utf8");
}
