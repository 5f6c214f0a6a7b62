import type { ResourceValidationPolicy } from "@pulumi/policy";
import { durationMinutes, ONE_MINUTE_REASON, oneMinuteBlockers } from "../armFacts";
import { isType } from "../types";

/**
 * A one-minute frequency makes Azure rewrite the rule's query, and a query it can't rewrite fails
 * the deployment or every evaluation: a rule evaluated every minute runs a query without the
 * constructs Learn lists (armFacts.ts, oneMinuteBlockers). The query text is read as the pack sees
 * it, without Kusto.Language, so the pack stays self-contained.
 */
export const monitorScheduledQueryRuleConfigureFrequency: ResourceValidationPolicy = {
    name: "monitor-scheduledqueryrule-configure-frequency",
    description: "Log search alert rules evaluated every minute run a query Azure can optimize for a one-minute frequency.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "scheduledQueryRule") || durationMinutes(String(args.props.evaluationFrequency)) !== 1) {
            return;
        }
        for (const [i, c] of ((args.props.criteria?.allOf ?? []) as Array<{ query?: unknown }>).entries()) {
            const blockers = typeof c.query === "string" ? oneMinuteBlockers(c.query) : [];
            if (blockers.length > 0) {
                reportViolation(
                    `Alert rule condition ${i} must not be evaluated every minute (found evaluationFrequency ${args.props.evaluationFrequency}): its query ${blockers.join(" and ")}; ${ONE_MINUTE_REASON}.`,
                );
            }
        }
    },
};
