import * as pulumi from "@pulumi/pulumi";
import { ResourceProviderRegistration } from "../program/dynamic/resourceProviderRegistration";
import { namePrefix, resourceIdentity } from "../program/naming";
import { ProvisioningAlertOptions, ProvisioningAlerts } from "./provisioningAlerts";
import { ProvisioningDashboard } from "./provisioningDashboard";
import { ProvisioningLogsWorkspace } from "./provisioningLogsWorkspace";
import { ProvisioningQueries } from "./provisioningQueries";
import { ProvisioningWorkbooks } from "./provisioningWorkbooks";
import { TenantDiagnosticSetting } from "./tenantDiagnosticSetting";

/** Inputs of {@link ProvisioningLogging}. */
export interface ProvisioningLoggingArgs {
    /**
     * Required. Short name of this deployment, unique per tenant, e.g. the stack name (`prod`). The
     * Azure names of alert rules, action groups and the query pack, and the GUIDs of workbooks and
     * dashboard parts, derive from it.
     */
    readonly instanceName: string;
    /** Required. The Entra tenant whose provisioning logs are sent; portal links open in it. */
    readonly tenantId: string;
    /** Required. Subscription of the workspace; the resource providers are registered on it. */
    readonly subscriptionId: string;
    /** Required. Azure region of the workspace and everything beside it, e.g. `westeurope`. */
    readonly location: string;
    /** Required. Resource group of the workspace. */
    readonly resourceGroupName: string;
    /** Optional. Create the resource group (true) or use an existing one (false). Defaults to true. */
    readonly createResourceGroup?: boolean;
    /** Required. Name of the Log Analytics workspace (4–63 letters, digits and hyphens). */
    readonly workspaceName: string;
    /** Optional. Interactive retention of the workspace, 30–730 days. Defaults to 30. */
    readonly retentionInDays?: number;
    /** Optional. Interactive retention of the AADProvisioningLogs table, 4–730 days. Defaults to `retentionInDays`. */
    readonly provisioningLogsRetentionInDays?: number;
    /** Optional. Total (interactive + long-term) retention of the table, up to 4383 days. Defaults to its interactive retention. */
    readonly provisioningLogsTotalRetentionInDays?: number;
    /** Optional. Daily ingestion cap in whole GB. Defaults to none: a hit cap drops provisioning logs. */
    readonly dailyQuotaGb?: number;
    /** Optional. Accept only Entra ID authentication on the workspace. Defaults to true. */
    readonly disableLocalAuth?: boolean;
    /** Optional. Protect the workspace (and a created group) and keep them on delete: the logs are audit evidence. Defaults to true. */
    readonly protectData?: boolean;
    /** Optional. Let this run lower the AADProvisioningLogs table's retention, which deletes older logs; set it for one run only. Defaults to false. */
    readonly allowRetentionDecrease?: boolean;
    /** Required. Name of the tenant diagnostic setting (unique in the tenant). */
    readonly diagnosticSettingName: string;
    /** Optional. Entra log categories to send besides ProvisioningLogs, e.g. `AuditLogs`. Defaults to none. */
    readonly diagnosticLogCategories?: readonly string[];
    /** Optional. How long to wait for a resource provider to register, in minutes. Defaults to 20. */
    readonly registrationTimeoutMinutes?: number;
    /** Optional. Deploy the provisioning workbooks. Defaults to true. */
    readonly workbooksEnabled?: boolean;
    /** Optional. Deploy the saved queries (a query pack). Defaults to true. */
    readonly savedQueriesEnabled?: boolean;
    /** Optional. Deploy a portal dashboard with this name (3–24 letters, digits, hyphens). Defaults to none. */
    readonly dashboardName?: string;
    /** Optional. Alert rules and whom they notify. Defaults to none: no alerts. */
    readonly alerts?: ProvisioningAlertOptions;
    /** Optional. Tags for every resource. Defaults to none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Entra ID application provisioning logs in Azure Monitor, end to end: resource providers
 * registered (and waited for), a workspace that keeps the logs, the tenant diagnostic setting that
 * streams ProvisioningLogs into it, and the workbooks, saved queries, dashboard and alerts over it.
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
    /** Microsoft.Portal registration, when there is a dashboard. */
    public readonly portalRegistration?: ResourceProviderRegistration;
    /** Workbooks, unless disabled. */
    public readonly workbooks?: ProvisioningWorkbooks;
    /** Saved queries, unless disabled. */
    public readonly queries?: ProvisioningQueries;
    /** The portal dashboard, when named. */
    public readonly dashboard?: ProvisioningDashboard;
    /** Alert rules and action groups, when alerts are given. */
    public readonly alerts?: ProvisioningAlerts;
    /** Portal link to the workspace's Logs blade. */
    public readonly logsPortalUrl: pulumi.Output<string>;

