import { durationMinutes } from "../../../components/azure/armFacts";
import type { KqlExecutor, PreparedQuery } from "../kql/executor";
import type { RecordedResource } from "../recorder";
import type { LoadedTable } from "./logs";

/**
 * Replays log search alert rules on exported logs the way Azure Monitor evaluates them, as Learn
 * documents it:
 * - each rule runs every `evaluationFrequency`, over the time range `overrideQueryTimeRange`, else
 *   `windowSize` × `numberOfEvaluationPeriods` (REST spec, scheduledQueryRule_API.json
 *   2025-01-01-preview: "default is WindowSize*NumberOfEvaluationPeriods"), on the rows queryable by
 *   then, with `now()`/`ago()` at the evaluation time;
 * - results are split by the rule's dimensions; each combination's measure (the measure column
 *   aggregated by `timeAggregation`, or the rows counted) is compared with the threshold;
 * - stateful rules (autoMitigate) fire once and resolve when the condition "isn't met" for: 10 min
 *   at a 1-minute frequency, three periods at 5–15 min, two at 15 min–11 h, one at 11–12 h
 *   (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-overview#alerts-and-state), or
 *   `resolveConfiguration.timeToResolve` when set; a stateful rule fires at most 300 alerts per
 *   evaluation (https://learn.microsoft.com/azure/azure-monitor/service-limits#alerts);
 * - stateless rules fire at every evaluation that meets the condition; `muteActionsDuration`
 *   silences the notifications (not the alert) that long after one.
 * Not modelled, because Microsoft doesn't document them: the evaluation's retries for late data
 * ("the system retries the alert evaluation multiple times", alerts-troubleshoot-log) and the exact
 * second of each evaluation. Daily frequencies resolve after one period, which the table above
 * doesn't cover; the timeline marks such rules.
 */

export interface ReplayRule {
    /** The name `alertOverrides` uses (the rule's `customProperties.rule`), else the resource name. */
    readonly id: string;
    readonly query: string;
    readonly frequencyMs: number;
    readonly rangeMs: number;
    readonly operator: string;
    readonly threshold: number;
    readonly timeAggregation: string;
    readonly measure?: string;
    readonly dimensions: readonly string[];
    readonly periods: number;
    readonly failingPeriods: number;
    readonly autoMitigate: boolean;
    readonly muteMs?: number;
    readonly timeToResolveMs?: number;
}

export interface ReplayAlert {
    readonly rule: string;
    readonly dimensions: Readonly<Record<string, string>>;
    readonly firedAt: string;
    /** When a stateful alert resolved by itself; null while fired, and for stateless alerts (closed by hand). */
    resolvedAt: string | null;
    /** Whether the action groups were called (false while muted, or past the 300-per-evaluation limit). */
    readonly notified: boolean;
}

export interface ReplayResult {
    readonly alerts: ReplayAlert[];
    /** Per rule: evaluations run, and any caveat of the replay. */
    readonly rules: { readonly id: string; readonly evaluations: number; readonly notes: readonly string[] }[];
    readonly from: string;
    readonly to: string;
}

/** A rule the replay can't model: one line naming the rule and why. */
export class ReplayRuleError extends Error {}

const SCHEDULED_QUERY_RULES = ["azure-native:monitor:ScheduledQueryRule", "azure-native:insights:ScheduledQueryRule"];

const ms = (iso: string) => durationMinutes(iso) * 60_000;

