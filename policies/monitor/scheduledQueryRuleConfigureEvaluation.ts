import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ALERT_FREQUENCIES, ALERT_OPERATORS, ALERT_WINDOWS, durationMinutes } from "../armFacts";
import { isType } from "../types";

/**
 * An alert rule that is off, notifies no one, or uses a value Azure rejects is no alerting at all:
 * every log search rule is enabled, has an action group, and uses an operator, frequency and
 * window that Azure accepts.
 */
export const monitorScheduledQueryRuleConfigureEvaluation: ResourceValidationPolicy = {
    name: "monitor-scheduledqueryrule-configure-evaluation",
    description: "Log search alert rules are enabled, notify an action group, and use an operator, frequency and window Azure accepts.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "scheduledQueryRule")) {
            return;
        }
        const p = args.props;
        if (p.enabled === false) {
            reportViolation(
                "Alert rule must be enabled (found enabled: false); set enabled true or remove the rule with alertOverrides <rule>.enabled=false.",
            );
        }
        const groups: unknown[] = p.actions?.actionGroups ?? [];
        if (groups.length === 0) {
            reportViolation("Alert rule must notify at least one action group (found none); add a receiver to alertReceivers.");
        }
        for (const [i, c] of ((p.criteria?.allOf ?? []) as Array<{ operator?: string }>).entries()) {
            if (!(ALERT_OPERATORS as readonly string[]).includes(String(c.operator))) {
                reportViolation(
                    `Alert rule condition ${i} must use one of ${ALERT_OPERATORS.join(", ")} (found ${c.operator}); Azure rejects other operators.`,
                );
            }
        }
        if (!(ALERT_FREQUENCIES as readonly string[]).includes(String(p.evaluationFrequency))) {
            reportViolation(
                `Alert rule evaluation frequency must be one of ${ALERT_FREQUENCIES.join(", ")} (found ${p.evaluationFrequency}).`,
            );
        }
        if (!(ALERT_WINDOWS as readonly string[]).includes(String(p.windowSize))) {
            reportViolation(`Alert rule window must be one of ${ALERT_WINDOWS.join(", ")} (found ${p.windowSize}).`);
        } else if (durationMinutes(p.windowSize) < durationMinutes(p.evaluationFrequency)) {
            reportViolation(
                `Alert rule window must not be shorter than its evaluation frequency (found window ${p.windowSize}, frequency ${p.evaluationFrequency}).`,
            );
        }
    },
};