    constructor(name: string, args: ProvisioningLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:index:ProvisioningLogging", name, {}, opts);

        const registration = (suffix: string, namespace: string) =>
            new ResourceProviderRegistration(
                `${name}-${suffix}`,
                { subscriptionId: args.subscriptionId, namespace, timeoutMinutes: args.registrationTimeoutMinutes ?? 20 },
                { parent: this },
            );
        this.insightsRegistration = registration("insights-registration", "Microsoft.Insights");
        this.operationalInsightsRegistration = registration("operationalinsights-registration", "Microsoft.OperationalInsights");

        const retentionInDays = args.retentionInDays ?? 30;
        const tableRetentionInDays = args.provisioningLogsRetentionInDays ?? retentionInDays;
        this.logs = new ProvisioningLogsWorkspace(
            `${name}-logs`,
            {
                subscriptionId: args.subscriptionId,
                location: args.location,
                resourceGroupName: args.resourceGroupName,
                createResourceGroup: args.createResourceGroup,
                workspaceName: args.workspaceName,
                retentionInDays,
                tableRetentionInDays,
                tableTotalRetentionInDays: args.provisioningLogsTotalRetentionInDays ?? tableRetentionInDays,
                dailyQuotaGb: args.dailyQuotaGb,
                disableLocalAuth: args.disableLocalAuth,
                protect: args.protectData ?? true,
                allowRetentionDecrease: args.allowRetentionDecrease,
                tags: args.tags,
            },
            { parent: this, dependsOn: [this.operationalInsightsRegistration] },
        );

        this.diagnostics = new TenantDiagnosticSetting(
            `${name}-diagnostics`,
            { settingName: args.diagnosticSettingName, workspaceId: this.logs.workspaceId, extraCategories: args.diagnosticLogCategories },
            // "The subscription is not registered to use microsoft.insights" otherwise.
            { parent: this, dependsOn: [this.insightsRegistration] },
        );

        this.logsPortalUrl = pulumi.interpolate`https://portal.azure.com/#@${args.tenantId}/resource${this.logs.workspaceId}/logs`;

        const identity = resourceIdentity(args);
        const auditLogsEnabled = this.diagnostics.categories.includes("AuditLogs");
        const place = { resourceGroupName: this.logs.resourceGroupName, location: args.location, tags: args.tags };

        if (args.workbooksEnabled ?? true) {
            this.workbooks = new ProvisioningWorkbooks(
                `${name}-workbooks`,
                { ...place, identity, workspaceId: this.logs.workspaceId, tenantId: args.tenantId, auditLogsEnabled },
                { parent: this, dependsOn: [this.insightsRegistration] },
            );
        }
        if (args.savedQueriesEnabled ?? true) {
            this.queries = new ProvisioningQueries(
                `${name}-queries`,
                { ...place, queryPackName: `pack-entra-provisioning-${args.instanceName}` },
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
                    title: `Entra provisioning (${args.instanceName})`,
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
                    ...args.alerts,
                    namePrefix: namePrefix(args.instanceName),
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
