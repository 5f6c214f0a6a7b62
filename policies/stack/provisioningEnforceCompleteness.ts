import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { PROVISIONING_LOGS_CATEGORY } from "../armFacts";
import { isType } from "../types";

/** Failure spikes, silence and mass disables/deletes: the alerts a stack may not go without. */
const REQUIRED_ALERTS = ["failure-spike", "provisioning-stopped", "disable-delete-spike"];

interface Config {
    /** The full ARM ID of an existing workspace the stack sends the logs to, when it creates none. */
    existingWorkspaceId: string;
}

/** Whether `setting` sends its logs to `workspace`: by value once known, by dependency during a preview. */
function pointsAt(setting: PolicyResource, workspace: PolicyResource): boolean {
    const id = setting.props.workspaceId;
    // Inputs name it workspaceName; the outputs stack policies see in a real run, name.
    const name = workspace.props.workspaceName ?? workspace.props.name;
    if (typeof id === "string" && typeof name === "string") {
        return id.toLowerCase().endsWith(`/workspaces/${name.toLowerCase()}`);
    }
    return (setting.propertyDependencies?.workspaceId ?? []).some((d) => d.urn === workspace.urn);
}

/**
 * The stack is complete end to end: Microsoft.Insights registered, a workspace, a tenant diagnostic
 * setting sending ProvisioningLogs to that workspace, the core alerts, and a workbook. A stack
 * missing any of these collects, or shows, nothing. A stack that sends the logs to an existing
 * workspace reads it without managing it, and a read resource is not among those a stack policy
 * sees (the engine keeps reads apart from `news`, which AnalyzeStack ranges over: pulumi/pulumi
 * pkg/resource/deploy/step_executor.go and step_generator.go): such a stack names the workspace in
 * this policy's `existingWorkspaceId` config instead.
 */
export const provisioningStackEnforceCompleteness: StackValidationPolicy = {
    name: "provisioning-stack-enforce-completeness",
    description:
        "A provisioning-logs stack registers Microsoft.Insights and has a workspace (its own, or the existing one its config names), a diagnostic setting sending ProvisioningLogs to it, the core alerts and a workbook.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: { existingWorkspaceId: { type: "string", default: "" } } },
    validateStack: (args, reportViolation) => {
        const { existingWorkspaceId } = args.getConfig<Config>();
        const existing = existingWorkspaceId ? existingWorkspaceId.toLowerCase() : undefined;
        const of = (kind: Parameters<typeof isType>[1]) => args.resources.filter((r) => isType(r.type, kind));
        if (!of("registration").some((r) => String(r.props.namespace).toLowerCase() === "microsoft.insights")) {
            reportViolation(
                "Stack must register the Microsoft.Insights resource provider (found no registration); keep the ResourceProviderRegistration for Microsoft.Insights.",
            );
        }
        const workspaces = of("workspace");
        if (workspaces.length === 0 && existing === undefined) {
            reportViolation(
                "Stack must have a Log Analytics workspace (found none); a stack that uses an existing workspace names it in this policy's existingWorkspaceId config.",
            );
        }
        const sending = of("diagnosticSetting").filter((s) =>
            ((s.props.logs ?? []) as Array<{ category?: string; enabled?: boolean }>).some(
                (l) => l.category === PROVISIONING_LOGS_CATEGORY && l.enabled,
            ),
        );
        const toExisting = (s: PolicyResource) => existing !== undefined && String(s.props.workspaceId ?? "").toLowerCase() === existing;
        if (!sending.some((s) => toExisting(s) || workspaces.some((w) => pointsAt(s, w)))) {
            reportViolation(
                `Stack must have a tenant diagnostic setting sending ProvisioningLogs to its workspace (found ${sending.length} sending ProvisioningLogs, none to this stack's workspace).`,
            );
        }
        const rules = of("scheduledQueryRule").map((r) => String(r.props.ruleName ?? r.name));
        const missing = REQUIRED_ALERTS.filter((a) => !rules.some((r) => r.endsWith(a)));
        if (missing.length > 0) {
            reportViolation(
                `Stack must have the ${missing.join(", ")} alert rules (found: ${rules.join(", ") || "none"}); keep them enabled in alertOverrides.`,
            );
        }
        if (of("workbook").length === 0) {
            reportViolation("Stack must have at least one workbook (found none); set workbooksEnabled true.");
        }
    },
};