/** The log search alert rules among a stack's recorded resources, as the replay needs them. */
export function replayRules(resources: readonly RecordedResource[]): ReplayRule[] {
    return resources
        .filter((r) => SCHEDULED_QUERY_RULES.includes(r.type))
        .map((r) => {
            const i = r.inputs as Record<string, any>;
            const criteria = i.criteria?.allOf ?? [];
            const id = String(i.actions?.customProperties?.rule ?? r.name);
            if (criteria.length !== 1) {
                throw new ReplayRuleError(`${id}: the replay models rules with one condition (this one has ${criteria.length})`);
            }
            const c = criteria[0];
            const windowMs = ms(String(i.windowSize));
            const periods = Number(c.failingPeriods?.numberOfEvaluationPeriods ?? 1);
            const resolve = i.resolveConfiguration;
            return {
                id,
                query: String(c.query),
                frequencyMs: ms(String(i.evaluationFrequency)),
                rangeMs: i.overrideQueryTimeRange ? ms(String(i.overrideQueryTimeRange)) : windowMs * periods,
                operator: String(c.operator),
                threshold: Number(c.threshold),
                timeAggregation: String(c.timeAggregation ?? "Count"),
                ...(c.metricMeasureColumn ? { measure: String(c.metricMeasureColumn) } : {}),
                dimensions: (c.dimensions ?? []).map((d: { name: string }) => d.name),
                periods,
                failingPeriods: Number(c.failingPeriods?.minFailingPeriodsToAlert ?? 1),
                autoMitigate: i.autoMitigate !== false,
                ...(i.muteActionsDuration ? { muteMs: ms(String(i.muteActionsDuration)) } : {}),
                ...(resolve?.timeToResolve && resolve.autoResolved !== false ? { timeToResolveMs: ms(String(resolve.timeToResolve)) } : {}),
            };
        });
}

/** How long a stateful alert's condition must stay unmet before Azure resolves it (see the module comment). */
export function resolveAfterMs(rule: Pick<ReplayRule, "frequencyMs" | "timeToResolveMs">): { ms: number; documented: boolean } {
    if (rule.timeToResolveMs !== undefined) {
        return { ms: rule.timeToResolveMs, documented: true };
    }
    const minutes = rule.frequencyMs / 60_000;
    if (minutes <= 1) {
        return { ms: 10 * 60_000, documented: true };
    }
    if (minutes <= 15) {
        return { ms: 3 * rule.frequencyMs, documented: true };
    }
    if (minutes < 11 * 60) {
        return { ms: 2 * rule.frequencyMs, documented: true };
    }
    return { ms: rule.frequencyMs, documented: minutes <= 12 * 60 };
}

const STATEFUL_ALERTS_PER_EVALUATION = 300;

export interface ReplayOptions {
    readonly from: number;
    readonly to: number;
    /** Summarize slice by slice where the query allows (default); false runs each evaluation on its whole range. */
    readonly incremental?: boolean;
}

