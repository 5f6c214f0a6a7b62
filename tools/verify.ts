/**
 * `npm run verify -- --stack <name> [--config-file <file>] [--outputs <file>|-] [--state <file>] [--json]`: after
 * `pulumi up`, checks the live tenant end to end and prints a checklist (✓ ok, ✗ fix needed, !
 * worth a look). Reads the stack's config file and, when given, its outputs: `pulumi stack output
 * --json` (a file, or - for standard input) or the stack's state file from a local backend
 * (~/.pulumi/stacks/<project>/<stack>.json). Needs no Pulumi CLI. Exits 0 only when nothing is ✗, else 1.
 */
import * as path from "node:path";
import {
    type Command,
    type CommandSpec,
    EXIT_CODES,
    parseFlags,
    parseUserJson,
    readUserFile,
    requireFile,
    requireFolder,
    runAsMain,
    stackOf,
    UsageError,
    CONFIG_FILE_FLAG,
} from "./cli";
import type { VerifyEndpoints } from "./live/azureReader";
import { endingInTime, runEndpoints } from "./live/deadline";
import type { StackOutputs } from "./live/verifyChecks";

// The SDKs load once the command line is read (`await import`): `--help` and a wrong flag answer at once.

export interface VerifyArgs {
    /** Undefined with `all`. */
    readonly stack?: string;
    /** Every stack (of `stacksDir`, else the project's), one summary row each. */
    readonly all: boolean;
    readonly stacksDir?: string;
    /** A stack file other than `Pulumi.<stack>.yaml` (as `pulumi --config-file`). */
    readonly configFile?: string;
    readonly outputs?: string;
    readonly state?: string;
    readonly json: boolean;
}

const SPEC: CommandSpec<"stack" | "config-file" | "outputs" | "state" | "stacks-dir", "json" | "all"> = {
    usage: "npm run verify -- (--stack <name> [--config-file <file>] [--outputs <file>|-] [--state <file>] | --all [--stacks-dir <dir>]) [--json]",
    about: [
        "After pulumi up, checks the live tenant end to end with the credentials the azure-native provider would use,",
        "and prints a checklist: ✓ ok, ✗ fix needed, ! worth a look. Needs no Pulumi CLI. Exits 1 when anything is ✗.",
    ].join("\n"),
    values: {
        stack: { arg: "<name>", help: "The stack to check (Pulumi.<name>.yaml)." },
        "config-file": CONFIG_FILE_FLAG,
        outputs: { arg: "<file>|-", help: "What pulumi stack output --json printed (- reads standard input)." },
        state: { arg: "<file>", help: "The stack's state file from a local backend (~/.pulumi/stacks/<project>/<stack>.json)." },
        "stacks-dir": { arg: "<dir>", help: "With --all: the folder of the stack files. Defaults to the project's." },
    },
    switches: {
        json: "Print the checks as JSON.",
        all: "Check every stack from its settings, one row each; any failing stack exits 1.",
    },
};

function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
    const { values, switches } = parseFlags(argv, SPEC);
    if (switches.all) {
        if (values.stack || values["config-file"] || values.outputs || values.state) {
            throw new UsageError(
                `--all verifies every stack from its settings: it takes no --stack, --config-file, --outputs or --state; usage: ${SPEC.usage}`,
            );
        }
        return { all: true, json: switches.json, ...(values["stacks-dir"] ? { stacksDir: values["stacks-dir"] } : {}) };
    }
    if (values["stacks-dir"]) {
        throw new UsageError(`--stacks-dir goes with --all; usage: ${SPEC.usage}`);
    }
    const stack = stackOf(values, SPEC.usage);
    if (!stack) {
        throw new UsageError(`--stack is required; usage: ${SPEC.usage}`);
    }
    return {
        stack,
        all: false,
        outputs: values.outputs,
        state: values.state,
        json: switches.json,
        ...(values["config-file"] ? { configFile: values["config-file"] } : {}),
    };
}

/**
 * A stack's validated settings from its stack file, as the program would see them, and a reader of
 * its cloud with the credential its azure-native provider would use (its `azure-native:*` config,
 * then the ARM_* variables: components/azure/credential.ts).
 */
async function stackSettings(stack: string, endpoints: VerifyEndpoints, configFile?: string) {
    const [
        { SECRET_SETTINGS, settingsFromConfig },
        { checkStackFileSecrets },
        { AzureReader, providerSettings },
        { projectName, readStackConfig },
    ] = await Promise.all([
        import("../program/settings"),
        import("../program/settingsValidation"),
        import("./live/azureReader"),
        import("./stackFiles"),
    ]);
    const { config, encrypted, file } = readStackConfig(stack, { file: configFile });
    checkStackFileSecrets(file, projectName(), SECRET_SETTINGS);
    // A metadataHost's endpoints, read once as the provider reads them.
    const azure = await providerSettings({ config, env: process.env, unreadable: encrypted }, endpoints);
    // What the tools can read is plain text: no key counts as secret here.
    const settings = settingsFromConfig(
        { config, secretKeys: [], encryptedKeys: encrypted },
        projectName(),
        stack,
        process.env,
        azure.metadataClouds,
    );
    return { settings, reader: new AzureReader({ azure, ...endpoints }) };
}

