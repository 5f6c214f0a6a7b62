import { type AlertOperator, BUILT_IN_ROLE_IDS } from "entra-provisioning-logs-policies/armFacts";

/**
 * The alert rules this program ships: what each watches, its query file, the result columns Azure
 * reads, and defaults that each stack can override (`alertOverrides` in Pulumi.yaml). Rules cover
 * every application of the tenant by splitting on dimensions, so their number never grows with apps.
 */

export const ALERT_RULE_IDS = ["failureSpike", "provisioningStopped", "appSilent", "disableDeleteSpike", "quarantine", "logsAtRisk"] as const;
export type AlertRuleId = (typeof ALERT_RULE_IDS)[number];

// Azure's rules for log search alerts live with the policy pack, which must stay self-contained
// (it is published on its own); the program validates config against the same facts.
export { ALERT_FREQUENCIES, ALERT_OPERATORS, ALERT_WINDOWS, durationMinutes } from "entra-provisioning-logs-policies/armFacts";
export type { AlertOperator } from "entra-provisioning-logs-policies/armFacts";

/** What each stack can tune per rule. */
export interface AlertTuning {
    readonly enabled: boolean;
    /** 0 (critical) to 4 (verbose). */
    readonly severity: number;
    readonly operator: AlertOperator;
    readonly threshold: number;
    readonly frequency: string;
    readonly window: string;
    /** Evaluation periods looked at, 1–6. */
    readonly periods: number;
    /** Of those, how many must breach, 1–periods. */
    readonly failingPeriods: number;
    readonly autoMitigate: boolean;
    /** Mute actions this long after firing (ISO 8601); requires autoMitigate false. */
    readonly mute?: string;
}

/** A rule's tuning with the rule-specific knobs. */
export interface AlertRuleSettings extends AlertTuning {
    /** disableDeleteSpike only: minimum share of disables and deletes among an app's actions (0 = off). */
    readonly ratio?: number;
    /** appSilent only: baseline events that make an app "busy" enough to watch. */
    readonly minBaselineEvents?: number;
}

/** Every rule's settings: the catalog's defaults, with what `given` changes. */
export function resolveRules(given: Partial<Record<AlertRuleId, Partial<AlertRuleSettings>>> = {}): Record<AlertRuleId, AlertRuleSettings> {
    const knobs: Partial<Record<AlertRuleId, Partial<AlertRuleSettings>>> = { disableDeleteSpike: { ratio: 0 }, appSilent: { minBaselineEvents: 20 } };
    return Object.fromEntries(ALERT_RULE_IDS.map((id) => [id, { ...ALERT_CATALOG[id].defaults, ...knobs[id], ...given[id] }])) as Record<AlertRuleId, AlertRuleSettings>;
}

/** One rule of the catalog. */
export interface AlertDefinition {
    readonly id: AlertRuleId;
    /** Query file in queries/, without `.kql`. */
    readonly query: string;
    /** Short name, used in the rule's resource name. */
    readonly slug: string;
    readonly title: string;
    /** What fired and what the on-call should do; shown in the alert. */
    readonly runbook: string;
    /** Numeric result column compared with the threshold; none means the rule counts result rows. */
    readonly measure?: string;
    /** Result columns each alert is split by: one alert per application. */
    readonly dimensions: readonly string[];
    readonly defaults: AlertTuning;
}

const every15Minutes = { frequency: "PT15M", window: "PT1H", periods: 1, failingPeriods: 1, autoMitigate: true } as const;

export const ALERT_CATALOG: Readonly<Record<AlertRuleId, AlertDefinition>> = {
    failureSpike: {
        id: "failureSpike",
        query: "failure-spike",
        slug: "failure-spike",
        title: "Provisioning failures spiked for an application",
        runbook:
            "Open the provisioning logs of the app in the alert (Entra ID > Enterprise applications > the app > Provisioning logs, filter Status = Failure), read the error codes and fix the mapping, scoping or target-app credentials.",
        measure: "Failures",
        dimensions: ["App", "JobId"],
        defaults: { enabled: true, severity: 2, operator: "GreaterThan", threshold: 10, ...every15Minutes },
    },
    provisioningStopped: {
        id: "provisioningStopped",
        query: "provisioning-stopped",
        slug: "provisioning-stopped",
        title: "No provisioning events in the tenant",
        runbook:
            "Check that provisioning jobs are running (Entra ID > Enterprise applications > Provisioning), that no job is in quarantine, and that the tenant diagnostic setting still sends ProvisioningLogs to this workspace.",
        measure: "Events",
        dimensions: [],
        defaults: { enabled: true, severity: 2, operator: "LessThan", threshold: 1, frequency: "PT1H", window: "P1D", periods: 1, failingPeriods: 1, autoMitigate: true },
    },
    appSilent: {
        id: "appSilent",
        query: "app-silent",
        slug: "app-silent",
        title: "An application stopped logging provisioning events",
        runbook:
            "The app in the alert was busy in the day before and logged nothing since. Check its provisioning job status and last cycle; an app with nothing to change is quiet by design (raise minBaselineEvents or remove it from alertSilentApps).",
        dimensions: ["App", "JobId"],
        defaults: { enabled: true, severity: 3, operator: "GreaterThan", threshold: 0, frequency: "PT6H", window: "P1D", periods: 1, failingPeriods: 1, autoMitigate: true },
    },
    disableDeleteSpike: {
        id: "disableDeleteSpike",
        query: "disable-delete-spike",
        slug: "disable-delete-spike",
        title: "Mass disables or deletes in an application",
        runbook:
            "Many accounts were disabled or deleted in the app in the alert. Check for a scoping filter, group assignment or source attribute change; stop the job (Provisioning > Stop) if it is not intended.",
        measure: "DisablesAndDeletes",
        dimensions: ["App", "JobId"],
        defaults: { enabled: true, severity: 1, operator: "GreaterThan", threshold: 25, ...every15Minutes },
    },
    quarantine: {
        id: "quarantine",
        query: "quarantine",
        slug: "quarantine",
        title: "A provisioning job was put in quarantine",
        runbook:
            "Open the app's Provisioning page to see the quarantine reason (often invalid target credentials or too many failures), fix it, then restart provisioning.",
        measure: "Quarantines",
        dimensions: ["App"],
        defaults: { enabled: true, severity: 1, operator: "GreaterThan", threshold: 0, ...every15Minutes },
    },
    logsAtRisk: {
        id: "logsAtRisk",
        query: "logs-at-risk",
        slug: "logs-at-risk",
        title: "The workspace hit its daily cap: provisioning logs are being dropped",
        runbook:
            "Ingestion stopped until the cap resets. Raise or remove the daily cap (dailyQuotaGb) and find what ingested unexpectedly (Usage table).",
        measure: "CapHits",
        dimensions: [],
        defaults: { enabled: true, severity: 1, operator: "GreaterThan", threshold: 0, ...every15Minutes },
    },
};

/** Built-in Azure roles an action group can notify (armrole receivers), by name. */
export const ARM_ROLE_IDS: Readonly<Record<string, string>> = BUILT_IN_ROLE_IDS;