/** Replays `rules` on `tables` from `from` to `to` (epoch ms). */
export function replay(
    executor: KqlExecutor,
    rules: readonly ReplayRule[],
    tables: Readonly<Record<string, LoadedTable>>,
    options: ReplayOptions,
): ReplayResult {
    const alerts: ReplayAlert[] = [];
    const summaries: ReplayResult["rules"][number][] = [];
    for (const rule of rules) {
        const notes: string[] = [];
        if (rule.periods > 1) {
            throw new ReplayRuleError(
                `${rule.id}: numberOfEvaluationPeriods ${rule.periods}: the replay models one evaluation period (every rule this program ships uses one)`,
            );
        }
        let prepared: PreparedQuery;
        try {
            prepared = executor.prepare(rule.query);
        } catch (e) {
            throw new ReplayRuleError(`${rule.id}: ${(e as Error).message}`);
        }
        const resolve = resolveAfterMs(rule);
        if (!resolve.documented) {
            notes.push(`resolves after ${resolve.ms / 3_600_000} h unmet: Learn documents resolution for frequencies up to 12 hours only`);
        }
        const evaluateAt = evaluator(prepared, rule, tables, options.from, options.incremental ?? true);
        const open = new Map<string, { alert: ReplayAlert; unmetSince?: number }>();
        const lastNotified = new Map<string, number>();
        let evaluations = 0;
        // Evaluations on the rule's schedule, starting one frequency after `from` (as after deployment).
        for (let t = options.from + rule.frequencyMs; t <= options.to; t += rule.frequencyMs) {
            evaluations++;
            const result = evaluateAt(t);
            const breaching = evaluate(rule, result.columns, result.rows);
            const at = new Date(t).toISOString();
            let fired = 0;
            for (const [key, dimensions] of breaching) {
                if (rule.autoMitigate) {
                    const o = open.get(key);
                    if (o) {
                        o.unmetSince = undefined;
                        continue;
                    }
                    fired++;
                    const alert: ReplayAlert = {
                        rule: rule.id,
                        dimensions,
                        firedAt: at,
                        resolvedAt: null,
                        notified: fired <= STATEFUL_ALERTS_PER_EVALUATION,
                    };
                    if (fired === STATEFUL_ALERTS_PER_EVALUATION + 1) {
                        notes.push(
                            `${at}: more than ${STATEFUL_ALERTS_PER_EVALUATION} alerts in one evaluation, past Azure's limit for a stateful rule`,
                        );
                    }
                    open.set(key, { alert });
                    alerts.push(alert);
                } else {
                    const last = lastNotified.get(key);
                    const muted = rule.muteMs !== undefined && last !== undefined && t - last < rule.muteMs;
                    if (!muted) {
                        lastNotified.set(key, t);
                    }
                    alerts.push({ rule: rule.id, dimensions, firedAt: at, resolvedAt: null, notified: !muted });
                }
            }
            if (rule.autoMitigate) {
                for (const [key, o] of open) {
                    if (breaching.has(key)) {
                        continue;
                    }
                    // The first unmet evaluation starts the count; the alert resolves at the evaluation
                    // that completes the documented unmet time.
                    const since = o.unmetSince ?? t - rule.frequencyMs;
                    o.unmetSince = since;
                    if (t - since >= resolve.ms) {
                        o.alert.resolvedAt = at;
                        open.delete(key);
                    }
                }
            }
        }
        summaries.push({ id: rule.id, evaluations, notes });
    }
    return { alerts, rules: summaries, from: new Date(options.from).toISOString(), to: new Date(options.to).toISOString() };
}

/**
 * The rule's query at evaluation time `t`, on the rows queryable then. A query that summarizes its
 * table row by row ({@link PreparedQuery.incremental}) is summarized per frequency-long slice of
 * TimeGenerated, each slice kept once all its rows are queryable: a month of a large tenant is then
 * read about once, not once per evaluation. Same result as running the query on the whole range.
 */
function evaluator(
    prepared: PreparedQuery,
    rule: ReplayRule,
    tables: Readonly<Record<string, LoadedTable>>,
    from: number,
    incremental: boolean,
) {
    const full = (t: number) => {
        const slice: Record<string, LoadedTable> = {};
        for (const name of prepared.tables) {
            const table = tables[name];
            if (table) {
                slice[name] = visible(table, t - rule.rangeMs, t);
            }
        }
        return prepared.run({ now: t, tables: slice });
    };
    const inc = prepared.incremental;
    const table = inc ? tables[inc.table] : undefined;
    const f = rule.frequencyMs;
    if (!incremental || !inc || rule.rangeMs % f !== 0) {
        return full;
    }
    // The other tables the query reads (e.g. AuditLogs for paused jobs) are read whole at each evaluation.
    const others = prepared.tables.filter((n) => n !== inc.table && tables[n]);
    const kept = new Map<number, unknown>();
    return (t: number) => {
        const parts: unknown[] = [];
        if (table) {
            // Slices [from + (k−1)·f, from + k·f): the range [t − range, t) is a whole number of them.
            for (let start = t - rule.rangeMs; start < t; start += f) {
                const k = Math.round((start - from) / f);
                const known = kept.get(k);
                if (known !== undefined) {
                    parts.push(known);
                    continue;
                }
                const lo = lowerBound(table.generated, start);
                const hi = lowerBound(table.generated, start + f);
                let complete = true;
                const rows: (readonly unknown[])[] = [];
                for (let i = lo; i < hi; i++) {
                    if (table.ingested[i] <= t) {
                        rows.push(table.rows[i]);
                    } else {
                        complete = false;
                    }
                }
                const part = inc.partial(rows, { now: t });
                // The export holds every row that will ever arrive: a slice whose rows are all queryable is final.
                if (complete) {
                    kept.set(k, part);
                }
                parts.push(part);
            }
        }
        return inc.finish(parts, { now: t, tables: Object.fromEntries(others.map((n) => [n, visible(tables[n], t - rule.rangeMs, t)])) });
    };
}

