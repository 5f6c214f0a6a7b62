import { type Command, runCommand } from "../../tools/cli";

/** What a command printed, and its exit code. */
export interface CommandResult {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

/** Runs a command in this process, as `npm run` would, capturing what it prints. */
export async function runIn(command: Command, argv: readonly string[], stdin = ""): Promise<CommandResult> {
    let out = "";
    let err = "";
    const code = await runCommand(command, argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), stdin: () => stdin });
    return { code, out, err };
}

/** What a command run as its own process printed, its exit code, and how long it took (ms). */
export interface ProcessResult extends CommandResult {
    readonly wallMs: number;
}

/**
 * Runs `npm run <script> -- <args>` as a user does, in its own process: the script's command line
 * from package.json (`node -r ./tools/register.js tools/verify.ts`), started without npm between so
 * a process that hangs can be killed, not orphaned. Its environment is this one's, the variables
 * `dropped` removed, with `env` added: what Node and the Azure SDK read once per process
 * (HTTPS_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS) is the process's own. A process still running after
 * `killAfterMs` is killed, and the result says so (code -1).
 */
export function runScript(
    script: string,
    args: readonly string[],
    options: { env: Record<string, string>; dropped?: RegExp; killAfterMs: number },
): Promise<ProcessResult> {
    const { execFile }: typeof import("node:child_process") = require("node:child_process");
    const path: typeof import("node:path") = require("node:path");
    const { PROJECT_DIR }: typeof import("../../tools/stackFiles") = require("../../tools/stackFiles");
    const scripts = (require(path.join(PROJECT_DIR, "package.json")) as { scripts: Record<string, string> }).scripts;
    const [program, ...scriptArgs] = scripts[script].split(" ");
    if (program !== "node") {
        throw new Error(`runScript runs node scripts; ${script} is ${JSON.stringify(scripts[script])}`);
    }
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !options.dropped?.test(name)));
    const started = Date.now();
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [...scriptArgs, ...args],
            { cwd: PROJECT_DIR, env: { ...inherited, ...options.env }, timeout: options.killAfterMs, killSignal: "SIGKILL" },
            (error, out, err) => {
                const killed = (error as { killed?: boolean } | null)?.killed === true;
                const code = error ? (killed ? -1 : ((error as { code?: number }).code ?? 1)) : 0;
                resolve({ code, out, err, wallMs: Date.now() - started });
            },
        );
    });
}
