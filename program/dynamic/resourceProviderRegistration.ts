import * as pulumi from "@pulumi/pulumi";
import { AnswerLog, ArmDependencies, ArmFailure, Clock, createArmClient, DEFAULT_BACKOFF, describeArmFailure, diffInputs, isTransient, retryAfterMs, SYSTEM_CLOCK } from "../azure/armOperation";

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

/** The part of the ARM client the waiter uses: `providers.get` and `providers.register`. */
export interface ProvidersApi {
    get(namespace: string): Promise<{ registrationState?: string }>;
    register(namespace: string): Promise<{ registrationState?: string }>;
}

/** The waiter's view of the official ARM client. */
function createProvidersApi(subscriptionId: string, deps: ArmDependencies): ProvidersApi {
    const client = createArmClient(subscriptionId, deps);
    return {
        get: (namespace) => client.providers.get(namespace),
        register: (namespace) => client.providers.register(namespace),
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

/**
 * Registers `namespace` unless it already is, then polls until ARM says `Registered`. One read when
 * already registered; otherwise one register call and reads on a growing interval, never after the
 * deadline. Transient failures are retried until the deadline; anything else fails at once.
 */
export async function ensureRegistered(
    api: ProvidersApi,
    subscriptionId: string,
    namespace: string,
    timeoutMinutes: number,
    deps: Pick<RegistrationDependencies, "clock" | "backoff" | "log"> = {},
): Promise<string> {
    const clock: Clock = deps.clock ?? SYSTEM_CLOCK;
    const backoff = deps.backoff ?? DEFAULT_BACKOFF;
    const log = deps.log ?? (() => undefined);
    const deadline = clock.now() + timeoutMinutes * 60_000;
    let lastState = "unknown";
    let registerRequested = false;
    let delay = backoff.initialMs;
    const failures = new AnswerLog();

    for (;;) {
        let waitAtLeast = 0;
        try {
            const provider = await api.get(namespace);
            lastState = provider.registrationState ?? "unknown";
            if (lastState.toLowerCase() === "registered") {
                return "Registered";
            }
            // Already `Registering` (someone else asked): wait for it, do not ask again.
            if (!registerRequested && lastState.toLowerCase() !== "registering") {
                log(`${namespace} is ${lastState}; registering it on subscription ${subscriptionId}`);
                const registered = await api.register(namespace);
                registerRequested = true;
                lastState = registered.registrationState ?? lastState;
                if (lastState.toLowerCase() === "registered") {
                    return "Registered";
                }
            }
            registerRequested = true;
        } catch (e) {
            const err = e as ArmFailure;
            if (!isTransient(err)) {
                throw new Error(
                    describeArmFailure(`Registering resource provider ${namespace} on subscription ${subscriptionId}`, err, registerPermission(namespace, subscriptionId)),
                );
            }
            failures.record(err);
            waitAtLeast = retryAfterMs(err, clock.now()) ?? 0;
            log(`${namespace}: transient failure (${err.statusCode ?? err.code}); retrying`);
        }

        const remaining = deadline - clock.now();
        if (remaining <= 0) {
            throw new Error(
                `Resource provider ${namespace} is still not registered on subscription ${subscriptionId} ` +
                    `after ${timeoutMinutes} minutes (last state: ${lastState}${failures.size > 0 ? `; failed reads: ARM answered ${failures.summary()}` : ""}). Registration is sometimes slow: ` +
                    `check \`az provider show --namespace ${namespace} --query registrationState\` and run \`pulumi up\` again.`,
            );
        }
        // Never sleep past the deadline: the last read happens exactly at it, none after.
        await clock.sleep(Math.min(Math.max(delay, waitAtLeast), remaining));
        delay = Math.min(delay * backoff.factor, backoff.maxMs);
    }
}

/** Reads the current registration state without changing anything. */
async function readState(api: ProvidersApi, namespace: string): Promise<string> {
    const provider = await api.get(namespace);
    return provider.registrationState ?? "unknown";
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
 * serializes the provider's closure and runs it in another process.
 */
export function createRegistrationProvider(deps: RegistrationDependencies = {}): pulumi.dynamic.ResourceProvider {
    const apiFor = (subscriptionId: string) => createProvidersApi(subscriptionId, deps);
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
            const registrationState = await readState(apiFor(current.subscriptionId), current.namespace);
            return { id, props: { ...current, registrationState } };
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
    /** The subscription the namespace is registered on. */
    public readonly subscriptionId!: pulumi.Output<string>;
    /** The namespace, as configured. */
    public readonly namespace!: pulumi.Output<string>;
    /** `Registered` once created. */
    public readonly registrationState!: pulumi.Output<string>;

    constructor(name: string, args: ResourceProviderRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            createRegistrationProvider(),
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