/** The rows of `table` whose TimeGenerated is in [from, to) and that were queryable at `to`. */
function visible(table: LoadedTable, from: number, to: number): LoadedTable {
    const lo = lowerBound(table.generated, from);
    const hi = lowerBound(table.generated, to);
    const rows: (readonly unknown[])[] = [];
    for (let i = lo; i < hi; i++) {
        if (table.ingested[i] <= to) {
            rows.push(table.rows[i]);
        }
    }
    return { ...table, rows };
}

function lowerBound(a: Float64Array, x: number): number {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (a[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/** The dimension combinations whose measure meets the rule's condition, by a key of their values. */
function evaluate(
    rule: ReplayRule,
    columns: readonly { name: string; type: string }[],
    rows: readonly (readonly unknown[])[],
): Map<string, Record<string, string>> {
    const dims = rule.dimensions.map((d) => {
        const i = columns.findIndex((c) => c.name === d);
        if (i < 0) {
            throw new ReplayRuleError(`${rule.id}: dimension ${d} is not a result column`);
        }
        return i;
    });
    const measureAt = rule.measure === undefined ? -1 : columns.findIndex((c) => c.name === rule.measure);
    if (rule.measure !== undefined && measureAt < 0) {
        throw new ReplayRuleError(`${rule.id}: measure column ${rule.measure} is not a result column`);
    }
    const groups = new Map<string, { dimensions: Record<string, string>; values: number[] }>();
    for (const r of rows) {
        const values = dims.map((i) => (r[i] === null ? "" : String(r[i])));
        const key = JSON.stringify(values);
        let g = groups.get(key);
        if (!g) {
            g = { dimensions: Object.fromEntries(rule.dimensions.map((d, j) => [d, values[j]])), values: [] };
            groups.set(key, g);
        }
        if (measureAt >= 0) {
            const v = r[measureAt];
            if (typeof v === "number") {
                g.values.push(v);
            }
        } else {
            g.values.push(1);
        }
    }
    // Without dimensions the rule has one series even when the query returns no rows: 0 rows counted.
    if (dims.length === 0 && groups.size === 0 && measureAt < 0) {
        groups.set("[]", { dimensions: {}, values: [] });
    }
    const out = new Map<string, Record<string, string>>();
    for (const [key, g] of groups) {
        const value = aggregate(rule.timeAggregation, g.values, measureAt < 0);
        if (value !== null && meets(rule.operator, value, rule.threshold)) {
            out.set(key, g.dimensions);
        }
    }
    return out;
}

function aggregate(kind: string, values: number[], countingRows: boolean): number | null {
    if (countingRows || kind === "Count") {
        return values.length;
    }
    if (values.length === 0) {
        return null;
    }
    switch (kind) {
        case "Total":
            return values.reduce((a, b) => a + b, 0);
        case "Average":
            return values.reduce((a, b) => a + b, 0) / values.length;
        case "Minimum":
            return Math.min(...values);
        case "Maximum":
            return Math.max(...values);
    }
    throw new ReplayRuleError(`timeAggregation ${kind} is not one of Count, Total, Average, Minimum, Maximum`);
}

function meets(operator: string, value: number, threshold: number): boolean {
    switch (operator) {
        case "GreaterThan":
            return value > threshold;
        case "GreaterThanOrEqual":
            return value >= threshold;
        case "LessThan":
            return value < threshold;
        case "LessThanOrEqual":
            return value <= threshold;
        case "Equals":
            return value === threshold;
    }
    throw new ReplayRuleError(
        `operator ${operator} is not one the replay models (GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, Equals)`,
    );
}
