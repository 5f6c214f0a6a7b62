import type { ReplayAlert, ReplayRule } from "./engine";

/**
 * What a replay shows of a rule on a known timeline: for each problem the rule must page about,
 * how long after it started the first notification came and how long after it ended the alert
 * resolved; and every alert that pages about nothing, the false alerts.
 */

/** A problem an on-call engineer needs paged about (dimensions as the rule's query computes them). */
export interface KnownProblem {
    readonly dimensions: Readonly<Record<string, string>>;
    readonly startedAt: string;
    /** Undefined: still going at the end of the replay. */
    readonly endedAt?: string;
}

export interface ProblemMeasure {
    readonly problem: KnownProblem;
    /** From the problem's start to its first notification (ms); undefined when it was missed. */
    readonly detectionMs?: number;
    /** From the problem's end to its alert's resolution (ms), for an alert that resolved by itself. */
    readonly resolveMs?: number;
    /** How its alert ended: resolved by itself, still open at the end of the replay, or closed by hand (stateless rules). */
    readonly ending: "resolved" | "open" | "by hand" | "missed";
    /** Alerts after the first about the same problem (stateless rules firing again). */
    readonly repeats: number;
    /** Of those, the ones that notified again. */
    readonly repeatNotifications: number;
}

export interface RuleMeasure {
    readonly rule: string;
    readonly problems: readonly ProblemMeasure[];
    /** Alerts that match no problem: each a page or notification about nothing. */
    readonly falseAlerts: readonly ReplayAlert[];
}

/**
 * Matches alerts with problems: an alert is about a problem when it is of the rule, its dimensions
 * include the problem's, and it fired between the problem's start and its end plus the longest the
 * rule can take to see it (its time range, a frequency and the slowest ingestion).
 */
export function measure(
    rule: ReplayRule,
    alerts: readonly ReplayAlert[],
    problems: readonly KnownProblem[],
    options: { readonly to: string; readonly maxIngestionDelayMs: number },
): RuleMeasure {
    const mine = alerts.filter((a) => a.rule === rule.id);
    const used = new Set<ReplayAlert>();
    const slack = rule.rangeMs + rule.frequencyMs + options.maxIngestionDelayMs;
    const measured = problems.map((p): ProblemMeasure => {
        const start = Date.parse(p.startedAt);
        const end = Date.parse(p.endedAt ?? options.to);
        const about = mine.filter(
            (a) =>
                Object.entries(p.dimensions).every(([k, v]) => a.dimensions[k] === v) &&
                Date.parse(a.firedAt) >= start &&
                Date.parse(a.firedAt) <= end + slack,
        );
        for (const a of about) {
            used.add(a);
        }
        const first = about.find((a) => a.notified);
        if (!first) {
            return { problem: p, ending: "missed", repeats: 0, repeatNotifications: 0 };
        }
        const rest = about.slice(about.indexOf(first) + 1);
        const ending = !rule.autoMitigate ? "by hand" : first.resolvedAt ? "resolved" : "open";
        return {
            problem: p,
            detectionMs: Date.parse(first.firedAt) - start,
            ...(first.resolvedAt && p.endedAt ? { resolveMs: Date.parse(first.resolvedAt) - Date.parse(p.endedAt) } : {}),
            ending,
            repeats: rest.length,
            repeatNotifications: rest.filter((a) => a.notified).length,
        };
    });
    return { rule: rule.id, problems: measured, falseAlerts: mine.filter((a) => !used.has(a)) };
}

/** `1h 05m`, `2d 3h`, `12m`: a duration as the README's table shows it. */
export function humanDuration(ms: number): string {
    const minutes = Math.round(ms / 60_000);
    const sign = minutes < 0 ? "−" : "";
    const m = Math.abs(minutes);
    const d = Math.floor(m / 1440);
    const h = Math.floor((m % 1440) / 60);
    const rest = m % 60;
    if (d > 0) {
        return `${sign}${d}d${h ? ` ${h}h` : ""}`;
    }
    if (h > 0) {
        return `${sign}${h}h${rest ? ` ${String(rest).padStart(2, "0")}m` : ""}`;
    }
    return `${sign}${rest}m`;
}
