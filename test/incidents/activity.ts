/**
 * How an app's provisioning job logs over time, as Microsoft documents the service:
 * - after the initial cycle, incremental cycles run "approximately every 40 minutes as long as the
 *   Microsoft Entra provisioning service is running" (MicrosoftDocs/entra-docs
 *   docs/identity/saas-apps/aws-single-sign-on-provisioning-tutorial.md, commit 0236bf3107d34e24cbc4a5f5972104628da43032;
 *   the same sentence is in each gallery app's tutorial);
 * - an incremental cycle processes only the users "updated since the last watermark", and the logs
 *   record the operations it performs, so a cycle with no change logs nothing and a cycle after a
 *   pause processes everything that changed meanwhile (docs/identity/app-provisioning/how-provisioning-works.md,
 *   "Incremental cycles"); removing a user from scope, or disabling them in the source, "disables the
 *   user in the target system";
 * - a restart runs a new initial cycle, which evaluates every object in scope again (same page), so
 *   unchanged users are logged as skipped ("The state of the entry in both the source and target systems
 *   already match");
 * - in quarantine, "the frequency of incremental cycles is gradually reduced to once per day": retries
 *   "6 hours" after the first failure, then "12 hours" and "24 hours" after it, then "every 24 hours"
 *   (docs/identity/app-provisioning/application-provisioning-quarantine-status.md, commit bdc671de841501632e3c36f31054146a866ea4ac).
 * How many users change, and when, is this library's choice: business hours on weekdays in UTC.
 */
import { type App, type Change, FAILURES, type Failure, type ProvisioningEvent, provisioningRow, type Row } from "./records";
import type { Random } from "./random";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const CYCLE_PERIOD = 40 * MINUTE;

export interface Window {
    readonly from: number;
    readonly to: number;
}

/** Changes added to the first cycle at or after `at` (a mass disable, a burst of failing updates). */
export interface Batch {
    readonly at: number;
    readonly count: number;
    readonly change: Change;
    readonly failure?: Failure;
}

/** Changes that land once a day at an hour (an HR leaver batch, an app whose source changes once a day). */
export interface DailyBatch {
    /** UTC hour. */
    readonly hour: number;
    readonly min: number;
    readonly max: number;
    /** One kind of change, or "mix" for the usual mix of an app's changes. */
    readonly change: Change | "mix";
    /** On the day starting at `day` (ms), the batch comes `hours` late. */
    readonly late?: { readonly day: number; readonly hours: number };
}

/** A cycle outside the 40-minute cadence: a quarantine retry, or the initial cycle of a restart. */
export interface ExtraCycle {
    readonly at: number;
    /** A restart's initial cycle: every user in scope is evaluated; the changes since `since` are exported. */
    readonly initial?: { readonly since: number };
}

/** What happens to one app's provisioning job over an incident. */
export interface AppPlan {
    readonly app: App;
    /** Changes per hour in weekday business hours (0: the app changes only through its batches). */
    readonly rate: number;
    /** Share of ordinary changes that fail (a few users with bad data). Defaults to 0.003. */
    readonly failShare?: number;
    /** The job's first cycle is at or after this (ms); changes count from here. */
    readonly start: number;
    readonly end: number;
    /** The cadence stops (a pause, a stuck job, quarantine): changes pile up for the next cycle. */
    readonly gaps?: readonly Window[];
    /** Every change of a cycle starting in a window fails (invalid credentials, an outage). */
    readonly failing?: readonly (Window & { readonly failure: Failure })[];
    readonly extraCycles?: readonly ExtraCycle[];
    readonly batches?: readonly Batch[];
    readonly daily?: readonly DailyBatch[];
    /** Users failing at every cycle, whatever else changed (a handful of users with bad data). */
    readonly steadyFailures?: { readonly min: number; readonly max: number; readonly failure: Failure };
}

/**
 * How busy the source directory is at a time, relative to weekday business hours (08–18 UTC): evenings
 * 0.4, nights 0.15, weekends a third of that.
 */
export function busyness(ms: number): number {
    const date = new Date(ms);
    const hour = date.getUTCHours();
    const day = date.getUTCDay();
    const byHour = hour >= 8 && hour < 18 ? 1 : hour >= 18 && hour < 22 ? 0.4 : 0.15;
    return day === 0 || day === 6 ? byHour * 0.35 : byHour;
}

/** Changes expected between two times for an app with `rate` changes per hour at the weekday peak. */
export function expectedChanges(rate: number, from: number, to: number): number {
    if (rate <= 0 || to <= from) {
        return 0;
    }
    let total = 0;
    for (let t = from; t < to; t += HOUR) {
        const step = Math.min(HOUR, to - t);
        total += rate * busyness(t + step / 2) * (step / HOUR);
    }
    return total;
}

// The usual mix of an app's changes: mostly attribute updates, some joiners, users out of scope that
// need nothing, few leavers.
const MIX: readonly (readonly [Change, number])[] = [
    ["Update", 0.7],
    ["Create", 0.09],
    ["Skip", 0.18],
    ["Disable", 0.025],
    ["Delete", 0.005],
];

