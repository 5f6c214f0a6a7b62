import * as pulumi from "@pulumi/pulumi";
import {
    type ArmAnswer,
    ArmClient,
    armCall,
    type ArmDependencies,
    type ArmFailure,
    diffInputs,
    type RetrySpec,
    retryArm,
    unexpectedAnswer,
    configuredDependencies,
} from "../azure/armOperation";

/** Copied by value into the serialized dynamic providers wherever the package is installed (see ../azure/dependencies.ts). */
export const deploymentOnlyModule = true;

/** API version of `Microsoft.OperationalInsights/workspaces` the guard reads, as azure-native 3.x uses. */
export const WORKSPACES_API_VERSION = "2023-09-01";

/** Inputs of {@link WorkspaceRetentionGuard}. */
export interface WorkspaceRetentionGuardArgs {
    /** Required. Subscription of the workspace. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Required. Resource group of the workspace. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Required. Name of the workspace. */
    readonly workspaceName: pulumi.Input<string>;
    /** Required. The workspace's retention the stack asks for, in days. */
    readonly retentionInDays: pulumi.Input<number>;
    /**
     * Optional. Allow this run to lower the workspace's retention, which deletes the logs older than
     * the new retention in every table that keeps the workspace's default (AuditLogs among them). Set
     * it for the one run that lowers it on purpose, then remove it. Defaults to false (and is then
     * not sent at all, so stacks that never set it see no change).
     */
    readonly allowRetentionDecrease?: pulumi.Input<boolean>;
}

/** What the guard keeps in state: what it checked. */
interface GuardState {
    readonly subscriptionId: string;
    readonly resourceGroupName: string;
    readonly workspaceName: string;
    readonly retentionInDays: number;
}

function normalize(inputs: Record<string, unknown>): GuardState {
    return {
        subscriptionId: String(inputs.subscriptionId),
        resourceGroupName: String(inputs.resourceGroupName),
        workspaceName: String(inputs.workspaceName),
        retentionInDays: Number(inputs.retentionInDays),
    };
}

