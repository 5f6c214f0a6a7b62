/**
 * `npm run discover -- --stack <name> [--config-file <file>] [--json]`: before the first `pulumi up` in a tenant that already
 * has Entra diagnostic settings or workspaces, reads what is there (read-only, with the same
 * credentials as `verify`) and prints the stack settings this tenant calls for, ready to paste, with
 * the import ID of any setting the stack would adopt. A part the identity may not read is a finding
 * line with the role to grant. Exits 1 when a finding is ✗, 2 when the command line or the stack's tenant is wrong.
 */
import {
    type Command,
    type CommandSpec,
    EXIT_CODES,
    parseFlags,
    requireFile,
    runAsMain,
    stackOf,
    UsageError,
    CONFIG_FILE_FLAG,
} from "./cli";
import type { VerifyEndpoints } from "./live/azureReader";
import { endingInTime, runEndpoints } from "./live/deadline";
import type { DiscoverStack } from "./live/discover";

// The SDKs load once the command line is read (`require`, `await import`): `--help` and a wrong flag answer at once.

const SPEC: CommandSpec<"stack" | "config-file", "json"> = {
    usage: "npm run discover -- --stack <name> [--config-file <file>] [--json]",
    about: [
        "Before the first pulumi up in a tenant that already has Entra diagnostic settings or workspaces: reads what is",
        "there (read-only, with the same credentials as verify) and prints the stack settings this tenant calls for,",
        "ready to paste. Exits 1 when a finding is ✗ (a part it could not read, a setting that can't work).",
    ].join("\n"),
    values: {
        stack: { arg: "<name>", help: "The stack to discover for (Pulumi.<name>.yaml): its tenant and subscription." },
        "config-file": CONFIG_FILE_FLAG,
    },
    switches: { json: "Print the discovery as JSON." },
};

function parseDiscoverArgs(argv: readonly string[]): { stack: string; json: boolean; configFile?: string } {
    const { values, switches } = parseFlags(argv, SPEC);
    const stack = stackOf(values, SPEC.usage);
    if (!stack) {
        throw new UsageError(`--stack is required; usage: ${SPEC.usage}`);
    }
    return { stack, json: switches.json, ...(values["config-file"] ? { configFile: values["config-file"] } : {}) };
}

/**
 * What discover needs of the stack. Its brownfield settings may not validate yet (that is what
 * discover helps fix): the problem is then reported, and the tenant is read with the tenant and
 * subscription alone, which must be right.
 */
export async function discoverStack(stack: string, configFile?: string): Promise<DiscoverStack> {
    const [{ GUID_PATTERN }, { workspaceIdParts }, { SECRET_SETTINGS, settingsFromConfig }, validation, { projectName, readStackConfig }] =
        await Promise.all([
            import("../components/azure/armFacts"),
            import("../components/support/naming"),
            import("../program/settings"),
            import("../program/settingsValidation"),
            import("./stackFiles"),
        ]);
    const { checkStackFileSecrets, ConfigError, projectSettings } = validation;
    const { config, encrypted, file } = readStackConfig(stack, { file: configFile });
    const project = projectName();
    const raw = projectSettings(config, project);
    const setKeys = Object.keys(raw);
    try {
        checkStackFileSecrets(file, project, SECRET_SETTINGS);
        const s = settingsFromConfig({ config, secretKeys: [], encryptedKeys: encrypted }, project, stack, process.env);
        return {
            stack,
            tenantId: s.tenantId,
            subscriptionId: s.subscriptionId,
            dashboard: s.dashboardName !== undefined,
            ...(s.adoptDiagnosticSetting
                ? { adoptDiagnosticSetting: s.diagnosticSettingName }
                : { ownSettingName: s.diagnosticSettingName }),
            ...(s.existingWorkspaceId ? { existingWorkspaceId: s.existingWorkspaceId } : {}),
            setKeys,
        };
    } catch (e) {
        if (!(e instanceof ConfigError)) {
            throw e;
        }
        for (const key of ["tenantId", "subscriptionId"]) {
            if (!GUID_PATTERN.test(raw[key] ?? "")) {
                throw new ConfigError(`\`${key}\` must be set to a GUID for discover to know where to look (${e.message})`);
            }
        }
        return {
            stack,
            tenantId: raw.tenantId.toLowerCase(),
            subscriptionId: raw.subscriptionId.toLowerCase(),
            dashboard: raw.dashboardEnabled !== "false",
            ...(raw.adoptDiagnosticSetting
                ? { adoptDiagnosticSetting: raw.adoptDiagnosticSetting }
                : raw.diagnosticSettingName
                  ? { ownSettingName: raw.diagnosticSettingName }
                  : {}),
            ...(raw.existingWorkspaceId && workspaceIdParts(raw.existingWorkspaceId)
                ? { existingWorkspaceId: raw.existingWorkspaceId }
                : {}),
            setKeys,
            settingsProblem: e.message,
        };
    }
}

/** `npm run discover`; the endpoints and credential default to Azure's and the provider's. */
export function discoverCommand(given: VerifyEndpoints = {}): Command {
    return async (argv, io) => {
        const args = parseDiscoverArgs(argv);
        // The run's deadline starts now, and every read of the run keeps it.
        const endpoints = runEndpoints(given, io);
        if (args.configFile !== undefined) {
            requireFile(args.configFile, "--config-file");
        }
        const [{ AzureReader, providerSettings }, { discover, renderDiscovery }, { readStackConfig }] = await Promise.all([
            import("./live/azureReader"),
            import("./live/discover"),
            import("./stackFiles"),
        ]);
        const { config, encrypted } = readStackConfig(args.stack, { file: args.configFile });
        const found = await discover(
            new AzureReader({
                azure: await providerSettings({ config, env: process.env, unreadable: encrypted }, endpoints),
                ...endpoints,
            }),
            await discoverStack(args.stack, args.configFile),
        );
        io.out(args.json ? JSON.stringify(found, null, 2) : renderDiscovery(found));
        // As verify: a ✗ is a finding.
        return found.findings.some((l) => l.status === "fail") ? EXIT_CODES.findings : EXIT_CODES.ok;
    };
}

if (require.main === module) {
    runAsMain(endingInTime(discoverCommand(), "discover"));
}
