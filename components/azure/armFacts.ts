/**
 * Facts about Azure that the components, the settings layer, the tools and the policy pack must agree
 * on, defined here. The policy pack keeps its own copy so it stays self-contained (it installs without
 * this package); test/policies/armFacts.test.ts keeps the two equal, line for line.
 */

/** The Log Analytics table Entra writes provisioning logs to. */
export const PROVISIONING_LOGS_TABLE = "AADProvisioningLogs";

/** The Entra diagnostic-setting category of provisioning logs. */
export const PROVISIONING_LOGS_CATEGORY = "ProvisioningLogs";

/** A GUID in any case, as ARM accepts IDs (tenants, subscriptions, roles). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Built-in Azure role definitions by name (the same GUID in every tenant). */
export const BUILT_IN_ROLE_IDS = {
    Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
} as const;

/** The ARM ID of a Log Analytics workspace. */
export function workspaceResourceId(subscriptionId: string, resourceGroupName: string, workspaceName: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${workspaceName}`;
}

// What Azure accepts for log search alert rules (Microsoft.Insights/scheduledQueryRules).

/** Operators a log search alert accepts (the SDK's ConditionOperator enum carries another API's values). */
export const ALERT_OPERATORS = ["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"] as const;
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

/** Evaluation frequencies ARM accepts for log search alerts, shortest first. */
export const ALERT_FREQUENCIES = [
    "PT1M",
    "PT5M",
    "PT10M",
    "PT15M",
    "PT30M",
    "PT45M",
    "PT1H",
    "PT2H",
    "PT3H",
    "PT4H",
    "PT5H",
    "PT6H",
    "P1D",
] as const;
/** Window sizes: the frequencies plus two days. */
export const ALERT_WINDOWS = [...ALERT_FREQUENCIES, "P2D"] as const;

/** Minutes of an ISO 8601 duration of the forms above (PTnM, PTnH, PnD). */
export function durationMinutes(iso: string): number {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
    if (!m || iso === "P" || iso === "PT") {
        return NaN;
    }
    return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
