import { workspaceIdParts } from "./naming";

/*
 * The rules of how ProvisioningLogging and ProvisioningLogsWorkspace choose and keep a workspace,
 * written once: the components apply them to their args, and the settings layer (program/settings.ts)
 * and discover (tools/live/discover.ts) to a stack's settings, which are named like the args.
 */

/**
 * ProvisioningLogging's defaults. The stack's Pulumi.yaml declares the same ones for its settings (the CLI
 * hands a program every declared default): test/components/support/workspaceRules.test.ts keeps them equal.
 */
export const PROVISIONING_LOGGING_DEFAULTS = {
    createResourceGroup: true,
    retentionInDays: 30,
    disableLocalAuth: true,
    protectData: true,
    allowRetentionDecrease: false,
    manageExistingWorkspaceRetention: false,
    registrationTimeoutMinutes: 20,
    workbooksEnabled: true,
    savedQueriesEnabled: true,
} as const;

/** Arguments that describe a workspace to create, and so have no meaning for an existing one. */
export const NEW_WORKSPACE_ARGS = ["workspaceName", "retentionInDays", "dailyQuotaGb", "disableLocalAuth"] as const;

/** Args that change the AADProvisioningLogs table's retention: in a workspace the component doesn't own, only on purpose. */
export const TABLE_RETENTION_ARGS = [
    "provisioningLogsRetentionInDays",
    "provisioningLogsTotalRetentionInDays",
    "allowRetentionDecrease",
] as const;

/** Why `existingWorkspaceId` is not a workspace's resource ID; undefined when it is one. */
export function existingWorkspaceIdProblem(id: string): string | undefined {
    return workspaceIdParts(id) ? undefined : `must be a Log Analytics workspace's resource ID (got ${id})`;
}

/** A way the workspace args don't fit together, and the args it is about. */
export type WorkspaceChoiceProblem =
    | { readonly kind: "manage-without-existing" }
    | { readonly kind: "new-workspace-args"; readonly args: readonly (typeof NEW_WORKSPACE_ARGS)[number][] }
    | { readonly kind: "unowned-table-retention"; readonly args: readonly (typeof TABLE_RETENTION_ARGS)[number][] }
    | { readonly kind: "manage-needs-retention" };

/**
 * How a workspace is chosen, one rule for the component and for the settings layer (which words the
 * problems for a stack file): a workspace that exists is used as it is, so the args that describe a workspace to create don't apply to it, and its table's retention
 * changes only with `manageExistingWorkspaceRetention`, which then needs the retention (logs are
 * audit evidence: nothing shortens them unasked). `given` says which args the caller set.
 */
export function workspaceChoiceProblems(choice: {
    readonly existing: boolean;
    readonly manageExistingWorkspaceRetention: boolean;
    readonly given: (arg: (typeof NEW_WORKSPACE_ARGS)[number] | (typeof TABLE_RETENTION_ARGS)[number]) => boolean;
}): WorkspaceChoiceProblem[] {
    if (!choice.existing) {
        return choice.manageExistingWorkspaceRetention ? [{ kind: "manage-without-existing" }] : [];
    }
    const problems: WorkspaceChoiceProblem[] = [];
    const newWorkspace = NEW_WORKSPACE_ARGS.filter(choice.given);
    if (newWorkspace.length > 0) {
        problems.push({ kind: "new-workspace-args", args: newWorkspace });
    }
    if (!choice.manageExistingWorkspaceRetention) {
        const table = TABLE_RETENTION_ARGS.filter(choice.given);
        if (table.length > 0) {
            problems.push({ kind: "unowned-table-retention", args: table });
        }
    } else if (!choice.given("provisioningLogsRetentionInDays")) {
        problems.push({ kind: "manage-needs-retention" });
    }
    return problems;
}
