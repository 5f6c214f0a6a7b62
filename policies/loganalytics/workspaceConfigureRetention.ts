import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isType } from "../types";

interface Config {
    minimumRetentionDays: number;
}

/**
 * Provisioning logs are audit evidence: the workspace keeps them at least the configured number of
 * days (30 by default), and never asks for more than Azure's 730.
 */
export const loganalyticsWorkspaceConfigureRetention: ResourceValidationPolicy = {
    name: "loganalytics-workspace-configure-retention",
    description: "Log Analytics workspaces keep data at least the minimum retention and at most 730 days.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: { minimumRetentionDays: { type: "integer", default: 30, minimum: 30, maximum: 730 } } },
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "workspace")) {
            return;
        }
        const { minimumRetentionDays: min } = args.getConfig<Config>();
        const days = args.props.retentionInDays;
        if (typeof days !== "number") {
            reportViolation(
                `Log Analytics workspace retention must be set to at least ${min} days (found none, so Azure's default applies); set retentionInDays.`,
            );
        } else if (days < min) {
            reportViolation(
                `Log Analytics workspace retention must be at least ${min} days (found ${days}); raise retentionInDays to ${min} or more.`,
            );
        } else if (days > 730) {
            reportViolation(
                `Log Analytics workspace retention must be at most 730 days (found ${days}); keep longer history with the table's total retention.`,
            );
        }
    },
    remediateResource: (args) => {
        if (!isType(args.type, "workspace")) {
            return undefined;
        }
        const { minimumRetentionDays: min } = args.getConfig<Config>();
        const days = args.props.retentionInDays;
        return typeof days !== "number" || days < min ? { ...args.props, retentionInDays: min } : undefined;
    },
};
