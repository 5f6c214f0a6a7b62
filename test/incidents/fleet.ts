import { type AppPlan, DAY, HOUR, MINUTE } from "./activity";
import { type Incident, makeIncident } from "./incident";
import { Random } from "./random";
import { type App, FAILURES, makeApp } from "./records";
import { MONDAY, WARM_UP } from "./scenarios";

/** The size of the many-apps incident. */
export interface FleetSize {
    /** Applications with a provisioning job, 10–5,000. Defaults to 1,000. */
    readonly apps?: number;
    /** Days of the replay range, 2–35 (rows start two days earlier). Defaults to 2. */
    readonly days?: number;
}

// Weekday changes a day by kind of app: many small apps, some medium, a few busy ones, so that the
// fleet logs about 100 rows per app and day over a week (30 days × 1,000 apps ≈ 3 million rows).
const TIERS = [
    { share: 0.6, perDay: 18, users: 200 },
    { share: 0.3, perDay: 190, users: 2000 },
    { share: 0.1, perDay: 500, users: 8000 },
] as const;
/** Sum of busyness over a weekday's hours (activity.ts): changes a day = rate × this. */
const WEEKDAY_HOURS = 10 * 1 + 4 * 0.4 + 10 * 0.15;

function whole(name: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`thousandApps: ${name} must be a whole number from ${min} to ${max} (got ${value}).`);
    }
    return value;
}

/**
 * A tenant with many apps (1,000 by default), quiet but for four planted problems: a failure burst,
 * a mass disable, a quarantine and a silent app. Its rows are generated lazily, app by app, so the
 * bench can write 30 days × 1,000 apps (about 3 million rows) without holding them.
 */
export function thousandApps(size: FleetSize = {}): Incident {
    const count = whole("apps", size.apps ?? 1000, 10, 5000);
    const days = whole("days", size.days ?? 2, 2, 35);
    const from = MONDAY;
    const to = MONDAY + days * DAY;
    const start = from - WARM_UP;
    const apps: App[] = [];
    const plans: AppPlan[] = [];
    const planted = {
        burst: Math.floor(count * 0.137),
        disable: Math.floor(count * 0.512),
        quarantine: Math.floor(count * 0.777),
        silent: Math.floor(count * 0.9),
    };
    const busy = new Set(Object.values(planted));
    for (let i = 0; i < count; i++) {
        const rng = new Random(`fleet/${i}`);
        const r = rng.next();
        const tier = busy.has(i) ? TIERS[2] : r < TIERS[0].share ? TIERS[0] : r < TIERS[0].share + TIERS[1].share ? TIERS[1] : TIERS[2];
        const a = makeApp(`Contoso App ${String(i + 1).padStart(4, "0")}`, tier.users, rng.next() < 0.05 ? "entra" : "scim", rng);
        apps.push(a);
        plans.push({ app: a, rate: tier.perDay / WEEKDAY_HOURS, start, end: to });
    }
    const burstAt = to - DAY + 10 * HOUR + 12 * MINUTE;
    const disableAt = from + 15 * HOUR + 5 * MINUTE;
    const firstFailure = from + 8 * HOUR;
    const quarantined = firstFailure + 90 * MINUTE;
    const silentFrom = from + 12 * HOUR;
    const retries = [6, 12, 24].map((h) => firstFailure + h * HOUR);
    for (let t = firstFailure + 2 * DAY; t < to; t += DAY) {
        retries.push(t);
    }
    const change = (i: number, more: Partial<AppPlan>) => {
        plans[i] = { ...plans[i], ...more };
    };
    change(planted.burst, {
        batches: [
            { at: burstAt, count: 60, change: "Update", failure: FAILURES.lookup },
            { at: burstAt + 2 * HOUR, count: 60, change: "Update" },
        ],
    });
    change(planted.disable, { batches: [{ at: disableAt, count: 300, change: "Disable" }] });
    change(planted.quarantine, {
        failing: [{ from: firstFailure, to, failure: FAILURES.scimError }],
        gaps: [{ from: quarantined, to }],
        extraCycles: retries.map((t) => ({ at: t })),
    });
    change(planted.silent, { gaps: [{ from: silentFrom, to }] });
    const byApp = (a: App) => ({ App: a.name, JobId: a.jobId });
    const iso = (ms: number) => new Date(ms).toISOString();
    const q = apps[planted.quarantine];
    return makeIncident({
        name: "thousand-apps",
        about: `A tenant of ${count} apps of every size logs ${days} ordinary days (about 100 events per app and day, in 40-minute cycles: how-provisioning-works.md) with four planted problems the rules must page about: a failure burst in ${apps[planted.burst].name}, 300 disables in ${apps[planted.disable].name}, a quarantine of ${q.name} still going at the end (which failureSpike pages about too), and ${apps[planted.silent].name} silent from the first day's noon on; provisioningStopped and logsAtRisk stay quiet.`,
        from,
        to,
        plans,
        audit: [
            {
                app: q,
                at: quarantined,
                activity: "Quarantine",
                by: "service",
                description:
                    "The provisioning job was placed in quarantine. Error: EncounteredQuarantineException: the target application rejected the credentials.",
            },
        ],
        ingestionDelayMs: [3 * MINUTE, 3 * MINUTE],
        problems: {
            failureSpike: [
                { dimensions: byApp(apps[planted.burst]), startedAt: iso(burstAt), endedAt: iso(burstAt + 90 * MINUTE) },
                { dimensions: byApp(q), startedAt: iso(firstFailure) },
            ],
            disableDeleteSpike: [{ dimensions: byApp(apps[planted.disable]), startedAt: iso(disableAt), endedAt: iso(disableAt + HOUR) }],
            quarantine: [{ dimensions: { App: q.name }, startedAt: iso(quarantined) }],
            appSilent: [{ dimensions: byApp(apps[planted.silent]), startedAt: iso(silentFrom) }],
        },
        quiet: ["provisioningStopped", "logsAtRisk"],
    });
}
