import { type AlertOperator, BUILT_IN_ROLE_IDS } from "../azure/armFacts";
import { type KqlParameter, loadQueryWith } from "./queries";

/**
 * The alert rules this program ships: what each watches, its query file, the result columns Azure
 * reads, and defaults that each stack can override (`alertOverrides` in Pulumi.yaml). Rules cover
 * every application of the tenant by splitting on dimensions, so their number never grows with apps.
 */

export const ALERT_RULE_IDS = [
    "failureSpike",
    "provisioningStopped",
    "appSilent",
    "disableDeleteSpike",
    "quarantine",
    "logsAtRisk",
] as const;
export type AlertRuleId = (typeof ALERT_RULE_IDS)[number];

// Azure's rules for log search alerts live with the policy pack, which must stay self-contained
// (it is published on its own); the program validates config against the same facts.
export { ALERT_FREQUENCIES, ALERT_OPERATORS, ALERT_WINDOWS, durationMinutes } from "../azure/armFacts";
export type { AlertOperator } from "../azure/armFacts";

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
    const knobs: Partial<Record<AlertRuleId, Partial<AlertRuleSettings>>> = {
        disableDeleteSpike: { ratio: 0 },
        appSilent: { minBaselineEvents: 20 },
    };
    return Object.fromEntries(ALERT_RULE_IDS.map((id) => [id, { ...ALERT_CATALOG[id].defaults, ...knobs[id], ...given[id] }])) as Record<
        AlertRuleId,
        AlertRuleSettings
    >;
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
    /** How the alert ends, with the catalog's defaults; shown in the alert. */
    readonly resolves: string;
    /** Numeric result column compared with the threshold; none means the rule counts result rows. */
    readonly measure?: string;
    /** What one result row is, when the rule counts rows, e.g. "silent applications". */
    readonly rows?: string;
    /** Result columns each alert is split by: one alert per application. */
    readonly dimensions: readonly string[];
    /**
     * The time range the query needs when it is longer than the window (ISO 8601, at most P2D, the
     * longest a log search alert can query); the rule then sets overrideQueryTimeRange to it.
     */
    readonly queryRange?: string;
    /**
     * Whether ARM skips validating the query when the rule is created: true where the query's table
     * may not resolve yet in a new workspace (Entra's tables, until the diagnostic setting's first
     * rows), false where it always does (`_LogOperation`, over the Operation table every workspace has).
     */
    readonly skipQueryValidation: boolean;
    /**
     * The query takes each event in exactly one hourly evaluation (by an hour of ingestion or of
     * age written as `ago()` literals, the only form alert queries allow), so it reports each event
     * once and stays open until closed: its frequency is PT1H and autoMitigate false, and the
     * settings refuse others.
     */
    readonly hourlySlot?: boolean;
    readonly defaults: AlertTuning;
}

const every15Minutes = { frequency: "PT15M", window: "PT1H", periods: 1, failingPeriods: 1, autoMitigate: true } as const;

/**
 * What each rule stands for, and why its alert is in the state of the problem:
 * - a condition a sliding window holds whole (failures and disables/deletes in the last hour, an
 *   app silent longer than its rhythm, a daily-cap event in the last day) resolves by itself (autoMitigate) once
 *   the window no longer sees it;
 * - a condition that can outlast the two days a log search alert can query and whose end the logs
 *   don't mark (a quarantine of up to four weeks, a tenant-wide stop) fires once, when it starts,
 *   and is closed by hand (autoMitigate false, {@link AlertDefinition.hourlySlot}): resolving it when
 *   its evidence ages out of the query would report a problem fixed while it is still there, and
 *   firing at every evaluation would page the on-call every hour for the same problem.
 */
