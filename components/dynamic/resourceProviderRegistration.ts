import * as pulumi from "@pulumi/pulumi";
import {
    ArmClient,
    armCall,
    type ArmDependencies,
    type ArmFailure,
    type Clock,
    Deadline,
    DEFAULT_REQUEST_TIMEOUT_MS,
    describeArmFailure,
    diffInputs,
    isTransient,
    retryAfterMs,
    retryArm,
    type RetrySpec,
    SYSTEM_CLOCK,
    unexpectedAnswer,
    type WaitRefused,
    configuredDependencies,
} from "../azure/armOperation";
import { azureNativeIdentity } from "./azureNativeIdentity";

/** Copied by value into the serialized dynamic providers wherever the package is installed (see ../azure/dependencies.ts). */
export const deploymentOnlyModule = true;

/** Inputs of {@link ResourceProviderRegistration}. */
export interface ResourceProviderRegistrationArgs {
    /** Required. The subscription to register the namespace on. */
    readonly subscriptionId: pulumi.Input<string>;
    /** Optional. The resource provider namespace. Defaults to `Microsoft.Insights`. */
    readonly namespace?: pulumi.Input<string>;
    /** Optional. How long to wait for `Registered` before failing. Defaults to 20 minutes. */
    readonly timeoutMinutes?: pulumi.Input<number>;
}

/** What the dynamic provider keeps in state. */
export interface RegistrationState {
    readonly subscriptionId: string;
    readonly namespace: string;
    readonly timeoutMinutes: number;
    readonly registrationState: string;
}

/** Everything the provider talks to, injectable so tests drive the real code against a loopback ARM. */
export type RegistrationDependencies = ArmDependencies;

const DEFAULT_NAMESPACE = "Microsoft.Insights";
const DEFAULT_TIMEOUT_MINUTES = 20;

/** API version of `Microsoft.Resources` providers (read and register). */
export const PROVIDERS_API_VERSION = "2021-04-01";

/** How long a refresh may keep retrying a throttled or failing ARM. */
const READ_TIMEOUT_MS = 5 * 60_000;

/** The part of ARM the waiter uses: read a provider, register it. `timeoutMs` bounds the one request. */
export interface ProvidersApi {
    get(namespace: string, timeoutMs?: number): Promise<{ registrationState?: string }>;
    register(namespace: string, timeoutMs?: number): Promise<{ registrationState?: string }>;
}

/** The waiter's view of ARM: one GET or POST each, no retries of their own. */
function createProvidersApi(subscriptionId: string, deps: ArmDependencies): ProvidersApi {
    const arm = new ArmClient(deps);
    const path = (namespace: string) => `/subscriptions/${subscriptionId}/providers/${namespace}`;
    const timeout = (timeoutMs?: number) => timeoutMs ?? deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return {
        get: async (namespace, timeoutMs) => {
            const answer = await armCall(arm, "GET", path(namespace), { apiVersion: PROVIDERS_API_VERSION, timeoutMs: timeout(timeoutMs) });
            // A provider without its state is no answer to wait on (it was polled for the whole deadline): it fails at once.
            if (typeof answer.body?.registrationState !== "string") {
                throw unexpectedAnswer(answer, "no registrationState for the provider");
            }
            return answer.body;
        },
        register: async (namespace, timeoutMs) =>
            (
                await armCall(arm, "POST", `${path(namespace)}/register`, {
                    apiVersion: PROVIDERS_API_VERSION,
                    timeoutMs: timeout(timeoutMs),
                })
            ).body ?? {},
    };
}

/** The fix for a 403 on a provider's registration. */
function registerPermission(namespace: string, subscriptionId: string): string {
    return (
        `the deploying identity needs the permission ${namespace}/register/action on the subscription ` +
        `(for example through the Contributor role), or an administrator can run ` +
        `\`az provider register --namespace ${namespace} --subscription ${subscriptionId}\` once.`
    );
}

/** States ARM reports for a provider that is not registered and not on its way there. */
const NOT_REGISTERED = /^(notregistered|unregistered)$/i;

/**
 * Registers `namespace` unless it already is, then polls until ARM says `Registered`. One read when
 * already registered; otherwise one register call and reads on a growing, jittered interval, each
 * request bounded, no wait past the deadline (nor up to it just to fail). Transient failures are
 * retried within the deadline; anything else fails at once. A registration that falls back from
 * `Registering` to `NotRegistered`/`Unregistered` is asked for once more, then reported.
 */
