import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PROVISIONING_LOGS_CATEGORY } from "../armFacts";
import { isType } from "../types";

interface LogSetting {
    category?: string;
    enabled?: boolean;
    retentionPolicy?: { enabled?: boolean; days?: number };
}

/**
 * The tenant diagnostic setting is the one link between Entra and the workspace: it must send
 * ProvisioningLogs to a Log Analytics workspace, and must not carry a retention policy (new
 * settings reject one; retention lives in the workspace).
 */
export const aadiamDiagnosticSettingEnforceProvisioningLogs: ResourceValidationPolicy = {
    name: "aadiam-diagnosticsetting-enforce-provisioninglogs",
    description: "Tenant diagnostic settings send ProvisioningLogs to a Log Analytics workspace, without a retention policy.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "diagnosticSetting")) {
            return;
        }
        const logs = (args.props.logs ?? []) as LogSetting[];
        if (!logs.some((l) => l.category === PROVISIONING_LOGS_CATEGORY && l.enabled === true)) {
            const found =
                logs
                    .filter((l) => l.enabled)
                    .map((l) => l.category)
                    .join(", ") || "none";
            reportViolation(
                `Tenant diagnostic setting must send ProvisioningLogs (found enabled categories: ${found}); add { category: "ProvisioningLogs", enabled: true }.`,
            );
        }
        const workspaceId = args.props.workspaceId;
        // Unknown during a preview (the workspace is new): the program wires it from the workspace.
        if (workspaceId !== undefined && !/\/providers\/microsoft\.operationalinsights\/workspaces\/[^/]+$/i.test(String(workspaceId))) {
            reportViolation(
                `Tenant diagnostic setting must target a Log Analytics workspace (found workspaceId: ${workspaceId || "none"}); set workspaceId to the workspace's resource ID.`,
            );
        }
        for (const l of logs) {
            if (l.retentionPolicy && (l.retentionPolicy.enabled || (l.retentionPolicy.days ?? 0) > 0)) {
                reportViolation(
                    `Tenant diagnostic setting must not set a retention policy (found ${l.retentionPolicy.days ?? 0} days, enabled ${l.retentionPolicy.enabled ?? false} on ${l.category}); ` +
                        "use { enabled: false, days: 0 } and keep retention in the workspace.",
                );
            }
        }
    },
};
