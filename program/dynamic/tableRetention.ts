import * as pulumi from "@pulumi/pulumi";
import { ArmDependencies, createArmClient, diffInputs, retryArm } from "../azure/armOperation";

/** API version of `Microsoft.OperationalInsights/workspaces/tables` used for the PATCH, as azure-native 3.x uses. */
export const TABLES_API_VERSION = "2023-09-01";

/** Inputs of {@link TableRetention}. */
export interface TableRetentionArgs {
    /** Required. Subscription of the workspace. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Required. Resource group of the workspace. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Required. Name of the workspace. */
    readonly workspaceName: pulumi.Input<string>;
    /** Required. The built-in table, e.g. `AADProvisioningLogs`. */
    readonly tableName: pulumi.Input<string>;
    /** Required. Interactive (analytics) retention, 4–730 days. */
    readonly retentionInDays: pulumi.Input<number>;
    /** Required. Total retention including long-term (archive), up to 4383 days. */
    readonly totalRetentionInDays: pulumi.Input<number>;
}

/** What the provider keeps in state. */
export interface TableRetentionState {
    readonly subscriptionId: string;
    readonly resourceGroupName: string;
    readonly workspaceName: string;
    readonly tableName: string;
    readonly retentionInDays: number;
    readonly totalRetentionInDays: number;
}

function tableResourceId(s: Pick<TableRetentionState, "subscriptionId" | "resourceGroupName" | "workspaceName" | "tableName">): string {
    return (
        `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}` +
        `/providers/Microsoft.OperationalInsights/workspaces/${s.workspaceName}/tables/${s.tableName}`
    );
}

/** The generic client's URL template is `{endpoint}/{resourceId}`: a leading slash would double. */
function relative(id: string): string {
    return id.replace(/^\/+/, "");
}

function normalize(inputs: Record<string, unknown>): TableRetentionState {
    return {
        subscriptionId: String(inputs.subscriptionId),
        resourceGroupName: String(inputs.resourceGroupName),
        workspaceName: String(inputs.workspaceName),
        tableName: String(inputs.tableName),
        retentionInDays: Number(inputs.retentionInDays),
        totalRetentionInDays: Number(inputs.totalRetentionInDays),
    };
}

/** How long one create, update or read may keep retrying a throttled or failing ARM. */
const TABLE_OPERATION_TIMEOUT_MINUTES = 10;

/** The fix for a 403 on the table. */
const TABLE_WRITE_PERMISSION =
    "the deploying identity needs microsoft.operationalinsights/workspaces/tables/write (for example the Log Analytics Contributor role).";

/**
 * The dynamic provider: PATCH on create and update, GET on read. Built-in tables exist in every
 * workspace, can't be deleted, and azure-native's `operationalinsights.Table` refuses to "create"
 * one that exists, so their retention is set with PATCH, which changes only the fields it sends.
 */
export function createTableRetentionProvider(deps: ArmDependencies = {}): pulumi.dynamic.ResourceProvider {
    const apply = async (inputs: Record<string, unknown>): Promise<TableRetentionState> => {
        const wanted = normalize(inputs);
        const id = tableResourceId(wanted);
        const spec = { operation: `Setting the retention of ${id}`, forbidden: TABLE_WRITE_PERMISSION, timeoutMs: TABLE_OPERATION_TIMEOUT_MINUTES * 60_000 };
        const result = await retryArm(
            spec,
            // The client is made inside the attempt, so a credential problem is reported with the operation.
            () =>
                createArmClient(wanted.subscriptionId, deps).resources.beginUpdateByIdAndWait(relative(id), TABLES_API_VERSION, {
                    properties: { retentionInDays: wanted.retentionInDays, totalRetentionInDays: wanted.totalRetentionInDays },
                }),
            deps,
        );
        const props = (result.properties ?? {}) as Record<string, unknown>;
        return {
            ...wanted,
            retentionInDays: Number(props.retentionInDays ?? wanted.retentionInDays),
            totalRetentionInDays: Number(props.totalRetentionInDays ?? wanted.totalRetentionInDays),
        };
    };
    return {
        async create(inputs) {
            const outs = await apply(inputs);
            return { id: tableResourceId(outs), outs };
        },
        async read(id, props) {
            const current = normalize(props);
            const spec = { operation: `Reading the retention of ${id}`, timeoutMs: TABLE_OPERATION_TIMEOUT_MINUTES * 60_000 };
            const live = await retryArm(spec, () => createArmClient(current.subscriptionId, deps).resources.getById(relative(id), TABLES_API_VERSION), deps);
            const p = (live.properties ?? {}) as Record<string, unknown>;
            return {
                id,
                props: { ...current, retentionInDays: Number(p.retentionInDays), totalRetentionInDays: Number(p.totalRetentionInDays) },
            };
        },
        async diff(_id, olds, news) {
            return diffInputs(normalize(olds), normalize(news), ["subscriptionId", "resourceGroupName", "workspaceName", "tableName"], ["retentionInDays", "totalRetentionInDays"]);
        },
        async update(_id, _olds, news) {
            return { outs: await apply(news) };
        },
        async delete() {
            // Built-in tables can't be deleted, and shortening retention on destroy would destroy audit evidence.
        },
    };
}

/**
 * Sets the interactive and total (archive) retention of a built-in Log Analytics table, such as
 * AADProvisioningLogs, so provisioning logs outlive a shorter workspace default. Deleting it leaves
 * the table's retention as it is.
 */
export class TableRetention extends pulumi.dynamic.Resource {
    /** Interactive retention ARM reports, in days. */
    public readonly retentionInDays!: pulumi.Output<number>;
    /** Total retention ARM reports, in days. */
    public readonly totalRetentionInDays!: pulumi.Output<number>;
    /** The table's name. */
    public readonly tableName!: pulumi.Output<string>;

    constructor(name: string, args: TableRetentionArgs, opts?: pulumi.CustomResourceOptions) {
        super(createTableRetentionProvider(), name, { ...args }, opts, undefined, "TableRetention");
    }
}