function mixedChange(rng: Random): Change {
    let r = rng.next();
    for (const [change, share] of MIX) {
        if (r < share) {
            return change;
        }
        r -= share;
    }
    return "Update";
}

interface Planned {
    readonly change: Change;
    readonly failure?: Failure;
}

function inside(ms: number, windows: readonly Window[] | undefined): Window | undefined {
    return windows?.find((w) => ms >= w.from && ms < w.to);
}

/** The daily batches due in (from, to]. */
function dailyDue(plan: AppPlan, from: number, to: number, rng: Random): Planned[] {
    const due: Planned[] = [];
    for (const batch of plan.daily ?? []) {
        for (let day = Math.floor(from / DAY) * DAY; day <= to; day += DAY) {
            const late = batch.late && batch.late.day === day ? batch.late.hours * HOUR : 0;
            const at = day + batch.hour * HOUR + late;
            if (at > from && at <= to) {
                const count = rng.int(batch.min, batch.max);
                for (let i = 0; i < count; i++) {
                    due.push({ change: batch.change === "mix" ? mixedChange(rng) : batch.change });
                }
            }
        }
    }
    return due;
}

/**
 * The AADProvisioningLogs rows of one app's job, lazily, cycle by cycle. `delay` gives each row's
 * ingestion delay (ms); all randomness comes from `rng`, the app's own stream.
 */
export function* appRows(plan: AppPlan, rng: Random, delay: (rng: Random) => number): Generator<Row> {
    const extras = [...(plan.extraCycles ?? [])].sort((a, b) => a.at - b.at);
    let extraIndex = 0;
    let previous = plan.start;
    let next = plan.start + rng.between(0, CYCLE_PERIOD);
    let lastEnd = Number.NEGATIVE_INFINITY;
    for (;;) {
        // The cadence skips gaps: the first cycle after one runs a few minutes after it ends.
        for (let gap = inside(next, plan.gaps); gap; gap = inside(next, plan.gaps)) {
            next = gap.to + rng.between(1, 10) * MINUTE;
        }
        const extra = extras[extraIndex];
        let at: number;
        let initial: ExtraCycle["initial"];
        if (extra && extra.at <= next) {
            at = Math.max(extra.at, lastEnd + MINUTE);
            initial = extra.initial;
            extraIndex++;
        } else {
            at = Math.max(next, lastEnd + MINUTE);
            next = at + CYCLE_PERIOD + rng.between(-2, 2) * MINUTE;
        }
        if (at >= plan.end) {
            return;
        }
        const planned = cycleChanges(plan, previous, at, initial, rng);
        previous = at;
        if (planned.length === 0) {
            continue;
        }
        const cycleId = rng.uuid();
        let t = at + rng.between(20, 90) * 1000;
        for (const item of planned) {
            const event: ProvisioningEvent = {
                app: plan.app,
                at: Math.round(t),
                received: Math.round(t + delay(rng)),
                cycleId,
                change: item.change,
                user: rng.int(0, plan.app.users - 1),
                failure: item.failure,
            };
            yield provisioningRow(event, rng);
            t += rng.between(0.4, 3.5) * 1000;
        }
        lastEnd = t;
    }
}

/** What one cycle at `at` exports: the changes since `previous`, its batches, and the outcome of each. */
function cycleChanges(plan: AppPlan, previous: number, at: number, initial: ExtraCycle["initial"], rng: Random): Planned[] {
    const failing = plan.failing?.find((w) => at >= w.from && at < w.to);
    const failShare = plan.failShare ?? 0.003;
    const planned: Planned[] = [];
    const changed = rng.poisson(expectedChanges(plan.rate, initial ? initial.since : previous, at));
    for (let i = 0; i < Math.min(changed, plan.app.users); i++) {
        const change = mixedChange(rng);
        const fails = change !== "Skip" && rng.next() < failShare;
        planned.push({ change, failure: fails ? FAILURES.joining : undefined });
    }
    for (const batch of plan.batches ?? []) {
        if (batch.at > previous && batch.at <= at) {
            for (let i = 0; i < batch.count; i++) {
                planned.push({ change: batch.change, failure: batch.failure });
            }
        }
    }
    planned.push(...dailyDue(plan, previous, at, rng));
    if (plan.steadyFailures) {
        const count = rng.int(plan.steadyFailures.min, plan.steadyFailures.max);
        for (let i = 0; i < count; i++) {
            planned.push({ change: "Update", failure: plan.steadyFailures.failure });
        }
    }
    if (initial) {
        // An initial cycle evaluates every user in scope; those that didn't change are skipped.
        while (planned.length < plan.app.users) {
            planned.push({ change: "Skip" });
        }
    }
    shuffle(planned, rng);
    if (!failing) {
        return planned;
    }
    // Against a target that rejects every call, every export fails; what needs no export is still skipped.
    return planned.map((p) => (p.change === "Skip" ? p : { change: p.change, failure: failing.failure }));
}

function shuffle<T>(items: T[], rng: Random): void {
    for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
    }
}
