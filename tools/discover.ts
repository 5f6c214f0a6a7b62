/**
 * `npm run discover -- --stack <name> [--config-file <file>] [--json]`: before the first `pulumi up` in a tenant that already
 * has Entra diagnostic settings or workspaces, reads what is there (read-only, with the same
 * credentials as `verify`) and prints the stack settings this tenant calls for, ready to paste, with
 * the import ID of any setting the stack would adopt. A part the identity may not read is a finding
 * line with the role to grant. Exits 0, or 2 when the command line or the stack's tenant is wrong.
 */
import { GUID_PATTERN } from "../components/azure/armFacts";
import { SECRET_SETTINGS, settingsFromConfig } from "../program/settings";
import { checkStackFileSecrets, ConfigError, projectSettings } from "../program/settingsValidation";
import { workspaceIdParts } from "../components/support/naming";
import { type Command, EXIT_CODES, parseFlags, runAsMain, UsageError } from "./cli";
import { AzureReader, providerSettings, type VerifyEndpoints } from "./live/azureReader";
import { discover, type DiscoverStack, renderDiscovery } from "./live/discover";
import { projectName, readStackConfig } from "./stackFiles";

const USAGE = "npm run discover -- --stack <name> [--config-file <file>] [--json]";

function parseDiscoverArgs(argv: readonly string[]): { stack: string; json: boolean; configFile?: string } {
    const { values, switches } = parseFlags(argv, { values: ["stack", "config-file"], switches: ["json"], usage: USAGE });
    if (!values.stack) {
        throw new UsageError(`--stack is required; usage: ${USAGE}`);
    }
    return { stack: values.stack, json: switches.json, ...(values["config-file"] ? { configFile: values["config-file"] } : {}) };
}

/**
 * What discover needs of the stack. Its brownfield settings may not validate yet (that is what
 * discover helps fix): the problem is then reported, and the tenant is read with the tenant and
 * subscription alone, which must be right.
 */
export function discoverStack(stack: string, configFile?: string): DiscoverStack {
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
export function discoverCommand(endpoints: VerifyEndpoints = {}): Command {
    return async (argv, io) => {
        const args = parseDiscoverArgs(argv);
        const { config, encrypted } = readStackConfig(args.stack, { file: args.configFile });
        const found = await discover(
            new AzureReader({ azure: await providerSettings({ config, env: process.env, unreadable: encrypted }), ...endpoints }),
            discoverStack(args.stack, args.configFile),
        );
        io.out(args.json ? JSON.stringify(found, null, 2) : renderDiscovery(found));
        return EXIT_CODES.ok;
    };
}

if (require.main === module) {
    runAsMain(discoverCommand());
}
