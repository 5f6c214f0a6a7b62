import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { ConfigError, loadSettings, provisioningLoggingArgs } from "./program/settings";
import { ProvisioningLogging } from "./components/provisioningLogging";
import { assertSameTenant } from "./program/tenantGuard";

/**
 * The program: read and validate the stack's settings, refuse another tenant's credentials, then
 * build everything. Nothing is registered before both checks pass.
 */
export = async () => {
    try {
        const settings = loadSettings();
        assertSameTenant(settings, await authorization.getClientConfig());

        const logging = new ProvisioningLogging("entra-provisioning", provisioningLoggingArgs(settings));
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
        throw e instanceof ConfigError ? new pulumi.RunError(e.message) : e;
    }
};
