import * as pulumi from "@pulumi/pulumi";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { PROVISIONING_LOGS_TABLE } from "./azure/armFacts";
import { TableRetention } from "./dynamic/tableRetention";
import { WorkspaceRetentionGuard } from "./dynamic/workspaceRetentionGuard";
import { canonicalWorkspaceId, type WorkspaceIdParts, workspaceIdParts } from "./support/naming";
import { existingWorkspaceIdProblem, NEW_WORKSPACE_ARGS } from "./support/workspaceRules";

/** Inputs of {@link ProvisioningLogsWorkspace}. */
export interface ProvisioningLogsWorkspaceArgs {
    /** Required. Subscription of the resource group (and of the workspace, when created). */
    readonly subscriptionId: pulumi.Input<string>;
    /** Required. Azure region of the resource group (and of the workspace, when created), e.g. `westeurope`. */
    readonly location: pulumi.Input<string>;
    /** Required. Name of the resource group: it holds the workspace when this component creates it, and whatever else the caller puts beside it. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Optional. Create the resource group (true) or use an existing one (false). Defaults to true. */
    readonly createResourceGroup?: boolean;
    /**
     * Optional. Full ARM ID of an existing workspace to use instead of creating one, in any
     * subscription of the tenant. It is read with the resource's `get` function: "A resource read
     * with the get function will never be updated or deleted by Pulumi during an update"
     * (pulumi.com/docs/iac/concepts/resources/get). A stack that created this very workspace
     * hands it over without deleting it (the engine "relinquishes" a resource read under the same
     * URN and ID, pulumi/pulumi pkg/resource/deploy/step_generator.go, GenerateReadSteps). With it,
     * `workspaceName`, `retentionInDays`, `dailyQuotaGb` and `disableLocalAuth` must be left out, and
     * the table's retention is set only when `tableRetentionInDays` is given. Defaults to none: the
     * workspace is created. May be another stack's output; whether it is given must be known when the
     * component is built.
     */
    readonly existingWorkspaceId?: pulumi.Input<string>;
    /** Conditional. Name of the Log Analytics workspace to create (4–63 letters, digits and hyphens); required without `existingWorkspaceId`. */
    readonly workspaceName?: pulumi.Input<string>;
    /** Conditional. Interactive retention of the created workspace, 30–730 days; required without `existingWorkspaceId`. */
    readonly retentionInDays?: pulumi.Input<number>;
    /**
     * Conditional. Interactive (analytics) retention of the AADProvisioningLogs table, in days;
     * required for a created workspace. In an existing workspace the table's retention is set only
     * when this is given, and left as it is otherwise.
     */
    readonly tableRetentionInDays?: pulumi.Input<number>;
    /** Conditional. Total retention (interactive + long-term) of the AADProvisioningLogs table, in days; required with `tableRetentionInDays`. */
    readonly tableTotalRetentionInDays?: pulumi.Input<number>;
    /** Optional. Daily ingestion cap in GB of a created workspace. Defaults to no cap: a hit cap silently drops provisioning logs. */
    readonly dailyQuotaGb?: pulumi.Input<number>;
    /** Optional. Allow only Entra ID authentication (no workspace keys) on a created workspace. Defaults to true. */
    readonly disableLocalAuth?: pulumi.Input<boolean>;
    /** Optional. Protect the workspace (and a created group) from `pulumi destroy` and keep it on delete. Defaults to true. */
    readonly protect?: boolean;
    /** Optional. Let this run lower the table's retention, which deletes older logs. Defaults to false: a decrease is refused. */
    readonly allowRetentionDecrease?: boolean;
    /** Optional. Tags for every resource. Defaults to none. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The Log Analytics workspace that keeps provisioning logs, and the resource group beside it (new or
 * existing): a workspace it creates, with the AADProvisioningLogs table's own interactive and total
 * (archive) retention, or an existing one it uses as it is.
 */
export class ProvisioningLogsWorkspace extends pulumi.ComponentResource {
    /** The resource group created, when `createResourceGroup` is true. */
    public readonly resourceGroup?: resources.ResourceGroup;
    /** Name of the resource group `resourceGroupName`: it holds the workspace when created here. */
    public readonly resourceGroupName: pulumi.Output<string>;
    /** The Log Analytics workspace: created, or read (never managed) when `existing`. */
    public readonly workspace: operationalinsights.Workspace;
    /** The workspace existed before and is used as it is: this component never changes or deletes it. */
    public readonly existing: boolean;
    /** What refuses to lower a created workspace's retention unasked; absent for an existing workspace. */
    public readonly retentionGuard?: WorkspaceRetentionGuard;
    /** The AADProvisioningLogs table's retention; absent for an existing workspace whose retention is left as it is. */
    public readonly provisioningLogsTable?: TableRetention;
    /** ARM resource ID of the workspace (for an existing one, as given). */
    public readonly workspaceId: pulumi.Output<string>;
    /** The workspace's customer ID (the GUID the query API uses). */
    public readonly customerId: pulumi.Output<string>;

