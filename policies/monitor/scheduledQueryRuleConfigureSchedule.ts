import type { ResourceValidationPolicy } from "@pulumi/policy";
import { durationMinutes } from "../armFacts";
import { isType } from "../types";

/** One condition's evaluation periods, with ARM's defaults of one of one. */
interface Periods {
    readonly numberOfEvaluationPeriods?: number;
    readonly minFailingPeriodsToAlert?: number;
}

const TWO_DAYS = 2 * 1440;

/**
 * A log search rule whose schedule ARM refuses fails `pulumi up` half-way: its periods, lookback,
 * muted actions and query time range must be ones Azure accepts. Sources: the azurerm provider's
 * documentation of this API (hashicorp/terraform-provider-azurerm,
 * website/docs/r/monitor_scheduled_query_rules_alert_v2.html.markdown, commit
 * 0a296f60ee0be649a4f7688b6a5a8f76114a9a87), and ARM's own answers where reported (quoted in the
 * messages). Not refused: a daily frequency with autoMitigate. Learn's table of when a stateful alert
 * resolves stops at "11 to 12 hours: The alert condition isn't met for one frequency period"
 * (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule), but no
 * source reports ARM refusing P1D with auto-resolution, and a policy must not invent a refusal.
 */
export const monitorScheduledQueryRuleConfigureSchedule: ResourceValidationPolicy = {
    name: "monitor-scheduledqueryrule-configure-schedule",
    description: "Log search alert rules use evaluation periods, a lookback, muted actions and a query time range Azure accepts.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "scheduledQueryRule")) {
            return;
        }
        const p = args.props;
        const frequency = durationMinutes(String(p.evaluationFrequency));
        const window = durationMinutes(String(p.windowSize));
        // The longest lookback of the conditions: the time range must cover each.
        let lookback = 0;
        let longest = "";
        for (const [i, c] of ((p.criteria?.allOf ?? []) as Array<{ failingPeriods?: Periods }>).entries()) {
            const n = c.failingPeriods?.numberOfEvaluationPeriods ?? 1;
            const min = c.failingPeriods?.minFailingPeriodsToAlert ?? 1;
            // "Possible value is integer between 1 and 6" (azurerm, failing_periods).
            if (!(Number.isInteger(n) && n >= 1 && n <= 6)) {
                reportViolation(
                    `Alert rule condition ${i} must have 1 to 6 evaluation periods (found numberOfEvaluationPeriods ${n}); Azure accepts no other number.`,
                );
                continue;
            }
            if (!(Number.isInteger(min) && min >= 1 && min <= n)) {
                reportViolation(
                    `Alert rule condition ${i} must need 1 to ${n} failing periods, at most its evaluation periods (found minFailingPeriodsToAlert ${min}).`,
                );
            }
            // "The query look back which is window_duration*number_of_evaluation_periods cannot exceed 48 hours."
            if (window * n > TWO_DAYS) {
                reportViolation(
                    `Alert rule condition ${i} must look back at most two days (found window ${p.windowSize} × ${n} periods); Azure limits window × periods to 48 hours.`,
                );
            }
            if (window * n > lookback) {
                lookback = window * n;
                longest = `window ${p.windowSize} × ${n} periods`;
            }
        }
        if (p.muteActionsDuration !== undefined) {
            // ARM's answer: Azure/azure-powershell#22583. autoMitigate defaults to true (the API's docs).
            if (p.autoMitigate !== false) {
                const found = p.autoMitigate === undefined ? "unset, which Azure takes as true" : String(p.autoMitigate);
                reportViolation(
                    `Alert rule must not mute actions while it resolves by itself (found muteActionsDuration ${p.muteActionsDuration}, autoMitigate ${found}); Azure answers "Auto mitigation must be disabled when action suppression is set".`,
                );
            }
            // ARM's answer: Azure/azure-cli#26581.
            if (durationMinutes(String(p.muteActionsDuration)) < frequency) {
                reportViolation(
                    `Alert rule must not mute actions for less than its evaluation frequency (found muteActionsDuration ${p.muteActionsDuration}, evaluationFrequency ${p.evaluationFrequency}); Azure answers "EvaluationFrequency cannot be greater than MuteActionsDuration".`,
                );
            }
        }
        if (p.overrideQueryTimeRange !== undefined) {
            const range = durationMinutes(String(p.overrideQueryTimeRange));
            // Values "PT5M … P2D"; it "cannot be less than the query look back" (azurerm, query_time_range_override).
            if (range > TWO_DAYS) {
                reportViolation(
                    `Alert rule query time range must be at most P2D (found overrideQueryTimeRange ${p.overrideQueryTimeRange}); a log search alert queries at most two days.`,
                );
            } else if (range < lookback) {
                reportViolation(
                    `Alert rule query time range must not be shorter than window × periods (found overrideQueryTimeRange ${p.overrideQueryTimeRange}, ${longest}); Azure requires at least the lookback.`,
                );
            }
        }
        // "If evaluation_frequency is PT1M, possible values are PT1M … PT6H" (azurerm, window_duration).
        if (frequency === 1 && window > 360) {
            reportViolation(
                `Alert rule window must be PT6H or shorter with a one-minute evaluation frequency (found window ${p.windowSize}); Azure offers no longer window at PT1M.`,
            );
        }
    },
};
