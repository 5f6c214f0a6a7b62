import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isType } from "../types";

const RECEIVER_LISTS = [
    "emailReceivers",
    "smsReceivers",
    "armRoleReceivers",
    "webhookReceivers",
    "logicAppReceivers",
    "voiceReceivers",
    "azureAppPushReceivers",
];
/** Receivers whose targets are credentials (a webhook URL, a Logic App callback with its signature). */
const SECRET_LISTS = ["webhookReceivers", "logicAppReceivers"];

/**
 * Action groups that can deliver: enabled, with a receiver, a short name Azure accepts (12
 * characters, though its spec says 15), and credential-bearing URLs kept secret in state.
 */
export const monitorActionGroupConfigureReceivers: ResourceValidationPolicy = {
    name: "monitor-actiongroup-configure-receivers",
    description: "Action groups are enabled, have a receiver and a short name of at most 12 characters, and keep webhook URLs secret.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isType(args.type, "actionGroup")) {
            return;
        }
        const p = args.props;
        if (p.enabled !== true) {
            reportViolation(`Action group must be enabled (found enabled: ${p.enabled}); set enabled true.`);
        }
        const shortName = String(p.groupShortName ?? "");
        if (shortName.length < 1 || shortName.length > 12) {
            reportViolation(
                `Action group short name must be 1-12 characters (found "${shortName}", ${shortName.length}); Azure rejects longer ones.`,
            );
        }
        if (!RECEIVER_LISTS.some((k) => (p[k] ?? []).length > 0)) {
            reportViolation("Action group must have at least one receiver (found none); add one to alertReceivers.");
        }
        // Policies see secret values in plain text, so secrecy shows as additionalSecretOutputs.
        for (const list of SECRET_LISTS) {
            if ((p[list] ?? []).length > 0 && !args.opts.additionalSecretOutputs.includes(list)) {
                reportViolation(
                    `Action group ${list} must be kept secret (found ${list} outside additionalSecretOutputs); pass the URLs with pulumi.secret and list ${list} in additionalSecretOutputs.`,
                );
            }
        }
    },
};
