import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PROVISIONING_LOGS_TABLE } from "../armFacts";
import { isType } from "../types";

/**
 * Lowering a table's retention deletes the older logs. The dynamic resource refuses it unless the
 * stack sets `allowRetentionDecrease`; this policy makes that switch visible in every preview, so in
 * a mandatory environment a decrease also needs the policy waived for that run. Policies see only
 * the new inputs, never the old, so the switch is what they can check.
 */
export const loganalyticsTableDisallowRetentionDecrease: ResourceValidationPolicy = {
    name: "loganalytics-table-disallow-retentiondecrease",
    description: "The AADProvisioningLogs table's retention is never lowered without an explicit waiver.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "tableRetention") || args.props.tableName !== PROVISIONING_LOGS_TABLE) {
            return;
        }
        if (args.props.allowRetentionDecrease === true) {
            reportViolation(
                `${PROVISIONING_LOGS_TABLE} retention may be lowered on this run (found allowRetentionDecrease: true), which deletes older logs; ` +
                    "remove allowRetentionDecrease after the run, or waive this policy for it on purpose.",
            );
        }
    },
};
