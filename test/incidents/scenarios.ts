/**
 * The incident library: timelines of a tenant's provisioning logs, each with what the alert rules must
 * make of it. Every incident happens in the same tenant, whose healthy apps keep logging throughout
 * (so "no events at all" is never true by accident), and starts on Monday 3 March 2025, 00:00 UTC.
 */
import { type AppPlan, DAY, HOUR, MINUTE } from "./activity";
import { type Incident, type IncidentSpec, makeIncident, type Problem, type RuleId } from "./incident";
import { Random } from "./random";
import { type App, FAILURES, makeApp } from "./records";

export const MONDAY = Date.UTC(2025, 2, 3);
/** Rows start this long before `from`: the longest range an alert query reads (P2D). */
export const WARM_UP = 2 * DAY;
/** The ingestion delay of incidents that aren't about it (an assumed typical value). */
const USUAL_DELAY: readonly [number, number] = [3 * MINUTE, 3 * MINUTE];
const ADMIN = { admin: "it-admin@contoso.com" } as const;

/** A named app of the tenant; the same name has the same ids in every incident. */
export function app(name: string, users: number, target: App["target"] = "scim"): App {
    return makeApp(name, users, target, new Random(`app/${name}`));
}

const SERVICENOW = app("ServiceNow", 3000);
const SALESFORCE = app("Salesforce", 5000);
const SLACK = app("Slack", 2500);
const ZOOM = app("Zoom", 2000);
const FABRIKAM = app("Fabrikam (cross-tenant sync)", 1200, "entra");
const DROPBOX = app("Dropbox Business", 1500);
const ATLASSIAN = app("Atlassian Cloud", 1800);
const PAYROLL = app("Contoso Payroll (on-premises)", 900);

/** Changes per hour in weekday business hours, per background app. */
const RATES = new Map<App, number>([
    [SERVICENOW, 14],
    [SALESFORCE, 10],
    [SLACK, 8],
    [ZOOM, 2.5],
    [FABRIKAM, 4],
]);

/** The tenant's healthy apps from `start` to `end`, with `changes` applied per app. */
function tenant(start: number, end: number, changes: Map<App, Partial<AppPlan>> = new Map(), extra: readonly App[] = []): AppPlan[] {
    return [...RATES.keys(), ...extra].map((a) => ({ app: a, rate: RATES.get(a) ?? 0, start, end, ...changes.get(a) }));
}

function at(day: number, hour: number, minute = 0): number {
    return MONDAY + day * DAY + hour * HOUR + minute * MINUTE;
}

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

function byApp(a: App): Record<string, string> {
    return { App: a.name, JobId: a.jobId };
}

/** The rules that aren't `paged`: the incident must leave them quiet. */
function allBut(...paged: RuleId[]): RuleId[] {
    const all: RuleId[] = ["failureSpike", "provisioningStopped", "appSilent", "disableDeleteSpike", "quarantine", "logsAtRisk"];
    return all.filter((r) => !paged.includes(r));
}

function incident(spec: Omit<IncidentSpec, "from" | "ingestionDelayMs"> & Partial<Pick<IncidentSpec, "ingestionDelayMs">>): Incident {
    return makeIncident({ from: MONDAY, ingestionDelayMs: USUAL_DELAY, ...spec });
}

/**
 * ServiceNow rejects 120 users' new location (a value missing from its reference table), logged in
 * the next cycles and again when the service retries them; the admin adds the value at 13:30.
 */
function burstOnServiceNow(): { changes: Map<App, Partial<AppPlan>>; problem: Problem } {
    return {
        changes: new Map([
            [
                SERVICENOW,
                {
                    batches: [
                        { at: at(2, 10, 12), count: 80, change: "Update", failure: FAILURES.lookup },
                        { at: at(2, 10, 50), count: 40, change: "Update", failure: FAILURES.lookup },
                        { at: at(2, 12, 10), count: 120, change: "Update", failure: FAILURES.lookup },
                        { at: at(2, 14, 25), count: 120, change: "Update" },
                    ],
                },
            ],
        ]),
        problem: { dimensions: byApp(SERVICENOW), startedAt: iso(at(2, 10, 12)), endedAt: iso(at(2, 13, 30)) },
    };
}

