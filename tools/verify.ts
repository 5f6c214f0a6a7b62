/**
 * `npm run verify -- --stack <name> [--config-file <file>] [--outputs <file>|-] [--state <file>] [--json]`: after
 * `pulumi up`, checks the live tenant end to end and prints a checklist (✓ ok, ✗ fix needed, !
 * worth a look). Reads the stack's config file and, when given, its outputs: `pulumi stack output
 * --json` (a file, or - for standard input) or the stack's state file from a local backend
 * (~/.pulumi/stacks/<project>/<stack>.json). Needs no Pulumi CLI. Exits 0 only when nothing is ✗, else 1.
 */
import { SECRET_SETTINGS, settingsFromConfig } from "../program/settings";
import { checkStackFileSecrets } from "../program/settingsValidation";
import { Command, EXIT_CODES, parseFlags, readUserFile, runAsMain, UsageError } from "./cli";
import { AzureReader, VerifyEndpoints } from "./live/azureReader";
import { renderChecklist, runChecks, StackOutputs } from "./live/verifyChecks";
import { projectName, readStackConfig } from "./stackFiles";

export interface VerifyArgs {
    readonly stack: string;
    /** A stack file other than `Pulumi.<stack>.yaml` (as `pulumi --config-file`). */
    readonly configFile?: string;
    readonly outputs?: string;
    readonly state?: string;
    readonly json: boolean;
}

const USAGE = "npm run verify -- --stack <name> [--config-file <file>] [--outputs <file>|-] [--state <file>] [--json]";

function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
    const { values, switches } = parseFlags(argv, { values: ["stack", "config-file", "outputs", "state"], switches: ["json"], usage: USAGE });
    if (!values.stack) {
        throw new UsageError(`--stack is required; usage: ${USAGE}`);
    }
    return { stack: values.stack, outputs: values.outputs, state: values.state, json: switches.json, ...(values["config-file"] ? { configFile: values["config-file"] } : {}) };
}

/** The stack's outputs in a local backend's state file: the root `pulumi:pulumi:Stack` resource's outputs. */
export function outputsFromState(text: string, file: string): StackOutputs {
    let doc: { checkpoint?: { latest?: { resources?: Array<{ type: string; outputs?: StackOutputs }> } } };
    try {
        doc = JSON.parse(text);
    } catch {
        throw new UsageError(`--state must be a Pulumi state file (could not parse ${file})`);
    }
    const stack = doc.checkpoint?.latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
    if (!stack) {
        throw new UsageError(`--state ${file} has no stack resource: has pulumi up run for this stack?`);
    }
    return stack.outputs ?? {};
}

function readOutputs(source: string | undefined, stdin: () => string): StackOutputs {
    if (source === undefined) {
        return {};
    }
    const text = source === "-" ? stdin() : readUserFile(source, "--outputs");
    try {
        return JSON.parse(text) as StackOutputs;
    } catch {
        throw new UsageError(`--outputs must be the JSON of pulumi stack output --json (could not parse ${source === "-" ? "standard input" : source})`);
    }
}

/** `npm run verify`; the endpoints and credential default to Azure's and the provider's. */
export function verifyCommand(endpoints: VerifyEndpoints = {}): Command {
    return async (argv, io) => {
        const args = parseVerifyArgs(argv);
        const { config, encrypted, file } = readStackConfig(args.stack, { file: args.configFile });
        checkStackFileSecrets(file, projectName(), SECRET_SETTINGS);
        // What the tools can read is plain text: no key counts as secret here.
        const settings = settingsFromConfig({ config, secretKeys: [], encryptedKeys: encrypted }, projectName(), args.stack);
        const outputs = args.state ? outputsFromState(readUserFile(args.state, "--state"), args.state) : readOutputs(args.outputs, io.stdin);
        const lines = await runChecks(new AzureReader(endpoints), settings, outputs);
        io.out(args.json ? JSON.stringify({ stack: args.stack, checks: lines }, null, 2) : renderChecklist(lines));
        return lines.some((l) => l.status === "fail") ? EXIT_CODES.findings : EXIT_CODES.ok;
    };
}

if (require.main === module) {
    runAsMain(verifyCommand());
}
