import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PROVISIONING_LOGS_TABLE as PROVISIONING_TABLE } from "../armFacts";
import { isType } from "../types";

interface Config {
    minimumRetentionDays: number;
    minimumTotalRetentionDays: number;
}

function appliesTo(type: string, props: Record<string, unknown>): boolean {
    return (isType(type, "tableRetention") || isType(type, "table")) && props.tableName === PROVISIONING_TABLE;
}

/** The AADProvisioningLogs table keeps provisioning logs interactively, and in total, at least the minimums. */
export const loganalyticsTableConfigureRetention: ResourceValidationPolicy = {
    name: "loganalytics-table-configure-retention",
    description: "The AADProvisioningLogs table keeps provisioning logs at least the minimum interactive and total retention.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minimumRetentionDays: { type: "integer", default: 30, minimum: 4, maximum: 730 },
            minimumTotalRetentionDays: { type: "integer", default: 30, minimum: 4, maximum: 4383 },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!appliesTo(args.type, args.props)) {
            return;
        }
        const { minimumRetentionDays: min, minimumTotalRetentionDays: minTotal } = args.getConfig<Config>();
        const { retentionInDays: days, totalRetentionInDays: total } = args.props;
        if (typeof days !== "number" || days < min) {
            reportViolation(
                `${PROVISIONING_TABLE} interactive retention must be at least ${min} days (found ${days ?? "none"}); raise provisioningLogsRetentionInDays to ${min} or more.`,
            );
        }
        if (typeof total !== "number" || total < minTotal) {
            reportViolation(
                `${PROVISIONING_TABLE} total retention must be at least ${minTotal} days (found ${total ?? "none"}); raise provisioningLogsTotalRetentionInDays to ${minTotal} or more.`,
            );
        }
    },
    remediateResource: (args) => {
        if (!appliesTo(args.type, args.props)) {
            return undefined;
        }
        const { minimumRetentionDays: min, minimumTotalRetentionDays: minTotal } = args.getConfig<Config>();
        const days = Math.max(Number(args.props.retentionInDays) || 0, min);
        const total = Math.max(Number(args.props.totalRetentionInDays) || 0, minTotal, days);
        return days === args.props.retentionInDays && total === args.props.totalRetentionInDays
            ? undefined
            : { ...args.props, retentionInDays: days, totalRetentionInDays: total };
    },
};
