import * as pulumi from "@pulumi/pulumi";
import {
    type ArmAnswer,
    ArmClient,
    armCall,
    type ArmDependencies,
    type ArmFailure,
    Deadline,
    describeArmFailure,
    diffInputs,
    followOperation,
    retryArm,
    type RetrySpec,
    unexpectedAnswer,
    configuredDependencies,
} from "../azure/armOperation";
import { azureNativeIdentity } from "./azureNativeIdentity";

/** Copied by value into the serialized dynamic providers wherever the package is installed (see ../azure/dependencies.ts). */
export const deploymentOnlyModule = true;

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
    /**
     * Optional. Allow this run to lower the table's interactive or total retention. Lowering the total
     * retention deletes the older logs, so an update that lowers either is refused unless this is
     * true. Set it for the one run that lowers retention on purpose, then remove it. Defaults to false
     * (and is then not sent at all, so stacks that never set it see no change).
     */
    readonly allowRetentionDecrease?: pulumi.Input<boolean>;
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

/** How long a 404 on the table is taken for a workspace that is still activating (see {@link createTableRetentionProvider}). */
export const NEW_WORKSPACE_GRACE_MS = 5 * 60_000;

/** The fix for a 403 on the table. */
const TABLE_WRITE_PERMISSION =
    "the deploying identity needs microsoft.operationalinsights/workspaces/tables/write (for example the Log Analytics Contributor role).";

/** The fix for a 400 on the table. */
const TABLE_BAD_REQUEST =
    "ARM refused the retention values: check provisioningLogsRetentionInDays (4–730) and provisioningLogsTotalRetentionInDays (4–730, or whole years up to 4383) in the stack's settings.";

/** The fix for a 404 that outlasted {@link NEW_WORKSPACE_GRACE_MS}. */
function tableNotFound(s: TableRetentionState): string {
    return (
        `A new workspace answers 404 ("Workspace not active") for a few minutes after it is created: if this pulumi up created workspace ${s.workspaceName}, ` +
        `run pulumi up again in a few minutes; otherwise check that workspace ${s.workspaceName} exists in resource group ${s.resourceGroupName} ` +
        `of subscription ${s.subscriptionId} (pulumi refresh shows whether it was deleted).`
    );
}