export async function ensureRegistered(
    api: ProvidersApi,
    subscriptionId: string,
    namespace: string,
    timeoutMinutes: number,
    deps: Pick<RegistrationDependencies, "clock" | "backoff" | "random" | "requestTimeoutMs"> = {},
): Promise<string> {
    const clock: Clock = deps.clock ?? SYSTEM_CLOCK;
    const spec: RetrySpec = {
        operation: `Registering resource provider ${namespace} on subscription ${subscriptionId}`,
        forbidden: registerPermission(namespace, subscriptionId),
        timeoutMs: timeoutMinutes * 60_000,
        budget: "registrationTimeoutMinutes",
    };
    const deadline = new Deadline(spec, deps);
    const failures = deadline.answers;
    let lastState = "unknown";
    let reads = 0;
    let registerCalls = 0;
    /** Whether ARM said `Registering` since our last register call. */
    let registering = false;

    for (;;) {
        let retryAfter: number | undefined;
        let fellBack = false;
        try {
            const provider = await api.get(namespace, deadline.requestTimeoutMs());
            reads++;
            lastState = provider.registrationState ?? "unknown";
            if (/^registered$/i.test(lastState)) {
                return "Registered";
            }
            if (/^registering$/i.test(lastState)) {
                registering = true;
            } else if (registerCalls === 0 && registering && NOT_REGISTERED.test(lastState)) {
                registering = false; // someone else's registration fell back: ours comes next
            }
            // Back to NotRegistered after our register call had it Registering: ask once more, then report it.
            const back = registerCalls > 0 && registering && NOT_REGISTERED.test(lastState);
            fellBack = back && registerCalls >= 2;
            // Already `Registering` (someone else asked): wait for it, do not ask again.
            const ask = (registerCalls === 0 && !registering) || (back && registerCalls < 2);
            if (ask) {
                registering = false;
                const registered = await api.register(namespace, deadline.requestTimeoutMs());
                registerCalls++;
                lastState = registered.registrationState ?? lastState;
                if (/^registered$/i.test(lastState)) {
                    return "Registered";
                }
                registering = /^registering$/i.test(lastState);
            }
        } catch (e) {
            const err = e as ArmFailure;
            if (!isTransient(err)) {
                throw new Error(describeArmFailure(spec.operation, err, spec, failures, deadline.elapsedMs));
            }
            failures.record(err);
            retryAfter = retryAfterMs(err, clock.now());
        }
        if (fellBack) {
            throw new Error(
                `Resource provider ${namespace} went from Registering back to ${lastState} on subscription ${subscriptionId}` +
                    `${registerCalls > 0 ? ` after ${registerCalls} register call${registerCalls === 1 ? "" : "s"}` : ""}: ARM did not complete the registration. ` +
                    `Look for the failed register action in the subscription's activity log and fix its cause, then run pulumi up again ` +
                    `(\`az provider show --namespace ${namespace} --query registrationState\` shows the state).`,
            );
        }
        const refused = await deadline.wait(retryAfter);
        if (refused) {
            throw new Error(stillNotRegistered(deadline, refused, namespace, subscriptionId, lastState, reads));
        }
    }
}

/** Why the waiter stopped: ARM's Retry-After did not fit, ARM only throttled or failed, or the registration is just slow. */
function stillNotRegistered(
    deadline: Deadline,
    refused: WaitRefused,
    namespace: string,
    subscriptionId: string,
    lastState: string,
    reads: number,
): string {
    const show = `\`az provider show --namespace ${namespace} --query registrationState\``;
    if (refused.retryAfterMs !== undefined) {
        return deadline.giveUp(refused);
    }
    if (reads === 0) {
        return (
            `${deadline.spec.operation} did not finish within ${deadline.limit}${deadline.answered()}, and never read the provider's state: ` +
            `${deadline.answers.diagnosis()}, not registering slowly. Run pulumi up again later; ${show} shows the state.`
        );
    }
    return (
        `Resource provider ${namespace} is still not registered on subscription ${subscriptionId} within ${deadline.limit} ` +
        `(last state: ${lastState}${deadline.answers.size > 0 ? `; ARM also answered ${deadline.answers.summary()}` : ""}). Registration is sometimes slow: ` +
        `check ${show} and run \`pulumi up\` again.`
    );
}

function normalize(inputs: Record<string, unknown>): RegistrationState {
    return {
        subscriptionId: String(inputs.subscriptionId),
        namespace: String(inputs.namespace ?? DEFAULT_NAMESPACE),
        timeoutMinutes: Number(inputs.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES),
        registrationState: String(inputs.registrationState ?? "unknown"),
    };
}

/**
 * The dynamic provider. Everything it needs is required inside its methods, because Pulumi
 * serializes the provider's closure and runs it in another process. It authenticates as the
 * azure-native provider does: `configure` hands it the stack's config, from which it keeps the
 * provider's `azure-native:*` settings (secrets included, never in its inputs or state), beside the
 * `ARM_*` variables of its process; before its first write it checks its token is the provider's
 * identity, captured at construction (see `azureNativeIdentity.ts`).
 */
