import * as pulumi from "@pulumi/pulumi";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { PROVISIONING_LOGS_TABLE } from "entra-provisioning-logs-policies/armFacts";
import { TableRetention } from "../program/dynamic/tableRetention";


/** Inputs of {@link ProvisioningLogsWorkspace}. */
export interface ProvisioningLogsWorkspaceArgs {
    /** Required. Subscription that holds the workspace. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Required. Azure region of the resource group and workspace, e.g. `westeurope`. */
    readonly location: pulumi.Input<string>;
    /** Required. Name of the resource group that holds the workspace. */
    readonly resourceGroupName: string;
    /** Optional. Create the resource group (true) or use an existing one (false). Defaults to true. */
    readonly createResourceGroup?: boolean;
    /** Required. Name of the Log Analytics workspace (4–63 letters, digits and hyphens). */
    readonly workspaceName: pulumi.Input<string>;
    /** Required. Interactive retention of the whole workspace, 30–730 days. */
    readonly retentionInDays: pulumi.Input<number>;
    /** Required. Interactive (analytics) retention of the AADProvisioningLogs table, in days. */
    readonly tableRetentionInDays: pulumi.Input<number>;
    /** Required. Total retention (interactive + long-term) of the AADProvisioningLogs table, in days. */
    readonly tableTotalRetentionInDays: pulumi.Input<number>;
    /** Optional. Daily ingestion cap in GB. Defaults to no cap: a hit cap silently drops provisioning logs. */
    readonly dailyQuotaGb?: pulumi.Input<number>;
    /** Optional. Allow only Entra ID authentication (no workspace keys). Defaults to true. */
    readonly disableLocalAuth?: pulumi.Input<boolean>;
    /** Optional. Protect the workspace (and a created group) from `pulumi destroy` and keep it on delete. Defaults to true. */
    readonly protect?: boolean;
    /** Optional. Let this run lower the table's retention, which deletes older logs. Defaults to false: a decrease is refused. */
    readonly allowRetentionDecrease?: boolean;
    /** Optional. Tags for every resource. Defaults to none. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A Log Analytics workspace that keeps provisioning logs: resource group (new or existing),
 * workspace, and the AADProvisioningLogs table's own interactive and total (archive) retention.
 */
export class ProvisioningLogsWorkspace extends pulumi.ComponentResource {
    /** The resource group created, when `createResourceGroup` is true. */
    public readonly resourceGroup?: resources.ResourceGroup;
    /** Name of the resource group holding the workspace. */
    public readonly resourceGroupName: pulumi.Output<string>;
    /** The Log Analytics workspace. */
    public readonly workspace: operationalinsights.Workspace;
    /** The AADProvisioningLogs table's retention. */
    public readonly provisioningLogsTable: TableRetention;
    /** ARM resource ID of the workspace. */
    public readonly workspaceId: pulumi.Output<string>;
    /** The workspace's customer ID (the GUID the query API uses). */
    public readonly customerId: pulumi.Output<string>;

    constructor(name: string, args: ProvisioningLogsWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:ProvisioningLogsWorkspace", name, {}, opts);
        // Children wait for whatever the component waits for (a component's dependsOn alone doesn't hold them back).
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };

        // Audit evidence: a protected stack can never delete the logs, even by `pulumi destroy`.
        const keep: pulumi.CustomResourceOptions = (args.protect ?? true) ? { protect: true, retainOnDelete: true } : {};

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
            { ...childOpts, ...keep },
        );

        // The table is built into every workspace: its own retention outlives a shorter workspace
        // default and adds long-term (archive) retention for audits.
        this.provisioningLogsTable = new TableRetention(
            `${name}-provisioning-logs-retention`,
            {
                subscriptionId: args.subscriptionId,
                tableName: PROVISIONING_LOGS_TABLE,
                workspaceName: this.workspace.name,
                resourceGroupName: this.resourceGroupName,
                retentionInDays: args.tableRetentionInDays,
                totalRetentionInDays: args.tableTotalRetentionInDays,
                // Sent only when true: a stack that never allows a decrease sees no change of inputs.
                ...(args.allowRetentionDecrease ? { allowRetentionDecrease: true } : {}),
            },
            childOpts,
        );

        this.workspaceId = this.workspace.id;
        this.customerId = this.workspace.customerId;
        this.registerOutputs({
            resourceGroup: this.resourceGroup,
            workspace: this.workspace,
            provisioningLogsTable: this.provisioningLogsTable,
            workspaceId: this.workspaceId,
            customerId: this.customerId,
        });
    }
}