function failureBurst(): Incident {
    const burst = burstOnServiceNow();
    const to = at(7, 0);
    return incident({
        name: "failure-burst",
        about: "On Wednesday at 10:12 a location rename makes ServiceNow reject 120 users' updates (InvalidLookupReference, its servicenow-provisioning-tutorial's troubleshooting tips), logged in the next cycles and in one retry until the admin adds the value at 13:30 (failed operations are retried in later cycles: how-provisioning-works.md), which failureSpike must page about while every other rule stays quiet.",
        to,
        plans: tenant(MONDAY - WARM_UP, to, burst.changes),
        problems: { failureSpike: [burst.problem] },
        quiet: allBut("failureSpike"),
    });
}

function steadyFailureRate(): Incident {
    const to = at(7, 0);
    return incident({
        name: "steady-failure-rate",
        about: "Slack fails two to four users at every 40-minute cycle for a week (EntryJoiningPropertyValueIsMissing: users without the matching attribute, retried each cycle as how-provisioning-works.md describes), at most 8 failures in any hour, a data-quality chore for business hours rather than a page, so every rule stays quiet.",
        to,
        plans: tenant(
            MONDAY - WARM_UP,
            to,
            new Map([[SLACK, { failShare: 0, steadyFailures: { min: 2, max: 4, failure: FAILURES.joining } }]]),
        ),
        problems: {},
        quiet: allBut(),
    });
}

const LEAVERS = { hour: 2, min: 12, max: 18, change: "Disable" } as const;

function massDisable(): Incident {
    const to = at(7, 0);
    return incident({
        name: "mass-disable",
        about: "On Thursday at 14:05 a scoping filter change takes 400 of Salesforce's 5,000 users out of scope, which the next two cycles disable (out-of-scope users are disabled in the target: how-provisioning-works.md) until the admin restores the filter at 15:30 and they are re-enabled, a mass disable disableDeleteSpike must page about, while the nightly leaver batch of 12 to 18 disables stays below it and every other rule stays quiet.",
        to,
        plans: tenant(
            MONDAY - WARM_UP,
            to,
            new Map([
                [
                    SALESFORCE,
                    {
                        daily: [LEAVERS],
                        batches: [
                            { at: at(3, 14, 5), count: 260, change: "Disable" },
                            { at: at(3, 14, 45), count: 140, change: "Disable" },
                            { at: at(3, 15, 31), count: 400, change: "Update" },
                        ],
                    },
                ],
            ]),
        ),
        problems: { disableDeleteSpike: [{ dimensions: byApp(SALESFORCE), startedAt: iso(at(3, 14, 5)), endedAt: iso(at(3, 15, 30)) }] },
        quiet: allBut("disableDeleteSpike"),
    });
}

function leaverBatch(): Incident {
    const to = at(14, 0);
    return incident({
        name: "leaver-batch",
        about: "For two weeks HR's nightly leaver batch disables 12 to 18 of Salesforce's 5,000 users in the first cycle after 02:00 (users disabled in the source are disabled in the target: how-provisioning-works.md), routine churn below disableDeleteSpike's threshold of 25, so every rule stays quiet.",
        to,
        plans: tenant(MONDAY - WARM_UP, to, new Map([[SALESFORCE, { daily: [LEAVERS] }]])),
        problems: {},
        quiet: allBut(),
    });
}

/** Retries of a quarantined job: 6, 12 and 24 hours after the first failure, then every 24 hours. */
function retries(firstFailure: number, until: number): number[] {
    const times = [6, 12, 24].map((h) => firstFailure + h * HOUR);
    for (let t = firstFailure + 2 * DAY; t < until; t += DAY) {
        times.push(t);
    }
    return times.filter((t) => t < until);
}

function quarantineThreeWeeks(): Incident {
    const to = at(30, 0);
    const firstFailure = at(2, 9, 0);
    const quarantined = at(2, 11, 30);
    const restarted = at(23, 10, 2);
    return incident({
        name: "quarantine-three-weeks",
        about: "Zoom's token expires on Wednesday at 09:00, every export fails, the job enters quarantine at 11:30 and is retried at 6, 12 and 24 hours and then daily (application-provisioning-quarantine-status.md) until the admin updates the credentials and restarts provisioning three weeks later, a quarantine the quarantine rule and failureSpike must page about (appSilent may or may not see one daily retry at its one-day edge, so it is neither required nor false), while provisioningStopped, disableDeleteSpike and logsAtRisk stay quiet.",
        to,
        plans: tenant(
            MONDAY - WARM_UP,
            to,
            new Map([
                [
                    ZOOM,
                    {
                        failing: [{ from: firstFailure, to: restarted, failure: FAILURES.scimError }],
                        gaps: [{ from: quarantined, to: restarted + 2 * MINUTE }],
                        extraCycles: [
                            ...retries(firstFailure, restarted).map((t) => ({ at: t })),
                            { at: restarted + 2 * MINUTE, initial: { since: firstFailure } },
                        ],
                    },
                ],
            ]),
        ),
        audit: [
            {
                app: ZOOM,
                at: quarantined,
                activity: "Quarantine",
                by: "service",
                description:
                    "The provisioning job was placed in quarantine. Error: EncounteredQuarantineException: the target application rejected the credentials.",
            },
            { app: ZOOM, at: restarted - 2 * MINUTE, activity: "Update provisioning setting or credentials", by: ADMIN },
            { app: ZOOM, at: restarted, activity: "Enable/restart provisioning configuration", by: ADMIN },
        ],
        problems: {
            quarantine: [{ dimensions: { App: ZOOM.name }, startedAt: iso(quarantined), endedAt: iso(restarted) }],
            failureSpike: [{ dimensions: byApp(ZOOM), startedAt: iso(firstFailure), endedAt: iso(restarted) }],
        },
        quiet: ["provisioningStopped", "disableDeleteSpike", "logsAtRisk"],
    });
}

