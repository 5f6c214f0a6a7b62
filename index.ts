import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { chooseCloud, type CloudEndpoints, CLOUDS, discoverCloud, PUBLIC_PORTAL } from "./components/azure/cloud";
import { azureNativeConfig, type ProviderSettingsInput } from "./components/azure/providerConfig";
import { ConfigError, loadSettings, provisioningLoggingArgs, requiredPulumiVersion } from "./program/settings";
import { PROVISIONING_LOGS_CATEGORY, workspaceResourceId } from "./components/azure/armFacts";
import { ProvisioningLogging, type ProvisioningLoggingArgs } from "./components/provisioningLogging";
import { checkAdoptable } from "./components/tenantDiagnosticSetting";
import { userError } from "./components/support/userError";
import { assertSameTenant } from "./program/tenantGuard";

/**
 * The program: read and validate the stack's settings, find the cloud the azure-native provider
 * deploys to, refuse another tenant's credentials, then build everything. Nothing is registered
 * before these checks pass. The dynamic resources authenticate as the provider does and check their
 * token is the provider's identity before they write (components/dynamic/azureNativeIdentity.ts).
 */
export = async () => {
    try {
        await requireCli();
        const azure = await providerSettings();
        const settings = loadSettings(azure.metadataClouds);
        const cloud = providerCloud(azure);
        assertSameTenant(settings, await authorization.getClientConfig());

        const args: ProvisioningLoggingArgs & { readonly portalUrl?: string } = {
            ...provisioningLoggingArgs(settings),
            // Links open in the cloud's own portal; a public-cloud stack's inputs stay as they were.
            ...(cloud.portal === PUBLIC_PORTAL ? {} : { portalUrl: cloud.portal }),
        };
        if (settings.adoptDiagnosticSetting) {
            // Before anything is registered: a setting that adoption would strip stops the run with its own line.
            await checkAdoptable({
                name: settings.diagnosticSettingName,
                workspaceId:
                    settings.existingWorkspaceId ??
                    workspaceResourceId(settings.subscriptionId, settings.resourceGroupName, settings.workspaceName),
                categories: [PROVISIONING_LOGS_CATEGORY, ...settings.diagnosticLogCategories],
                destinations: settings.diagnosticSettingDestinations,
            });
        }
        const logging = new ProvisioningLogging("entra-provisioning", args);
        return {
            workspaceResourceId: logging.logs.workspaceId,
            workspaceCustomerId: logging.logs.customerId,
            workspaceName: logging.logs.workspace.name,
            resourceGroupName: logging.logs.resourceGroupName,
            diagnosticSettingName: logging.diagnostics.settingName,
            diagnosticCategories: logging.diagnostics.categories,
            logsPortalUrl: logging.logsPortalUrl,
            workbookUrls: logging.workbooks?.urls ?? {},
            dashboardUrl: logging.dashboard?.url,
            queryPackName: logging.queries?.queryPack.name,
            alertRules: Object.values(logging.alerts?.rules ?? {}).map((r) => r.name),
            alertRulesSkipped: (logging.alerts?.skipped ?? []).map((s) => `${s.rule}: ${s.reason}`),
        };
    } catch (e) {
        // A user error is one line, not a stack trace.
        throw e instanceof ConfigError ? userError(e.message) : e;
    }
};

/** The oldest CLI this program works with (Pulumi.yaml's requiredPulumiVersion), also for CLIs that don't read that key. */
async function requireCli(): Promise<void> {
    try {
        await pulumi.runtime.requirePulumiVersion(requiredPulumiVersion());
    } catch (e) {
        const detail = ((e as { details?: string }).details ?? (e as Error).message).trim();
        throw new ConfigError(
            `this program needs Pulumi CLI ${requiredPulumiVersion()}: ${detail}; upgrade the CLI (pulumi.com/docs/install)`,
        );
    }
}

/**
 * The azure-native provider's settings as the program reads them: the stack's `azure-native:*`
 * config, then the environment; a metadataHost's endpoints read once, as the provider reads them.
 */
async function providerSettings(): Promise<ProviderSettingsInput> {
    const all = pulumi.runtime.allConfig();
    try {
        return await discoverCloud({ config: azureNativeConfig({ get: (key) => all[key] }), env: process.env });
    } catch (e) {
        throw new ConfigError((e as Error).message);
    }
}

/** The cloud of the azure-native provider: its metadataHost's, else `azure-native:environment`, else ARM_ENVIRONMENT (components/azure/cloud.ts). */
function providerCloud(azure: ProviderSettingsInput): CloudEndpoints {
    try {
        return CLOUDS[chooseCloud(azure)];
    } catch (e) {
        throw new ConfigError((e as Error).message);
    }
}
