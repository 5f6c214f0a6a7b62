/**
 * The components, for use from another Pulumi program: `import { ProvisioningLogging } from
 * "entra-provisioning-logs/components"`. Each takes its own documented args; none reads stack config.
 */
export { ProvisioningLogging, type ProvisioningLoggingArgs } from "./provisioningLogging";
export { ProvisioningLogsWorkspace, type ProvisioningLogsWorkspaceArgs } from "./provisioningLogsWorkspace";
export { TenantDiagnosticSetting, type DiagnosticSettingDestinations, type TenantDiagnosticSettingArgs } from "./tenantDiagnosticSetting";
export {
    ProvisioningAlerts,
    type AlertReceivers,
    type ProvisioningAlertOptions,
    type ProvisioningAlertsArgs,
    type SkippedRule,
} from "./provisioningAlerts";
export { ProvisioningWorkbooks, type ProvisioningWorkbooksArgs } from "./provisioningWorkbooks";
export { ProvisioningQueries, type ProvisioningQueriesArgs } from "./provisioningQueries";
export { ProvisioningDashboard, type ProvisioningDashboardArgs } from "./provisioningDashboard";
export { ResourceProviderRegistration, type ResourceProviderRegistrationArgs } from "./dynamic/resourceProviderRegistration";
export { TableRetention, type TableRetentionArgs } from "./dynamic/tableRetention";
export { ALERT_RULE_IDS, type AlertRuleId, type AlertRuleSettings } from "./support/alertCatalog";
