import * as pulumi from "@pulumi/pulumi";
import { PUBLIC_PORTAL } from "./azure/cloud";
import { ResourceProviderRegistration } from "./dynamic/resourceProviderRegistration";
import { namePrefix, resourceIdentity, workspaceIdParts } from "./support/naming";
import { type ProvisioningAlertOptions, ProvisioningAlerts } from "./provisioningAlerts";
import { ProvisioningDashboard } from "./provisioningDashboard";
import { ProvisioningLogsWorkspace, type ProvisioningLogsWorkspaceArgs } from "./provisioningLogsWorkspace";
import { PROVISIONING_LOGGING_DEFAULTS, workspaceChoiceProblems } from "./support/workspaceRules";
import { ProvisioningQueries } from "./provisioningQueries";
import { ProvisioningWorkbooks } from "./provisioningWorkbooks";
import { type DiagnosticSettingDestinations, TenantDiagnosticSetting } from "./tenantDiagnosticSetting";

/** Inputs of {@link ProvisioningLogging}. */
export interface ProvisioningLoggingArgs {
    /**
     * Required. Short name of this deployment, unique per tenant, e.g. the stack name (`prod`). The
     * Azure names of alert rules, action groups and the query pack, and the GUIDs of workbooks and
     * dashboard parts, derive from it.
     */
    readonly instanceName: string;
    /** Required. The Entra tenant whose provisioning logs are sent; portal links open in it. */
    readonly tenantId: pulumi.Input<string>;
    /** Required. Subscription of the resource group (and of the workspace, when created); the resource providers are registered on it. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Required. Azure region of the resource group and everything in it, e.g. `westeurope`. */
    readonly location: pulumi.Input<string>;
    /** Required. Resource group of the alerts, workbooks, saved queries and dashboard, and of the workspace when created. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Optional. Create the resource group (true) or use an existing one (false). Defaults to true. */
    readonly createResourceGroup?: boolean;
    /**
     * Optional. Full ARM ID of an existing Log Analytics workspace to send the logs to, in any
     * subscription of the tenant (e.g. a central Microsoft Sentinel workspace). No workspace is then
     * created; this one is read and never changed or deleted, and the diagnostic setting, alerts,
     * workbooks, saved queries and dashboard point at it. `workspaceName`, `retentionInDays`,
     * `dailyQuotaGb` and `disableLocalAuth` must be left out. May be another stack's output (a
     * `StackReference`'s central workspace ID). Defaults to none: a workspace is created.
     */
    readonly existingWorkspaceId?: pulumi.Input<string>;
    /**
     * Optional. With `existingWorkspaceId`: set the AADProvisioningLogs table's retention in that
     * workspace to `provisioningLogsRetentionInDays` (then required) and
     * `provisioningLogsTotalRetentionInDays`. Defaults to false: its retention is left as it is.
     */
    readonly manageExistingWorkspaceRetention?: boolean;
    /** Conditional. Name of the Log Analytics workspace to create (4–63 letters, digits and hyphens); required without `existingWorkspaceId`. */
    readonly workspaceName?: pulumi.Input<string>;
    /** Optional. Interactive retention of the created workspace, 30–730 days. Defaults to 30. */
    readonly retentionInDays?: number;
    /** Optional. Interactive retention of the AADProvisioningLogs table, 4–730 days. Defaults to `retentionInDays`. */
    readonly provisioningLogsRetentionInDays?: number;
    /** Optional. Total (interactive + long-term) retention of the table, up to 4383 days. Defaults to its interactive retention. */
    readonly provisioningLogsTotalRetentionInDays?: number;
    /** Optional. Daily ingestion cap of the created workspace in whole GB. Defaults to none: a hit cap drops provisioning logs. */
    readonly dailyQuotaGb?: number;
    /** Optional. Accept only Entra ID authentication on the created workspace. Defaults to true. */
    readonly disableLocalAuth?: boolean;
    /** Optional. Protect the created workspace and a created group, and keep them on delete: the logs are audit evidence. Defaults to true. */
    readonly protectData?: boolean;
    /** Optional. Let this run lower the AADProvisioningLogs table's retention, which deletes older logs; set it for one run only. Defaults to false. */
    readonly allowRetentionDecrease?: boolean;
    /** Required. Name of the tenant diagnostic setting (unique in the tenant). */
    readonly diagnosticSettingName: string;
    /**
     * Optional. Entra log categories to send besides ProvisioningLogs, e.g. `AuditLogs`; for an
     * adopted setting, every category it sends today. Defaults to none.
     */
    readonly diagnosticLogCategories?: readonly string[];
    /**
     * Optional. The tenant diagnostic setting `diagnosticSettingName` already exists (e.g. made in
     * the portal): adopt it with Pulumi's `import` option and add ProvisioningLogs, keeping
     * `diagnosticLogCategories` and `diagnosticSettingDestinations`, which must list all it has today
     * (see {@link TenantDiagnosticSetting}). Defaults to false: the setting is created.
     */
    readonly adoptDiagnosticSetting?: boolean;
    /** Optional. Destinations of the diagnostic setting besides the workspace. Defaults to none. */
    readonly diagnosticSettingDestinations?: DiagnosticSettingDestinations;
    /**
     * Optional. The Azure portal of the cloud the stack deploys to, for every portal link (the
     * workspace's logs, the workbooks, the dashboard, the alerts): `https://portal.azure.us` in Azure
     * Government, `https://portal.azure.cn` in Azure China (components/azure/cloud.ts). Defaults to
     * `https://portal.azure.com`, the public cloud's.
     */
    readonly portalUrl?: string;
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
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Entra ID application provisioning logs in Azure Monitor, end to end: resource providers
 * registered (and waited for), a workspace that keeps the logs (created, or an existing one used as
 * it is), the tenant diagnostic setting that streams ProvisioningLogs into it (created, or an
 * existing one adopted), and the workbooks, saved queries, dashboard and alerts over it.
 */
export class ProvisioningLogging extends pulumi.ComponentResource {
    /** Microsoft.Insights registration; diagnostic settings, alerts and workbooks need it. */
    public readonly insightsRegistration: ResourceProviderRegistration;
    /** Microsoft.OperationalInsights registration; the workspace needs it. */
    public readonly operationalInsightsRegistration: ResourceProviderRegistration;
    /** The workspace (created, or existing and only read), its table retention when managed, and the resource group of everything else. */
    public readonly logs: ProvisioningLogsWorkspace;
    /** The tenant diagnostic setting, created or adopted. */
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
                {
                    subscriptionId: args.subscriptionId,
                    namespace,
                    timeoutMinutes: args.registrationTimeoutMinutes ?? PROVISIONING_LOGGING_DEFAULTS.registrationTimeoutMinutes,
                },
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
                ...workspaceChoice(name, args),
                protect: args.protectData ?? PROVISIONING_LOGGING_DEFAULTS.protectData,
                allowRetentionDecrease: args.allowRetentionDecrease,
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
                ...(args.diagnosticSettingDestinations ? { destinations: args.diagnosticSettingDestinations } : {}),
                ...(args.adoptDiagnosticSetting ? { adopt: true } : {}),
            },
            // "The subscription is not registered to use microsoft.insights" otherwise.
            { parent: this, dependsOn: [this.insightsRegistration] },
        );

        this.logsPortalUrl = pulumi.interpolate`${(args.portalUrl ?? PUBLIC_PORTAL).replace(/\/+$/, "")}/#@${args.tenantId}/resource${this.logs.workspaceId}/logs`;
        const portal = args.portalUrl ? { portalUrl: args.portalUrl } : {};

        const identity = pulumi
            .all([args.subscriptionId, args.resourceGroupName, workspaceNameOf(args)])
            .apply(([subscriptionId, resourceGroupName, workspaceName]) =>
                resourceIdentity({ instanceName: args.instanceName, subscriptionId, resourceGroupName, workspaceName }),
            );
        const auditLogsEnabled = this.diagnostics.categories.includes("AuditLogs");
        const place = { resourceGroupName: this.logs.resourceGroupName, location: args.location, tags: args.tags };
        // What queries the workspace waits until it answers: the table's retention, set once the workspace
        // is active, or the read of an existing one. Log search alerts made right after their workspace
        // are known to fail with "The workspace could not be found" (hashicorp/terraform-provider-azurerm#21281).
        const workspaceReady: pulumi.Resource = this.logs.provisioningLogsTable ?? this.logs.workspace;

        if (args.workbooksEnabled ?? PROVISIONING_LOGGING_DEFAULTS.workbooksEnabled) {
            this.workbooks = new ProvisioningWorkbooks(
                `${name}-workbooks`,
                { ...place, ...portal, identity, workspaceId: this.logs.workspaceId, tenantId: args.tenantId, auditLogsEnabled },
                { parent: this, dependsOn: [this.insightsRegistration, workspaceReady] },
            );
        }
        if (args.savedQueriesEnabled ?? PROVISIONING_LOGGING_DEFAULTS.savedQueriesEnabled) {
            this.queries = new ProvisioningQueries(
                `${name}-queries`,
                { ...place, queryPackName: `pack-entra-provisioning-${args.instanceName}` },
                { parent: this, dependsOn: [this.operationalInsightsRegistration, workspaceReady] },
            );
        }
        if (args.dashboardName) {
            this.portalRegistration = registration("portal-registration", "Microsoft.Portal");
            this.dashboard = new ProvisioningDashboard(
                `${name}-dashboard`,
                {
                    ...place,
                    ...portal,
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
                    // A workspace the stack doesn't manage may have a cap nobody here knows of: watch it.
                    dailyCapEnabled: args.dailyQuotaGb !== undefined || args.existingWorkspaceId !== undefined,
                    logsPortalUrl: this.logsPortalUrl,
                    workbookUrl: this.workbooks?.urls["provisioning-overview"],
                    ...portal,
                    tags: args.tags,
                },
                // Log search alerts and action groups are Microsoft.Insights resources.
                { parent: this, dependsOn: [this.insightsRegistration, workspaceReady] },
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

/** The workspace's name: the one to create, or the existing one's. */
function workspaceNameOf(args: ProvisioningLoggingArgs): pulumi.Output<string> {
    return args.existingWorkspaceId === undefined
        ? pulumi.output(args.workspaceName as pulumi.Input<string>)
        : pulumi.output(args.existingWorkspaceId).apply((id) => String(workspaceIdParts(id)?.workspaceName));
}

/** The workspace arguments of {@link ProvisioningLogsWorkspace}: a workspace to create, or the existing one (and its table's retention only when managed). */
function workspaceChoice(name: string, args: ProvisioningLoggingArgs): Partial<ProvisioningLogsWorkspaceArgs> {
    if (args.existingWorkspaceId === undefined && args.workspaceName === undefined) {
        throw new Error(`ProvisioningLogging ${name}: give workspaceName (a workspace to create) or existingWorkspaceId`);
    }
    const [problem] = workspaceChoiceProblems({
        existing: args.existingWorkspaceId !== undefined,
        manageExistingWorkspaceRetention: args.manageExistingWorkspaceRetention ?? false,
        given: (k) => args[k] !== undefined && args[k] !== false,
    });
    switch (problem?.kind) {
        case "manage-without-existing":
            throw new Error(`ProvisioningLogging ${name}: manageExistingWorkspaceRetention applies only with existingWorkspaceId`);
        case "new-workspace-args":
            throw new Error(
                `ProvisioningLogging ${name}: ${problem.args.join(", ")} ${problem.args.length === 1 ? "describes" : "describe"} a workspace to create and ${problem.args.length === 1 ? "does" : "do"} not apply with existingWorkspaceId`,
            );
        case "unowned-table-retention":
            throw new Error(
                `ProvisioningLogging ${name}: ${problem.args.join(", ")} would change a workspace the component doesn't own; set manageExistingWorkspaceRetention to do it on purpose`,
            );
        case "manage-needs-retention":
            throw new Error(
                `ProvisioningLogging ${name}: manageExistingWorkspaceRetention needs provisioningLogsRetentionInDays (the existing workspace's own retention is unknown)`,
            );
    }
    if (args.existingWorkspaceId === undefined) {
        const retentionInDays = args.retentionInDays ?? PROVISIONING_LOGGING_DEFAULTS.retentionInDays;
        const tableRetentionInDays = args.provisioningLogsRetentionInDays ?? retentionInDays;
        return {
            workspaceName: args.workspaceName,
            retentionInDays,
            tableRetentionInDays,
            tableTotalRetentionInDays: args.provisioningLogsTotalRetentionInDays ?? tableRetentionInDays,
            dailyQuotaGb: args.dailyQuotaGb,
            disableLocalAuth: args.disableLocalAuth,
        };
    }
    if (!args.manageExistingWorkspaceRetention) {
        return { existingWorkspaceId: args.existingWorkspaceId };
    }
    const tableRetentionInDays = args.provisioningLogsRetentionInDays as number;
    return {
        existingWorkspaceId: args.existingWorkspaceId,
        tableRetentionInDays,
        tableTotalRetentionInDays: args.provisioningLogsTotalRetentionInDays ?? tableRetentionInDays,
    };
}
