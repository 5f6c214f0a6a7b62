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
