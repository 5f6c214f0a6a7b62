/**
 * What Azure accepts for log search alert rules (Microsoft.Insights/scheduledQueryRules), shared by
 * the policies and the program's config validation. Kept inside the policy pack so the pack stays
 * self-contained.
 */

/** Operators a log search alert accepts (the SDK's ConditionOperator enum carries another API's values). */
export const ALERT_OPERATORS = ["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"] as const;
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

/** Evaluation frequencies ARM accepts for log search alerts, shortest first. */
export const ALERT_FREQUENCIES = ["PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT45M", "PT1H", "PT2H", "PT3H", "PT4H", "PT5H", "PT6H", "P1D"] as const;
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