export function createRegistrationProvider(deps: RegistrationDependencies = {}): pulumi.dynamic.ResourceProvider {
    // An object, not a `let`: the serialized closure shares objects between the methods, not variables.
    const settings: { deps: RegistrationDependencies } = { deps };
    const apiFor = (subscriptionId: string) => createProvidersApi(subscriptionId, settings.deps);
    const register = async (inputs: Record<string, unknown>) => {
        const wanted = normalize(inputs);
        const state = await ensureRegistered(
            apiFor(wanted.subscriptionId),
            wanted.subscriptionId,
            wanted.namespace,
            wanted.timeoutMinutes,
            deps,
        );
        return { ...wanted, registrationState: state };
    };
    return {
        async configure(req) {
            settings.deps = await configuredDependencies(deps, req?.config);
        },
        async check(_olds, news) {
            // Rules inline, not imported from the settings: the closure Pulumi serializes must stay small.
            const failures: pulumi.dynamic.CheckFailure[] = [];
            if (!/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(String(news.subscriptionId))) {
                failures.push({ property: "subscriptionId", reason: `must be a GUID (got ${news.subscriptionId})` });
            }
            if (!/^[A-Za-z][A-Za-z0-9]*\.[A-Za-z0-9.]+$/.test(String(news.namespace ?? DEFAULT_NAMESPACE))) {
                failures.push({ property: "namespace", reason: `must be a namespace like Microsoft.Insights (got ${news.namespace})` });
            }
            return { inputs: news, failures };
        },
        async create(inputs) {
            const outs = await register(inputs);
            return { id: `/subscriptions/${outs.subscriptionId}/providers/${outs.namespace}`, outs };
        },
        async read(id, props) {
            const current = normalize(props);
            const api = apiFor(current.subscriptionId);
            const spec: RetrySpec = {
                operation: `Reading the registration of resource provider ${current.namespace} on subscription ${current.subscriptionId} (${id})`,
                forbidden: `the identity needs Reader on subscription ${current.subscriptionId} to read its resource providers.`,
                // A 404 is not "deleted" (which would drop the resource from state, see tableRetention.ts `read`): a namespace
                // is never deleted, and unregistering one leaves it readable (200, NotRegistered, drift that diff
                // updates). ARM answers 404 for a namespace it does not know (InvalidResourceNamespace) or a subscription
                // it can't find (SubscriptionNotFound); dropping the resource would only have the next pulumi up fail
                // the same way, so the refresh fails now, saying what to check.
                notFound: `Check the namespace ${current.namespace} (spelling, and that it exists in this cloud) and subscription ${current.subscriptionId}.`,
                timeoutMs: READ_TIMEOUT_MS,
                again: "run pulumi refresh again",
            };
            const provider = await retryArm(spec, (timeoutMs) => api.get(current.namespace, timeoutMs), deps);
            return { id, props: { ...current, registrationState: provider.registrationState ?? "unknown" } };
        },
        async diff(_id, olds, news) {
            const before = normalize(olds);
            const diff = diffInputs(before, normalize(news), ["subscriptionId", "namespace"], ["timeoutMinutes"]);
            // A refresh that found the provider unregistered again is drift worth an update.
            const drifted = olds.registrationState !== undefined && before.registrationState !== "Registered";
            return { ...diff, changes: diff.changes || drifted };
        },
        async update(_id, _olds, news) {
            return { outs: await register(news) };
        },
        async delete() {
            // Never unregister: other workloads on the subscription depend on the provider.
        },
    };
}

/**
 * Registers a resource provider namespace on a subscription and waits until ARM reports it
 * `Registered`. azure-native has no resource for this, and creating a diagnostic setting before
 * `microsoft.insights` is registered fails ("subscription is not registered to use microsoft.insights").
 * Deleting it never unregisters the namespace.
 */
export class ResourceProviderRegistration extends pulumi.dynamic.Resource {
    // `declare`: Pulumi sets the outputs in the base constructor; an ES2022 class field (what the es2022
    // target emits for `x!: T`) would then redefine each one as undefined.
    /** The subscription the namespace is registered on. */
    declare readonly subscriptionId: pulumi.Output<string>;
    /** The namespace, as configured. */
    declare readonly namespace: pulumi.Output<string>;
    /** `Registered` once created. */
    declare readonly registrationState: pulumi.Output<string>;

    constructor(name: string, args: ResourceProviderRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            createRegistrationProvider({ providerIdentity: azureNativeIdentity(opts) }),
            name,
            {
                subscriptionId: args.subscriptionId,
                namespace: args.namespace ?? DEFAULT_NAMESPACE,
                timeoutMinutes: args.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
                registrationState: undefined,
            },
            opts,
            undefined,
            "ResourceProviderRegistration",
        );
    }
}