/** A value ARM accepts as "the default" (-1), resolved the way ARM does, or undefined when unknown. */
function days(value: number, fallback?: number): number | undefined {
    return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * Why changing `before` to `after` would lose provisioning logs, or undefined when it would not:
 * a lower total retention deletes the older logs; a lower interactive retention takes them out of
 * interactive queries (they stay, for search jobs, until the total retention ends).
 * @internal exported for tests
 */
export function retentionDecrease(
    id: string,
    before: Pick<TableRetentionState, "retentionInDays" | "totalRetentionInDays">,
    after: Pick<TableRetentionState, "retentionInDays" | "totalRetentionInDays">,
): { property: string; reason: string } | undefined {
    const on = "set allowRetentionDecrease true for this run to do it on purpose";
    const [oldInteractive, newInteractive] = [days(before.retentionInDays), days(after.retentionInDays)];
    const [oldTotal, newTotal] = [days(before.totalRetentionInDays, oldInteractive), days(after.totalRetentionInDays, newInteractive)];
    if (oldTotal !== undefined && newTotal !== undefined && newTotal < oldTotal) {
        return {
            property: "totalRetentionInDays",
            reason: `Lowering the retention of ${id} from ${oldTotal} to ${newTotal} days deletes the older provisioning logs; ${on}`,
        };
    }
    if (oldInteractive !== undefined && newInteractive !== undefined && newInteractive < oldInteractive) {
        return {
            property: "retentionInDays",
            reason:
                `Lowering the interactive retention of ${id} from ${oldInteractive} to ${newInteractive} days takes provisioning logs older than ${newInteractive} days ` +
                `out of interactive queries (search jobs only); ${on}`,
        };
    }
    return undefined;
}

/**
 * The retention ARM reports in a table's properties. An answer without them (no `properties`, or a
 * retention that is not a number) throws ARM's malformed answer ({@link unexpectedAnswer}): it never
 * reaches state (NaN there, or the wanted values as if ARM had confirmed them) nor the decrease guard.
 */
function retentionOf(answer: ArmAnswer, wanted: TableRetentionState): TableRetentionState {
    const p = answer.body?.properties;
    if (p === null || typeof p !== "object") {
        throw unexpectedAnswer(answer, "no properties for the table");
    }
    for (const field of ["retentionInDays", "totalRetentionInDays"]) {
        if (typeof p[field] !== "number" || !Number.isFinite(p[field])) {
            throw unexpectedAnswer(answer, `no numeric properties.${field} for the table (${JSON.stringify(p[field] ?? null)})`);
        }
    }
    return { ...wanted, retentionInDays: p.retentionInDays, totalRetentionInDays: p.totalRetentionInDays };
}

/** The larger of the known retentions (see {@link days}), or undefined when none is known. */
function largest(...values: Array<number | undefined>): number | undefined {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length > 0 ? Math.max(...known) : undefined;
}

/**
 * The dynamic provider: PATCH on create and update, GET on read. Built-in tables exist in every
 * workspace, can't be deleted, and azure-native's `operationalinsights.Table` refuses to "create"
 * one that exists, so their retention is set with PATCH, which changes only the fields it sends.
 *
 * What ARM does for AADProvisioningLogs in a brand-new workspace, before the first provisioning
 * event (no Azure here to try it; the sources agree):
 * - Microsoft's tables are provisioned with the workspace: "There is no delete. The tables are built
 *   in, you can only get or update" (the Tables API's author, Azure/azure-rest-api-specs#7519);
 *   "Microsoft tables are always automatically provisioned whenever log analytics workspaces are
 *   provisioned" (hashicorp/terraform-provider-azurerm, log_analytics_workspace_table_microsoft_resource.go);
 *   "tables created when a Log Analytics Workspace is created" (Pulumi's azure `loganalytics.WorkspaceTable`
 *   docs). So GET and PATCH answer before any data arrives; it is KQL that cannot resolve the table
 *   until then (hence the typed `datatable` in every query).
 * - But right after the workspace is created, writes to its tables answer 404 `ResourceNotFound`
 *   "Workspace not active, WorkspaceId=…" for a while (hashicorp/terraform-provider-azurerm#30069, "when
 *   created at same time as azurerm_log_analytics_workspace"; Azure/terraform-azurerm-avm-ptn-aks-production#187).
 *   So a 404 is waited out for {@link NEW_WORKSPACE_GRACE_MS}, then reported with what to do.
 * - PUT is no way around it: ARM does not create a table it does not know ("The specified table: 'Test'
 *   does not exist", Azure/azure-rest-api-specs#18340), and a PUT would reset every field it does not send.
 * - The PATCH may answer 202 and run as a long-running operation (`final-state-via: azure-async-operation`
 *   in the 2023-09-01 spec); it is followed on the same deadline.
 *
 * Logs are audit evidence: an update that would lower the retention below what the state or the live
 * table has is refused unless `allowRetentionDecrease` is true for that run (`check` refuses it at
 * preview already); delete never touches the table.
 *
 * It authenticates as the azure-native provider does, from the stack's `azure-native:*` config that
 * `configure` hands it and the `ARM_*` variables, and checks its token is the provider's identity
 * before the PATCH (see `azureNativeIdentity.ts`).
 */
export function createTableRetentionProvider(deps: ArmDependencies = {}): pulumi.dynamic.ResourceProvider {
    // An object, not a `let`: the serialized closure shares objects between the methods, not variables.
    const settings: { deps: ArmDependencies } = { deps };
    const spec = (operation: string, wanted: TableRetentionState): RetrySpec => ({
        operation,
        forbidden: TABLE_WRITE_PERMISSION,
        badRequest: TABLE_BAD_REQUEST,
        notFound: tableNotFound(wanted),
        timeoutMs: TABLE_OPERATION_TIMEOUT_MINUTES * 60_000,
    });
    const apply = async (inputs: Record<string, unknown>, olds?: Record<string, unknown>): Promise<TableRetentionState> => {
        const wanted = normalize(inputs);
        const id = tableResourceId(wanted);
        const arm = new ArmClient(settings.deps);
        const setting: RetrySpec = {
            ...spec(`Setting the retention of ${id}`, wanted),
            // A workspace created moments ago answers 404 for a while (see above).
            retryAlso: (err: ArmFailure, elapsedMs: number) => err.statusCode === 404 && elapsedMs < NEW_WORKSPACE_GRACE_MS,
        };
        // One deadline for the whole operation: the read before an update, the PATCH, and its polls.
        const deadline = new Deadline(setting, deps);
        if (olds && inputs.allowRetentionDecrease !== true) {
            // Compare with the live table too: a retention raised outside Pulumi is not lowered by accident either.
            const old = normalize(olds);
            const guarding: RetrySpec = {
                ...setting,
                forbidden:
                    `the identity can't read the table, so its current retention can't be checked before the update: ` +
                    `give it microsoft.operationalinsights/workspaces/tables/read (for example the Log Analytics Reader role), ` +
                    `or set allowRetentionDecrease true for this run if lowering the retention is intended.`,
            };
            // A malformed answer throws here (see `retentionOf`): no update on a retention that could not be read.
            const current = await retryArm(
                guarding,
                async (timeoutMs) => retentionOf(await armCall(arm, "GET", id, { apiVersion: TABLES_API_VERSION, timeoutMs }), old),
                deps,
                deadline,
            );
            const before = {
                retentionInDays: largest(days(old.retentionInDays), days(current.retentionInDays)),
                totalRetentionInDays: largest(
                    days(old.totalRetentionInDays, days(old.retentionInDays)),
                    days(current.totalRetentionInDays, days(current.retentionInDays)),
                ),
            };
            if (before.retentionInDays === undefined || before.totalRetentionInDays === undefined) {
                // Fail closed: with no old value to compare with, a decrease can't be ruled out.
                throw new Error(
                    `Refusing to change the retention of ${id}: neither the state nor the live table gives its current retention ` +
                        `(state ${old.retentionInDays}/${old.totalRetentionInDays} days, table ${current.retentionInDays}/${current.totalRetentionInDays}), ` +
                        `so a decrease can't be ruled out. Set allowRetentionDecrease true for this run if a decrease is intended, ` +
                        `or run pulumi refresh to read the table's retention into state, then pulumi up again.`,
                );
            }
            const decrease = retentionDecrease(id, before as { retentionInDays: number; totalRetentionInDays: number }, wanted);
            if (decrease) {
                throw new Error(decrease.reason);
            }
        }
        let answer = await retryArm(
            setting,
            (timeoutMs) =>
                armCall(arm, "PATCH", id, {
                    apiVersion: TABLES_API_VERSION,
                    body: { properties: { retentionInDays: wanted.retentionInDays, totalRetentionInDays: wanted.totalRetentionInDays } },
                    timeoutMs,
                }),
            deps,
            deadline,
        );
        if (answer.status === 202) {
            answer = await followOperation(arm, answer, { path: id, apiVersion: TABLES_API_VERSION }, deadline, deps);
        }
        // What ARM reports after the PATCH goes to state; an answer without the table's retention throws (see `retentionOf`).
        try {
            return retentionOf(answer, wanted);
        } catch (e) {
            throw new Error(describeArmFailure(setting.operation, e as ArmFailure, setting, deadline.answers, deadline.elapsedMs));
        }
    };
    return {
        async configure(req) {
            settings.deps = await configuredDependencies(deps, req?.config);
        },
        async check(olds, news) {
            // Rules inline: the closure Pulumi serializes must stay small.
            const failures: pulumi.dynamic.CheckFailure[] = [];
            if (olds && olds.retentionInDays !== undefined && news.allowRetentionDecrease !== true) {
                const decrease = retentionDecrease(tableResourceId(normalize(news)), normalize(olds), normalize(news));
                if (decrease) {
                    failures.push(decrease);
                }
            }
            return { inputs: news, failures };
        },
        async create(inputs) {
            const outs = await apply(inputs);
            return { id: tableResourceId(outs), outs };
        },
        async read(id, props) {
            const current = normalize(props);
            const reading = {
                ...spec(`Reading the retention of ${id} (refresh)`, current),
                forbidden:
                    "the identity needs microsoft.operationalinsights/workspaces/tables/read (for example the Log Analytics Reader role).",
                again: "run pulumi refresh again",
            };
            const arm = new ArmClient(settings.deps);
            // A 404 is the answer "gone": the blank ID below. Any other failure, or a malformed answer, throws (nothing reaches state).
            const live = await retryArm(
                reading,
                async (timeoutMs) => {
                    try {
                        return retentionOf(await armCall(arm, "GET", id, { apiVersion: TABLES_API_VERSION, timeoutMs }), current);
                    } catch (e) {
                        if ((e as ArmFailure).statusCode === 404) {
                            return undefined;
                        }
                        throw e;
                    }
                },
                deps,
            );
            if (live === undefined) {
                // The table (or its workspace) is gone: a blank ID from Read tells Pulumi the resource was deleted, so refresh
                // drops it from state and the next pulumi up sets the retention again. pulumi/pulumi pkg/resource/deploy/step.go,
                // RefreshStep.Apply: "If the ID is blank treat this as a delete"; azure-native answers a 404 the same way
                // (provider.go Read: `if azure.IsNotFound(err) { return &rpc.ReadResponse{Id: ""}, nil }`).
                return { id: "" };
            }
            return { id, props: { ...current, retentionInDays: live.retentionInDays, totalRetentionInDays: live.totalRetentionInDays } };
        },
        async diff(_id, olds, news) {
            return diffInputs(
                normalize(olds),
                normalize(news),
                ["subscriptionId", "resourceGroupName", "workspaceName", "tableName"],
                ["retentionInDays", "totalRetentionInDays"],
            );
        },
        async update(_id, olds, news) {
            return { outs: await apply(news, olds) };
        },
        async delete() {
            // Built-in tables can't be deleted, and shortening retention on destroy would destroy audit evidence.
        },
    };
}

/** `allowRetentionDecrease` as an input: sent only when true, so stacks that never set it see no diff. */
function onlyWhenTrue(value: pulumi.Input<boolean> | undefined): pulumi.Input<boolean> | undefined {
    if (value === undefined || value === false) {
        return undefined;
    }
    return value === true ? true : (pulumi.output(value).apply((v) => (v === true ? true : undefined)) as pulumi.Output<boolean>);
}

/**
 * Sets the interactive and total (archive) retention of a built-in Log Analytics table, such as
 * AADProvisioningLogs, so provisioning logs outlive a shorter workspace default. Lowering either
 * needs `allowRetentionDecrease` for that run. Deleting it leaves the table's retention as it is.
 */
export class TableRetention extends pulumi.dynamic.Resource {
    // `declare`: Pulumi sets the outputs in the base constructor; an ES2022 class field (what the es2022
    // target emits for `x!: T`) would then redefine each one as undefined.
    /** Interactive retention ARM reports, in days. */
    declare readonly retentionInDays: pulumi.Output<number>;
    /** Total retention ARM reports, in days. */
    declare readonly totalRetentionInDays: pulumi.Output<number>;
    /** The table's name. */
    declare readonly tableName: pulumi.Output<string>;

    constructor(name: string, args: TableRetentionArgs, opts?: pulumi.CustomResourceOptions) {
        const { allowRetentionDecrease, ...rest } = args;
        const allow = onlyWhenTrue(allowRetentionDecrease);
        super(
            createTableRetentionProvider({ providerIdentity: azureNativeIdentity(opts) }),
            name,
            { ...rest, ...(allow === undefined ? {} : { allowRetentionDecrease: allow }) },
            opts,
            undefined,
            "TableRetention",
        );
    }
}