export const ALERT_CATALOG: Readonly<Record<AlertRuleId, AlertDefinition>> = {
    failureSpike: {
        id: "failureSpike",
        query: "failure-spike",
        slug: "failure-spike",
        title: "Provisioning failures spiked for an application",
        runbook:
            "Open the provisioning logs of the app in the alert (Entra ID > Enterprise applications > the app > Provisioning logs, filter Status = Failure), read the error codes and fix the mapping, scoping or target-app credentials.",
        resolves: "Resolves by itself once the app's failures in the window are back under the threshold.",
        measure: "Failures",
        dimensions: ["App", "JobId"],
        skipQueryValidation: true,
        defaults: { enabled: true, severity: 2, operator: "GreaterThanOrEqual", threshold: 10, ...every15Minutes },
    },
    provisioningStopped: {
        id: "provisioningStopped",
        query: "provisioning-stopped",
        slug: "provisioning-stopped",
        title: "No provisioning events in the tenant",
        runbook:
            "Check that provisioning jobs are running (Entra ID > Enterprise applications > Provisioning), that no job is in quarantine, and that the tenant diagnostic setting still sends ProvisioningLogs to this workspace.",
        resolves:
            "Fires once, the hour the tenant has been silent for a day, and does not resolve by itself: close it once provisioning runs again (a workspace that never had an event never raises it).",
        rows: "tenants silent for a day",
        dimensions: [],
        skipQueryValidation: true,
        queryRange: "P2D",
        hourlySlot: true,
        defaults: {
            enabled: true,
            severity: 2,
            operator: "GreaterThan",
            threshold: 0,
            frequency: "PT1H",
            window: "P1D",
            periods: 1,
            failingPeriods: 1,
            autoMitigate: false,
        },
    },
    appSilent: {
        id: "appSilent",
        query: "app-silent",
        slug: "app-silent",
        title: "An application stopped logging provisioning events",
        runbook:
            "The app in the alert logged no provisioning event for longer than its rhythm allows (over a day, and over 1.5 times its longest gap) although it is watched (named in alertSilentApps, or busy). Check its provisioning job status and last cycle (npm run verify shows each job's state); an app with nothing to change is quiet by design (raise minBaselineEvents or remove it from alertSilentApps).",
        resolves:
            "Resolves by itself once the app logs again; an app not named in alertSilentApps also once its last event is two days old (the query sees two days at most).",
        rows: "silent applications",
        dimensions: ["App", "JobId"],
        skipQueryValidation: true,
        queryRange: "P2D",
        defaults: {
            enabled: true,
            severity: 3,
            operator: "GreaterThan",
            threshold: 0,
            frequency: "PT1H",
            window: "P1D",
            periods: 1,
            failingPeriods: 1,
            autoMitigate: true,
        },
    },
    disableDeleteSpike: {
        id: "disableDeleteSpike",
        query: "disable-delete-spike",
        slug: "disable-delete-spike",
        title: "Mass disables or deletes in an application",
        runbook:
            "Many accounts were disabled or deleted in the app in the alert. Check for a scoping filter, group assignment or source attribute change; stop the job (Provisioning > Stop) if it is not intended.",
        resolves: "Resolves by itself once the app's disables and deletes in the window are back under the threshold.",
        measure: "DisablesAndDeletes",
        dimensions: ["App", "JobId"],
        skipQueryValidation: true,
        defaults: { enabled: true, severity: 1, operator: "GreaterThan", threshold: 25, ...every15Minutes },
    },
    quarantine: {
        id: "quarantine",
        query: "quarantine",
        slug: "quarantine",
        title: "A provisioning job is in quarantine",
        runbook:
            "Open the app's Provisioning page to see the quarantine reason (often invalid target credentials or too many failures), fix it, then restart provisioning. npm run verify shows each job's state from Microsoft Graph.",
        resolves:
            "Fires once per quarantine and does not resolve by itself: the alert stays open for the whole quarantine (up to four weeks; no audit event marks its end); close it once the job runs again.",
        rows: "quarantine events",
        dimensions: ["App"],
        skipQueryValidation: true,
        hourlySlot: true,
        defaults: {
            enabled: true,
            severity: 1,
            operator: "GreaterThan",
            threshold: 0,
            frequency: "PT1H",
            window: "P2D",
            periods: 1,
            failingPeriods: 1,
            autoMitigate: false,
        },
    },
    logsAtRisk: {
        id: "logsAtRisk",
        query: "logs-at-risk",
        slug: "logs-at-risk",
        title: "The workspace is over its daily cap: provisioning logs are being dropped",
        runbook:
            "Ingestion stopped until the cap resets. Raise or remove the daily cap (dailyQuotaGb) and find what ingested unexpectedly (Usage table).",
        resolves: "Resolves by itself once the window holds no daily-cap event: up to a window (a day by default) after the cap was hit.",
        rows: "daily-cap events",
        dimensions: [],
        skipQueryValidation: false,
        defaults: {
            enabled: true,
            severity: 1,
            operator: "GreaterThan",
            threshold: 0,
            frequency: "PT15M",
            window: "P1D",
            periods: 1,
            failingPeriods: 1,
            autoMitigate: true,
        },
    },
};

/** The stack's settings an alert query takes besides its rule's: the apps the rules watch. */
export interface AlertQueryOptions {
    /** Application names or job IDs the failure and disable/delete rules watch; none = all. */
    readonly apps?: readonly string[];
    /** App names or job IDs the app-silent rule always watches. */
    readonly silentApps?: readonly string[];
    /** Whether the workspace receives AuditLogs: the app-silent rule then leaves out paused jobs. */
    readonly auditLogsEnabled?: boolean;
}

/** The query a rule deploys: its file with the values the program sets from stack config. */
export function alertQuery(id: AlertRuleId, rule: AlertRuleSettings, args: AlertQueryOptions, dir?: string): string {
    return loadQueryWith(ALERT_CATALOG[id].query, queryParameters(id, rule, args), dir);
}

/** The values the program sets in each rule's query file. */
function queryParameters(id: AlertRuleId, rule: AlertRuleSettings, args: AlertQueryOptions): Record<string, KqlParameter> {
    // No time parameter: a rule's time range is its windowSize (or overrideQueryTimeRange), and alert
    // queries may use ago() with timespan literals only (Learn, "Create or edit a log search alert rule").
    switch (id) {
        case "failureSpike":
            return { Apps: args.apps ?? [] };
        case "disableDeleteSpike":
            return { Apps: args.apps ?? [], MinRatio: rule.ratio ?? 0 };
        case "appSilent":
            return {
                WatchedApps: args.silentApps ?? [],
                MinBaselineEvents: rule.minBaselineEvents ?? 20,
                ...(args.auditLogsEnabled ? { PausedJobs: { query: "paused-jobs" } } : {}),
            };
        default:
            return {};
    }
}

/** Built-in Azure roles an action group can notify (armrole receivers), by name. */
export const ARM_ROLE_IDS: Readonly<Record<string, string>> = BUILT_IN_ROLE_IDS;