function quarantineReleasedNextDay(): Incident {
    const to = at(7, 0);
    const outage = at(2, 9, 0);
    const quarantined = at(2, 10, 30);
    const recovered = at(3, 8, 0);
    const released = outage + DAY;
    return incident({
        name: "quarantine-released-next-day",
        about: "Dropbox's SCIM endpoint is down from Wednesday 09:00 to Thursday 08:00, the job enters quarantine at 10:30, fails its retries at 6 and 12 hours and succeeds at 24 hours, which takes it out of quarantine by itself (application-provisioning-quarantine-status.md), a quarantine and a failure spike the quarantine rule and failureSpike must page about while every other rule stays quiet.",
        to,
        plans: tenant(
            MONDAY - WARM_UP,
            to,
            new Map([
                [
                    DROPBOX,
                    {
                        rate: 20,
                        failing: [{ from: outage, to: recovered, failure: FAILURES.outage }],
                        gaps: [{ from: quarantined, to: released }],
                        extraCycles: retries(outage, released + 1).map((t) => ({ at: t })),
                    },
                ],
            ]),
            [DROPBOX],
        ),
        audit: [
            {
                app: DROPBOX,
                at: quarantined,
                activity: "Quarantine",
                by: "service",
                description:
                    "The provisioning job was placed in quarantine. Error: EncounteredEscrowProportionThreshold: more than 40% of provisioning events failed.",
            },
        ],
        problems: {
            quarantine: [{ dimensions: { App: DROPBOX.name }, startedAt: iso(quarantined), endedAt: iso(released) }],
            failureSpike: [{ dimensions: byApp(DROPBOX), startedAt: iso(outage), endedAt: iso(recovered) }],
        },
        quiet: allBut("quarantine", "failureSpike"),
    });
}

function lateDailyApp(): Incident {
    const to = at(7, 0);
    return incident({
        name: "late-daily-app",
        about: "Contoso Payroll's source changes once a day, so its job logs one batch of 25 to 40 changes in the first cycle after 06:00 and nothing in the other cycles (the logs record only processed changes: how-provisioning-works.md), and on Friday the batch comes three hours late, a late upstream import rather than a broken job, so appSilent and every other rule stay quiet.",
        to,
        plans: tenant(
            MONDAY - WARM_UP,
            to,
            new Map([[PAYROLL, { daily: [{ hour: 6, min: 25, max: 40, change: "mix", late: { day: at(4, 0), hours: 3 } }] }]]),
            [PAYROLL],
        ),
        problems: {},
        quiet: allBut(),
    });
}

function silentApp(): Incident {
    const to = at(10, 0);
    const stuck = at(3, 9, 0);
    const back = at(6, 11, 0);
    return incident({
        name: "silent-app",
        about: "Atlassian Cloud's job, busy every day, stops running cycles on Thursday at 09:00 with no audit event and resumes on Sunday at 11:00, when one cycle exports everything that changed meanwhile (an incremental cycle processes changes since the last watermark: how-provisioning-works.md), a silent app appSilent must page about while every other rule stays quiet.",
        to,
        plans: tenant(MONDAY - WARM_UP, to, new Map([[ATLASSIAN, { rate: 12, gaps: [{ from: stuck, to: back }] }]]), [ATLASSIAN]),
        problems: { appSilent: [{ dimensions: byApp(ATLASSIAN), startedAt: iso(stuck), endedAt: iso(back) }] },
        quiet: allBut("appSilent"),
    });
}

