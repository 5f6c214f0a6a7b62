import type { Policies } from "@pulumi/policy";
import { aadiamDiagnosticSettingEnforceProvisioningLogs } from "./aadiam/diagnosticSettingEnforceProvisioningLogs";
import { applicationinsightsWorkbookConfigureIdentity } from "./applicationinsights/workbookConfigureIdentity";
import { loganalyticsTableConfigureRetention } from "./loganalytics/tableConfigureRetention";
import { loganalyticsTableDisallowRetentionDecrease } from "./loganalytics/tableDisallowRetentionDecrease";
import { loganalyticsWorkspaceConfigureRetention } from "./loganalytics/workspaceConfigureRetention";
import { loganalyticsWorkspaceEnforceProtection } from "./loganalytics/workspaceEnforceProtection";
import { monitorActionGroupConfigureReceivers } from "./monitor/actionGroupConfigureReceivers";
import { monitorScheduledQueryRuleConfigureEvaluation } from "./monitor/scheduledQueryRuleConfigureEvaluation";
import { monitorScheduledQueryRuleConfigureFrequency } from "./monitor/scheduledQueryRuleConfigureFrequency";
import { monitorScheduledQueryRuleConfigureSchedule } from "./monitor/scheduledQueryRuleConfigureSchedule";
import { provisioningStackEnforceCompleteness } from "./stack/provisioningEnforceCompleteness";

/** Every policy of the pack. Kept apart from index.ts: constructing a PolicyPack starts its server. */
export const POLICIES: Policies = [
    loganalyticsWorkspaceConfigureRetention,
    loganalyticsTableConfigureRetention,
    loganalyticsTableDisallowRetentionDecrease,
    loganalyticsWorkspaceEnforceProtection,
    aadiamDiagnosticSettingEnforceProvisioningLogs,
    monitorScheduledQueryRuleConfigureEvaluation,
    monitorScheduledQueryRuleConfigureSchedule,
    monitorScheduledQueryRuleConfigureFrequency,
    monitorActionGroupConfigureReceivers,
    applicationinsightsWorkbookConfigureIdentity,
    provisioningStackEnforceCompleteness,
];