/** One stack of a fleet: its counts, and the first failure's line. */
interface FleetVerdict {
    readonly stack: string;
    readonly ok: number;
    readonly warn: number;
    readonly fail: number;
    readonly problem?: string;
}

/** Every stack, one after another with the same credentials; a stack that can't be checked is a failed row. */
async function verifyFleet(endpoints: VerifyEndpoints, dir?: string): Promise<FleetVerdict[]> {
    const rows: FleetVerdict[] = [];
    const [{ ConfigError }, { runChecks }, { stackNames }] = await Promise.all([
        import("../program/settingsValidation"),
        import("./live/verifyChecks"),
        import("./stackFiles"),
    ]);
    for (const stack of stackNames(dir)) {
        try {
            const configFile = dir ? path.join(dir, `Pulumi.${stack}.yaml`) : undefined;
            const { settings, reader } = await stackSettings(stack, endpoints, configFile);
            const lines = await runChecks(reader, settings, {});
            const count = (status: string) => lines.filter((l) => l.status === status).length;
            const first = lines.find((l) => l.status === "fail");
            rows.push({
                stack,
                ok: count("ok"),
                warn: count("warn"),
                fail: count("fail"),
                ...(first ? { problem: `${first.check}: ${first.message}` } : {}),
            });
        } catch (e) {
            if (!(e instanceof UsageError) && !(e instanceof ConfigError)) {
                throw e;
            }
            rows.push({ stack, ok: 0, warn: 0, fail: 1, problem: e.message });
        }
    }
    return rows;
}

function renderFleetVerdicts(rows: readonly FleetVerdict[]): string {
    const table = rows.map((r) => [r.stack, String(r.ok), String(r.warn), String(r.fail), r.problem ?? ""]);
    const header = ["STACK", "OK", "WARN", "FAIL", "FIRST FAILURE"];
    const widths = [0, 1, 2, 3].map((c) => Math.max(header[c].length, ...table.map((row) => row[c].length)));
    const line = (row: string[]) =>
        row
            .map((cell, c) => (c < 4 ? cell.padEnd(widths[c]) : cell))
            .join("  ")
            .trimEnd();
    const failing = rows.filter((r) => r.fail > 0).length;
    return [
        `verify of ${rows.length} stacks: ${failing === 0 ? "every stack passes" : `${failing} failing`}.`,
        "",
        line(header),
        ...table.map(line),
    ].join("\n");
}

/** The stack's outputs in a local backend's state file: the root `pulumi:pulumi:Stack` resource's outputs. */
export function outputsFromState(text: string, file: string): StackOutputs {
    const doc = parseUserJson(text, file, "--state takes a Pulumi state file") as {
        checkpoint?: { latest?: { resources?: Array<{ type: string; outputs?: StackOutputs }> } };
    } | null;
    const stack = doc?.checkpoint?.latest?.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
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
    return parseUserJson(
        text,
        source === "-" ? "standard input" : source,
        "--outputs takes what pulumi stack output --json prints",
    ) as StackOutputs;
}

/** `npm run verify`; the endpoints and credential default to Azure's and the provider's. */
export function verifyCommand(given: VerifyEndpoints = {}): Command {
    return async (argv, io) => {
        const args = parseVerifyArgs(argv);
        // The run's deadline starts now, and every read of the run (every stack of --all) keeps it.
        const endpoints = runEndpoints(given, io);
        // What the command line names must exist before anything loads.
        for (const [file, flag] of [
            [args.configFile, "--config-file"],
            [args.state, "--state"],
            [args.outputs === "-" ? undefined : args.outputs, "--outputs"],
        ] as const) {
            if (file !== undefined) {
                requireFile(file, flag);
            }
        }
        if (args.stacksDir !== undefined) {
            requireFolder(args.stacksDir, "--stacks-dir");
        }
        if (args.all) {
            const rows = await verifyFleet(endpoints, args.stacksDir);
            io.out(args.json ? JSON.stringify({ stacks: rows }, null, 2) : renderFleetVerdicts(rows));
            return rows.every((r) => r.fail === 0) ? EXIT_CODES.ok : EXIT_CODES.findings;
        }
        const { settings, reader } = await stackSettings(args.stack as string, endpoints, args.configFile);
        const outputs = args.state
            ? outputsFromState(readUserFile(args.state, "--state"), args.state)
            : readOutputs(args.outputs, io.stdin);
        const { renderChecklist, runChecks } = await import("./live/verifyChecks");
        const lines = await runChecks(reader, settings, outputs);
        io.out(args.json ? JSON.stringify({ stack: args.stack, checks: lines }, null, 2) : renderChecklist(lines));
        return lines.some((l) => l.status === "fail") ? EXIT_CODES.findings : EXIT_CODES.ok;
    };
}

if (require.main === module) {
    runAsMain(endingInTime(verifyCommand(), "verify"));
}