function pausedJob(): Incident {
    const to = at(10, 0);
    const paused = at(3, 16, 0);
    const started = at(7, 9, 0);
    return incident({
        name: "paused-job",
        about: "An admin stops Slack's provisioning on Thursday at 16:00 and starts it again the next Monday at 09:00, both logged in AuditLogs as 'Disable/pause provisioning configuration' and 'Enable/start provisioning configuration' (application-provisioning-when-will-provisioning-finish-specific-user.md), an intended pause nobody needs paging about, so every rule stays quiet even though the busy app is silent for four days.",
        to,
        plans: tenant(MONDAY - WARM_UP, to, new Map([[SLACK, { gaps: [{ from: paused, to: started }] }]])),
        audit: [
            { app: SLACK, at: paused, activity: "Disable/pause provisioning configuration", by: ADMIN },
            { app: SLACK, at: started, activity: "Enable/start provisioning configuration", by: ADMIN },
        ],
        problems: {},
        quiet: allBut(),
    });
}

function newWorkspace(): Incident {
    const to = at(7, 0);
    return incident({
        name: "new-workspace",
        about: "The workspace and the tenant's diagnostic setting are created on Monday at 00:00 and the first provisioning logs arrive two days later (it can take some time before logs appear after first enabling the integration: application-provisioning-log-analytics.md), a workspace without history rather than stopped provisioning, so provisioningStopped, appSilent and every other rule stay quiet.",
        to,
        plans: tenant(at(2, 0), to),
        problems: {},
        quiet: allBut(),
    });
}

function logsStopped(): Incident {
    const to = at(7, 0);
    const removed = at(2, 10, 0);
    const restored = at(4, 10, 0);
    return incident({
        name: "logs-stopped",
        about: "On Wednesday at 10:00 someone deletes the tenant's diagnostic setting in the portal, so no provisioning log reaches the workspace until it is recreated on Friday at 10:00 (logs are sent only while a diagnostic setting routes them: learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings), a tenant-wide stop provisioningStopped must page about; the busy apps then look silent too, which appSilent may report (not judged here), and every other rule stays quiet.",
        to,
        plans: tenant(MONDAY - WARM_UP, to),
        dropped: { from: removed, to: restored },
        problems: { provisioningStopped: [{ dimensions: {}, startedAt: iso(removed), endedAt: iso(restored) }] },
        quiet: allBut("provisioningStopped", "appSilent"),
    });
}

function dailyCapNearReset(): Incident {
    const to = at(7, 0);
    const hit = at(3, 13, 57);
    const reset = at(3, 14, 0);
    return incident({
        name: "daily-cap-near-reset",
        about: "On Thursday the workspace reaches its daily cap at 13:57, three minutes before its reset hour of 14:00, so the provisioning logs arriving in those three minutes are lost and the Operation table records 'Data collection stopped … OverQuota' (daily-cap.md: the reset is a per-workspace hour; monitor-workspace.md), lost logs logsAtRisk must page about however short, while every other rule stays quiet.",
        to,
        plans: tenant(MONDAY - WARM_UP, to),
        capEvents: [{ at: hit }],
        dropped: { from: hit, to: reset },
        problems: { logsAtRisk: [{ dimensions: {}, startedAt: iso(hit), endedAt: iso(reset) }] },
        quiet: allBut("logsAtRisk"),
    });
}

function ingestionDelays(): Incident {
    const burst = burstOnServiceNow();
    const to = at(7, 0);
    return incident({
        name: "ingestion-delays",
        about: "The failure-burst week with every row queryable 2 to 15 minutes after it was generated (Learn's alert troubleshooting: the alert fires once the data arrives, and false alerts can occur on very latent data), so failureSpike must still page about the burst and no rule may alert on data that is merely late.",
        to,
        plans: tenant(MONDAY - WARM_UP, to, burst.changes),
        ingestionDelayMs: [2 * MINUTE, 15 * MINUTE],
        problems: { failureSpike: [burst.problem] },
        quiet: allBut("failureSpike"),
    });
}

/** The incidents of a tenant of a handful of apps, each small enough for a test. */
export function tenantIncidents(): Incident[] {
    return [
        failureBurst(),
        steadyFailureRate(),
        massDisable(),
        leaverBatch(),
        quarantineThreeWeeks(),
        quarantineReleasedNextDay(),
        lateDailyApp(),
        silentApp(),
        pausedJob(),
        newWorkspace(),
        logsStopped(),
        dailyCapNearReset(),
        ingestionDelays(),
    ];
}