    constructor(name: string, args: ProvisioningLogsWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:ProvisioningLogsWorkspace", name, {}, opts);
        // Children wait for whatever the component waits for (a component's dependsOn alone doesn't hold them back).
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };

        // Audit evidence: a protected stack can never delete the logs, even by `pulumi destroy`.
        const keep: pulumi.CustomResourceOptions = (args.protect ?? true) ? { protect: true, retainOnDelete: true } : {};
        const existing = args.existingWorkspaceId === undefined ? undefined : existingParts(name, args, args.existingWorkspaceId);
        this.existing = existing !== undefined;
        if (existing === undefined) {
            // Checked before any child is registered: a refused call makes nothing.
            const missing = (["workspaceName", "retentionInDays", "tableRetentionInDays", "tableTotalRetentionInDays"] as const).filter(
                (k) => args[k] === undefined,
            );
            if (missing.length > 0) {
                throw new Error(
                    `ProvisioningLogsWorkspace ${name}: a workspace to create needs ${missing.join(", ")} (or give existingWorkspaceId)`,
                );
            }
        }

        if (args.createResourceGroup ?? true) {
            this.resourceGroup = new resources.ResourceGroup(
                `${name}-rg`,
                { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
                { ...childOpts, ...keep },
            );
            this.resourceGroupName = this.resourceGroup.name;
        } else {
            this.resourceGroupName = pulumi.output(args.resourceGroupName);
        }

        if (existing === undefined) {
            // A lower retention deletes logs: the workspace waits for the guard that refuses one unasked.
            this.retentionGuard = new WorkspaceRetentionGuard(
                `${name}-workspace-retention-guard`,
                {
                    subscriptionId: args.subscriptionId,
                    resourceGroupName: this.resourceGroupName,
                    workspaceName: args.workspaceName as pulumi.Input<string>,
                    retentionInDays: args.retentionInDays as pulumi.Input<number>,
                    allowRetentionDecrease: args.allowRetentionDecrease,
                },
                childOpts,
            );
            const waitsFor = opts?.dependsOn;
            this.workspace = new operationalinsights.Workspace(
                `${name}-workspace`,
                {
                    workspaceName: args.workspaceName,
                    resourceGroupName: this.resourceGroupName,
                    location: args.location,
                    sku: { name: "PerGB2018" },
                    retentionInDays: args.retentionInDays,
                    workspaceCapping: args.dailyQuotaGb === undefined ? undefined : { dailyQuotaGb: args.dailyQuotaGb },
                    features: { disableLocalAuth: args.disableLocalAuth ?? true },
                    tags: args.tags,
                },
                {
                    ...childOpts,
                    ...keep,
                    dependsOn: dependsOnAlso(waitsFor, this.retentionGuard),
                },
            );
            this.workspaceId = this.workspace.id;
        } else {
            // Read, not managed: the same name (so the same URN) as a created workspace, so a stack
            // that created this very workspace hands it over without deleting it. A read waits for
            // nothing: the workspace exists, or the preview says so.
            // Read under ARM's spelling of the ID: the engine hands over a workspace this stack created
            // only when the IDs are the same text, whatever case the user typed.
            this.workspace = operationalinsights.Workspace.get(`${name}-workspace`, existing.id.apply(canonicalWorkspaceId), {
                parent: this,
            });
            // The ID as given, which is the one a diagnostic setting already holds (ARM may return it in
            // another case); it still waits for the read.
            this.workspaceId = pulumi.all([this.workspace.id, existing.id]).apply(([, id]) => id);
        }

        // The table is built into every workspace: its own retention outlives a shorter workspace
        // default and adds long-term (archive) retention for audits. In a workspace this component
        // doesn't own, only when asked.
        if (existing === undefined || args.tableRetentionInDays !== undefined) {
            this.provisioningLogsTable = new TableRetention(
                `${name}-provisioning-logs-retention`,
                {
                    subscriptionId: existing ? existing.parts.subscriptionId : args.subscriptionId,
                    tableName: PROVISIONING_LOGS_TABLE,
                    workspaceName: existing ? existing.parts.workspaceName : this.workspace.name,
                    resourceGroupName: existing ? existing.parts.resourceGroupName : this.resourceGroupName,
                    retentionInDays: args.tableRetentionInDays as pulumi.Input<number>,
                    totalRetentionInDays: args.tableTotalRetentionInDays as pulumi.Input<number>,
                    // Sent only when true: a stack that never allows a decrease sees no change of inputs.
                    ...(args.allowRetentionDecrease ? { allowRetentionDecrease: true } : {}),
                },
                existing === undefined ? childOpts : { parent: this, dependsOn: [this.workspace] },
            );
        }

        this.customerId = this.workspace.customerId;
        this.registerOutputs({
            resourceGroup: this.resourceGroup,
            retentionGuard: this.retentionGuard,
            workspace: this.workspace,
            provisioningLogsTable: this.provisioningLogsTable,
            workspaceId: this.workspaceId,
            customerId: this.customerId,
        });
    }
}

/**
 * The existing workspace's ID and its parts, once the arguments are known to fit together. An ID
 * known now is checked now; one that is another resource's output is checked when it resolves.
 */
function existingParts(
    name: string,
    args: ProvisioningLogsWorkspaceArgs,
    given: pulumi.Input<string>,
): { id: pulumi.Output<string>; parts: pulumi.Output<WorkspaceIdParts> } {
    const misplaced = NEW_WORKSPACE_ARGS.filter((k) => args[k] !== undefined);
    if (misplaced.length > 0) {
        throw new Error(
            `ProvisioningLogsWorkspace ${name}: ${misplaced.join(", ")} ${misplaced.length === 1 ? "describes" : "describe"} a workspace to create and ${misplaced.length === 1 ? "does" : "do"} not apply with existingWorkspaceId`,
        );
    }
    if ((args.tableRetentionInDays === undefined) !== (args.tableTotalRetentionInDays === undefined)) {
        throw new Error(
            `ProvisioningLogsWorkspace ${name}: give both tableRetentionInDays and tableTotalRetentionInDays to set the table's retention in an existing workspace, or neither`,
        );
    }
    const parse = (id: string): WorkspaceIdParts => {
        const problem = existingWorkspaceIdProblem(id);
        if (problem) {
            throw new Error(`ProvisioningLogsWorkspace ${name}: existingWorkspaceId ${problem}`);
        }
        return workspaceIdParts(id) as WorkspaceIdParts;
    };
    if (typeof given === "string") {
        parse(given);
    }
    const id = pulumi.output(given);
    return { id, parts: id.apply(parse) };
}

/** The caller's `dependsOn` (one resource, a list, or an output of either) and one more resource. */
function dependsOnAlso(given: pulumi.ResourceOptions["dependsOn"], also: pulumi.Resource): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
    if (given === undefined) {
        return [also];
    }
    if (Array.isArray(given)) {
        return [...given, also];
    }
    return pulumi
        .output(given as pulumi.Input<pulumi.Resource | pulumi.Input<pulumi.Resource>[]>)
        .apply((d) => [...(Array.isArray(d) ? d : [d]), also]) as pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}
