import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isType } from "../types";

interface Config {
    requireProtection: boolean;
}

/**
 * Where configured (production), `pulumi destroy` must not be able to delete the logs. Policies see
 * `protect`; `retainOnDelete` is not among the options CrossGuard passes, so the tests check it.
 */
export const loganalyticsWorkspaceEnforceProtection: ResourceValidationPolicy = {
    name: "loganalytics-workspace-enforce-protection",
    description: "Log Analytics workspaces holding audit logs are protected from deletion where required.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requireProtection: { type: "boolean", default: false } } },
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "workspace") || !args.getConfig<Config>().requireProtection) {
            return;
        }
        if (!args.opts.protect) {
            reportViolation(
                "Log Analytics workspace must be protected from deletion (found protect: false); set protectData true for this stack.",
            );
        }
    },
};
