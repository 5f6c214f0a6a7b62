/**
 * The one way every command (`plan`, `check:kql`, `check:policy`, `verify`) runs: a command returns
 * its exit code, and any error becomes one line and the code of its kind. The table is in the README.
 */
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

/** A small argument reader: `--flag value`, `--flag=value` and bare `--switch`. */
export function parseFlags<V extends string, S extends string>(
    argv: readonly string[],
    spec: { readonly values: readonly V[]; readonly switches: readonly S[]; readonly usage: string },
): { values: Partial<Record<V, string>>; switches: Record<S, boolean> } {
    const values: Partial<Record<V, string>> = {};
    const switches = Object.fromEntries(spec.switches.map((s) => [s, false])) as Record<S, boolean>;
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] =
            argv[i].startsWith("--") && argv[i].includes("=")
                ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
                : [argv[i], undefined];
        const name = flag.replace(/^--/, "");
        if ((spec.switches as readonly string[]).includes(name) && flag.startsWith("--") && inline === undefined) {
            switches[name as S] = true;
        } else if ((spec.values as readonly string[]).includes(name) && flag.startsWith("--")) {
            const value = inline ?? argv[++i];
            if (value === undefined || value === "") {
                throw new UsageError(`--${name} needs a value; usage: ${spec.usage}`);
            }
            values[name as V] = value;
        } else {
            throw new UsageError(`unknown argument ${argv[i]}; usage: ${spec.usage}`);
        }
    }
    return { values, switches };
}

/** A file the user named on the command line; a missing one is a usage error, not a crash. */
export function readUserFile(file: string, flag: string): string {
    const fs: typeof import("fs") = require("node:fs");
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        throw new UsageError(`${flag} ${file} does not exist`);
    }
    return fs.readFileSync(file, "utf8");
}
