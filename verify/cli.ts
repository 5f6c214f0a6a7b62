/**
 * `npm run verify -- --stack <name> [--outputs <file>|-] [--state <file>] [--json]`: after
 * `pulumi up`, checks the live tenant end to end and prints a checklist (✓ ok, ✗ fix needed, !
 * worth a look). Reads the stack's config file and, when given, its outputs: `pulumi stack output
 * --json` (a file, or - for standard input) or the stack's state file from a local backend
 * (~/.pulumi/stacks/<project>/<stack>.json). Needs no Pulumi CLI. Exits 0 only when nothing is ✗.
 */
import * as fs from "fs";
import { parseSettings } from "../config";
import { ConfigError } from "../settingsValidation";
import { projectName, readStackConfig, UnknownStackError } from "../tools/recorder";
import { AzureReader, VerifyEndpoints } from "./azure";
import { renderChecklist, runChecks, StackOutputs } from "./checks";

export interface VerifyArgs {
    readonly stack: string;
    readonly outputs?: string;
    readonly state?: string;
    readonly json: boolean;
}

export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
    let stack: string | undefined;
    let outputs: string | undefined;
    let state: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") {
            stack = argv[++i];
        } else if (argv[i] === "--outputs") {
            outputs = argv[++i];
        } else if (argv[i] === "--state") {
            state = argv[++i];
        } else if (argv[i] === "--json") {
            json = true;
        } else {
            throw new ConfigError(`unknown argument ${argv[i]}; usage: npm run verify -- --stack <name> [--outputs <file>|-] [--state <file>] [--json]`);
        }
    }
    if (!stack) {
        throw new ConfigError("--stack is required: npm run verify -- --stack <name>");
    }
    return { stack, outputs, state, json };
}

/** The stack's outputs in a local backend's state file: the root `pulumi:pulumi:Stack` resource's outputs. */
export function outputsFromState(text: string, file: string): StackOutputs {
    let doc: { checkpoint?: { latest?: { resources?: Array<{ type: string; outputs?: StackOutputs }> } } };
    try {
        doc = JSON.parse(text);
    } catch {
        throw new ConfigError(`--state must be a Pulumi state file (could not parse ${file})`);
    }
    const stack = doc.checkpoint?.latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
    if (!stack) {
        throw new ConfigError(`--state ${file} has no stack resource: has pulumi up run for this stack?`);
    }
    return stack.outputs ?? {};
}

function readOutputs(source: string | undefined, stdin: () => string): StackOutputs {
    if (source === undefined) {
        return {};
    }
    const text = source === "-" ? stdin() : fs.readFileSync(source, "utf8");
    try {
        return JSON.parse(text) as StackOutputs;
    } catch {
        throw new ConfigError(`--outputs must be the JSON of pulumi stack output --json (could not parse ${source === "-" ? "standard input" : source})`);
    }
}

/** Runs verify; returns the exit code. */
export async function main(
    argv: readonly string[],
    out: (s: string) => void,
    err: (s: string) => void,
    endpoints: VerifyEndpoints = {},
    stdin: () => string = () => fs.readFileSync(0, "utf8"),
): Promise<number> {
    try {
        const args = parseVerifyArgs(argv);
        const { config } = readStackConfig(args.stack);
        const prefix = `${projectName()}:`;
        const raw = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
        const settings = parseSettings(raw, args.stack);
        const outputs = args.state ? outputsFromState(fs.readFileSync(args.state, "utf8"), args.state) : readOutputs(args.outputs, stdin);
        const lines = await runChecks(new AzureReader(endpoints), settings, outputs);
        out(args.json ? JSON.stringify({ stack: args.stack, checks: lines }, null, 2) : renderChecklist(lines));
        return lines.some((l) => l.status === "fail") ? 1 : 0;
    } catch (e) {
        if (e instanceof ConfigError || e instanceof UnknownStackError) {
            err(`error: ${e.message}`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2), (s) => process.stdout.write(s + "\n"), (s) => process.stderr.write(s + "\n")).then(
        (code) => (process.exitCode = code),
        (e) => {
            process.stderr.write(`error: ${(e as Error).message}\n`);
            process.exitCode = 1;
        },
    );
}
