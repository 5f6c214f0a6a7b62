import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../program/settings";
import { ProvisioningAlerts } from "./provisioningAlerts";
import { ProvisioningDashboard } from "./provisioningDashboard";
import { ProvisioningQueries } from "./provisioningQueries";
import { ProvisioningWorkbooks } from "./provisioningWorkbooks";
import { ProvisioningLogsWorkspace } from "./provisioningLogsWorkspace";
import { ResourceProviderRegistration } from "../program/dynamic/resourceProviderRegistration";
import { TenantDiagnosticSetting } from "./tenantDiagnosticSetting";

/** Prefix of the Azure names of alert rules and action groups. */
export function namePrefix(stack: string): string {
    return `entra-provisioning-${stack}`;
}

/** GUID names (workbooks, dashboard parts) derive from these, so they never change between runs. */
export function stackIdentity(s: Pick<Settings, "stack" | "subscriptionId" | "resourceGroupName" | "workspaceName">): string[] {
    return [s.stack, s.subscriptionId, s.resourceGroupName, s.workspaceName];
}

/** Inputs of {@link ProvisioningLogging}: the validated stack settings (see `config.ts` and Pulumi.yaml). */
export type ProvisioningLoggingArgs = Settings;

/**
 * Entra ID application provisioning logs in Azure Monitor, end to end: resource providers
 * registered (and waited for), a workspace that keeps the logs, and the tenant diagnostic setting
 * that streams ProvisioningLogs into it.
 */
export class ProvisioningLogging extends pulumi.ComponentResource {
    /** Microsoft.Insights registration; diagnostic settings, alerts and workbooks need it. */
    public readonly insightsRegistration: ResourceProviderRegistration;
    /** Microsoft.OperationalInsights registration; the workspace needs it. */
    public readonly operationalInsightsRegistration: ResourceProviderRegistration;
    /** The workspace and its table retention. */
    public readonly logs: ProvisioningLogsWorkspace;
    /** The tenant diagnostic setting. */
    public readonly diagnostics: TenantDiagnosticSetting;
    /** Microsoft.Portal registration, when the stack has a dashboard. */
    public readonly portalRegistration?: ResourceProviderRegistration;
    /** Workbooks, unless disabled. */
    public readonly workbooks?: ProvisioningWorkbooks;
    /** Saved queries, unless disabled. */
    public readonly queries?: ProvisioningQueries;
    /** The portal dashboard, unless disabled. */
    public readonly dashboard?: ProvisioningDashboard;
    /** Alert rules and action groups, unless alerts are disabled. */
    public readonly alerts?: ProvisioningAlerts;
    /** Portal link to the workspace's Logs blade. */
    public readonly logsPortalUrl: pulumi.Output<string>;

    constructor(name: string, args: ProvisioningLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:index:ProvisioningLogging", name, {}, opts);

        const registration = (suffix: string, namespace: string) =>
            new ResourceProviderRegistration(
                `${name}-${suffix}`,
                { subscriptionId: args.subscriptionId, namespace, timeoutMinutes: args.registrationTimeoutMinutes },
                { parent: this },
            );
        this.insightsRegistration = registration("insights-registration", "Microsoft.Insights");
        this.operationalInsightsRegistration = registration("operationalinsights-registration", "Microsoft.OperationalInsights");

        this.logs = new ProvisioningLogsWorkspace(
            `${name}-logs`,
            {
                subscriptionId: args.subscriptionId,
                location: args.location,
                resourceGroupName: args.resourceGroupName,
                createResourceGroup: args.createResourceGroup,
                workspaceName: args.workspaceName,
                retentionInDays: args.retentionInDays,
                tableRetentionInDays: args.provisioningLogsRetentionInDays,
                tableTotalRetentionInDays: args.provisioningLogsTotalRetentionInDays,
                dailyQuotaGb: args.dailyQuotaGb,
                disableLocalAuth: args.disableLocalAuth,
                protect: args.protectData,
                tags: args.tags,
            },
            { parent: this, dependsOn: [this.operationalInsightsRegistration] },
        );

        this.diagnostics = new TenantDiagnosticSetting(
            `${name}-diagnostics`,
            {
                settingName: args.diagnosticSettingName,
                workspaceId: this.logs.workspaceId,
                extraCategories: args.diagnosticLogCategories,
            },
            // "The subscription is not registered to use microsoft.insights" otherwise.
            { parent: this, dependsOn: [this.insightsRegistration] },
        );

        this.logsPortalUrl = pulumi.interpolate`https://portal.azure.com/#@${args.tenantId}/resource${this.logs.workspaceId}/logs`;

        const identity = stackIdentity(args);
        const auditLogsEnabled = this.diagnostics.categories.includes("AuditLogs");
        const place = { resourceGroupName: this.logs.resourceGroupName, location: args.location, tags: args.tags };

        if (args.workbooksEnabled) {
            this.workbooks = new ProvisioningWorkbooks(
                `${name}-workbooks`,
                { ...place, identity, workspaceId: this.logs.workspaceId, tenantId: args.tenantId, auditLogsEnabled },
                { parent: this, dependsOn: [this.insightsRegistration] },
            );
        }
        if (args.savedQueriesEnabled) {
            this.queries = new ProvisioningQueries(
                `${name}-queries`,
                { ...place, queryPackName: `pack-entra-provisioning-${args.stack}` },
                { parent: this, dependsOn: [this.operationalInsightsRegistration] },
            );
        }
        if (args.dashboardName) {
            this.portalRegistration = registration("portal-registration", "Microsoft.Portal");
            this.dashboard = new ProvisioningDashboard(
                `${name}-dashboard`,
                {
                    ...place,
                    identity,
                    dashboardName: args.dashboardName,
                    title: `Entra provisioning (${args.stack})`,
                    tenantId: args.tenantId,
                    workspaceId: this.logs.workspaceId,
                    links: {
                        "Workspace logs": this.logsPortalUrl,
                        ...(this.workbooks ? { "Provisioning overview workbook": this.workbooks.urls["provisioning-overview"] } : {}),
                        ...(this.workbooks ? { "Troubleshoot a user or group": this.workbooks.urls["identity-troubleshooting"] } : {}),
                    },
                },
                { parent: this, dependsOn: [this.portalRegistration] },
            );
        }

        if (args.alerts) {
            this.alerts = new ProvisioningAlerts(
                `${name}-alerts`,
                {
                    settings: args.alerts,
                    namePrefix: namePrefix(args.stack),
                    resourceGroupName: this.logs.resourceGroupName,
                    location: args.location,
                    workspaceId: this.logs.workspaceId,
                    auditLogsEnabled,
                    dailyCapEnabled: args.dailyQuotaGb !== undefined,
                    logsPortalUrl: this.logsPortalUrl,
                    workbookUrl: this.workbooks?.urls["provisioning-overview"],
                    tags: args.tags,
                },
                // Log search alerts and action groups are Microsoft.Insights resources.
                { parent: this, dependsOn: [this.insightsRegistration] },
            );
        }
        this.registerOutputs({
            insightsRegistration: this.insightsRegistration,
            operationalInsightsRegistration: this.operationalInsightsRegistration,
            logs: this.logs,
            diagnostics: this.diagnostics,
            portalRegistration: this.portalRegistration,
            workbooks: this.workbooks,
            queries: this.queries,
            dashboard: this.dashboard,
            alerts: this.alerts,
            logsPortalUrl: this.logsPortalUrl,
        });
    }
}