function workspaceResourceId(s: GuardState): string {
    return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${s.workspaceName}`;
}

/** How long the guard's read may keep retrying a throttled or failing ARM. */
const GUARD_TIMEOUT_MINUTES = 5;

/**
 * Why lowering the workspace's retention from `before` to `after` days is refused, or undefined when
 * it is not lower. @internal exported for tests
 */
export function workspaceRetentionDecrease(id: string, before: number | undefined, after: number): string | undefined {
    return before !== undefined && Number.isFinite(before) && after < before
        ? `Lowering the retention of workspace ${id} from ${before} to ${after} days deletes the logs older than ${after} days in every table ` +
              "that keeps the workspace's retention (AuditLogs among them); set allowRetentionDecrease true for this run to do it on purpose"
        : undefined;
}

/**
 * The dynamic provider. azure-native's Workspace lowers `retentionInDays` like any other update, and
 * Log Analytics then deletes what is older: logs are audit evidence, so the workspace waits for this
 * guard (`dependsOn`), which refuses a lower retention than the state's (`check`, at preview already)
 * or the live workspace's (`create` and `update` read it first: a retention raised in the portal is
 * not lowered by accident either) unless `allowRetentionDecrease` is true for that run. It fails
 * closed: a workspace it can't read, or an answer without a retention, refuses the run, saying so. A
 * workspace that doesn't exist yet (404) has nothing to lose. It writes nothing to Azure; delete and
 * refresh leave the workspace alone.
 */
export function createWorkspaceRetentionGuardProvider(deps: ArmDependencies = {}): pulumi.dynamic.ResourceProvider {
    // An object, not a `let`: the serialized closure shares objects between the methods, not variables.
    const settings: { deps: ArmDependencies } = { deps };
    const guard = async (inputs: Record<string, unknown>, olds?: Record<string, unknown>): Promise<GuardState> => {
        const wanted = normalize(inputs);
        if (inputs.allowRetentionDecrease === true) {
            return wanted;
        }
        const id = workspaceResourceId(wanted);
        const reading: RetrySpec = {
            operation: `Reading the retention of workspace ${id} before changing it`,
            forbidden:
                "the identity can't read the workspace, so its current retention can't be checked: give it microsoft.operationalinsights/workspaces/read " +
                "(for example the Log Analytics Reader role), or set allowRetentionDecrease true for this run if lowering the retention is intended.",
            timeoutMs: GUARD_TIMEOUT_MINUTES * 60_000,
        };
        const arm = new ArmClient(settings.deps);
        const live = await retryArm(
            reading,
            async (timeoutMs) => {
                let answer: ArmAnswer;
                try {
                    answer = await armCall(arm, "GET", id, { apiVersion: WORKSPACES_API_VERSION, timeoutMs });
                } catch (e) {
                    // Not there yet: a workspace this run creates has no logs to lose.
                    if ((e as ArmFailure).statusCode === 404) {
                        return undefined;
                    }
                    throw e;
                }
                const days = answer.body?.properties?.retentionInDays;
                if (typeof days !== "number" || !Number.isFinite(days)) {
                    // Fail closed: without the live retention, a decrease can't be ruled out.
                    throw unexpectedAnswer(answer, "no numeric properties.retentionInDays for the workspace");
                }
                return days;
            },
            settings.deps,
        );
        // The larger of what the state and the live workspace say: neither is lowered unasked.
        const known = [olds ? normalize(olds).retentionInDays : undefined, live].filter(
            (d): d is number => d !== undefined && Number.isFinite(d),
        );
        const refusal = workspaceRetentionDecrease(id, known.length > 0 ? Math.max(...known) : undefined, wanted.retentionInDays);
        if (refusal) {
            throw new Error(refusal);
        }
        return wanted;
    };
    return {
        async configure(req) {
            settings.deps = await configuredDependencies(deps, req?.config);
        },
        async check(olds, news) {
            const failures: pulumi.dynamic.CheckFailure[] = [];
            if (olds && olds.retentionInDays !== undefined && news.allowRetentionDecrease !== true) {
                const refusal = workspaceRetentionDecrease(
                    workspaceResourceId(normalize(news)),
                    normalize(olds).retentionInDays,
                    normalize(news).retentionInDays,
                );
                if (refusal) {
                    failures.push({ property: "retentionInDays", reason: refusal });
                }
            }
            return { inputs: news, failures };
        },
        async create(inputs) {
            const outs = await guard(inputs);
            return { id: workspaceResourceId(outs), outs };
        },
        async diff(_id, olds, news) {
            return diffInputs(
                normalize(olds),
                normalize(news),
                ["subscriptionId", "resourceGroupName", "workspaceName"],
                ["retentionInDays"],
            );
        },
        async update(_id, olds, news) {
            return { outs: await guard(news, olds) };
        },
        async delete() {
            // A guard: nothing in Azure to delete.
        },
    };
}

/**
 * Refuses a `pulumi up` that would lower a workspace's retention, unless `allowRetentionDecrease` is
 * set for that run: give the workspace a `dependsOn` on it. It changes nothing in Azure.
 */
export class WorkspaceRetentionGuard extends pulumi.dynamic.Resource {
    /** The retention it let through, in days. */
    declare readonly retentionInDays: pulumi.Output<number>;

    constructor(name: string, args: WorkspaceRetentionGuardArgs, opts?: pulumi.CustomResourceOptions) {
        const { allowRetentionDecrease, ...rest } = args;
        const allow =
            allowRetentionDecrease === undefined || allowRetentionDecrease === false
                ? undefined
                : pulumi.output(allowRetentionDecrease).apply((v) => (v === true ? true : undefined));
        super(
            createWorkspaceRetentionGuardProvider(),
            name,
            { ...rest, ...(allow === undefined ? {} : { allowRetentionDecrease: allow }) },
            opts,
            undefined,
            "WorkspaceRetentionGuard",
        );
    }
}
