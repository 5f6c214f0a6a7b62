import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import * as closure from "@pulumi/pulumi/runtime/closure/serializeClosure";

/**
 * The harness of the component contract tests (test/components/provisioning*.test.ts and
 * tenantDiagnosticSetting.test.ts): `pulumi.runtime.setMocks` with a provider that answers like
 * azure-native, a recorder of the tree of resources a component builds (types, names, parents,
 * ordering, options and the inputs the engine receives), and the helpers that read that tree.
 *
 * A file makes one harness, with what it alone needs as options, and sets it once:
 *
 * ```ts
 * const mocks = componentMocks({ functions: { "azure-native:aadiam:getDiagnosticSetting": () => live } });
 * before(async () => {
 *     await mocks.use();
 *     built = await mocks.construct((opts) => new Component("name", args(), opts));
 * });
 * after(() => mocks.restore());
 * ```
 */

// ---------------------------------------------------------------------------------------------
// What the mocked provider reports

/** The tenant the mocked azure-native provider runs in (its `getClientConfig`). */
export const TENANT = "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";

/** The subscription the mocked azure-native provider runs in (its `getClientConfig`). */
export const SUBSCRIPTION = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";

/** The customer ID the mocked provider reports for any workspace. */
export const CUSTOMER_ID = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/**
 * The text `pulumi.dynamic.Resource` sends as `__provider` while a harness with `dynamicProviders`
 * is set. The SDK serializes a dynamic provider's closure for every resource, even under mocks, and
 * that takes 1–3 s per resource here (three or four per build of ProvisioningLogging); the serialized
 * providers are tested in test/components/dynamic/serialization.test.ts.
 */
export const PROVIDER_TEXT = "exports.handler = {}; // serialized in test/components/dynamic/serialization.test.ts";

/** The Azure name a provider reports as `name`, by the input that sets it. */
const NAME_INPUT: Readonly<Record<string, string>> = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:operationalinsights:Workspace": "workspaceName",
    "azure-native:operationalinsights:QueryPack": "queryPackName",
    "azure-native:aadiam:DiagnosticSetting": "name",
    "azure-native:applicationinsights:Workbook": "resourceName",
    "azure-native:portal:Dashboard": "dashboardName",
    "azure-native:monitor:ActionGroup": "actionGroupName",
    "azure-native:monitor:ScheduledQueryRule": "ruleName",
};

// ---------------------------------------------------------------------------------------------
// The harness

/** What a mocked provider function answers: its result, or the provider's failure (e.g. the live diagnostic setting, or a 404). */
export type FunctionAnswer = Record<string, unknown> | { readonly failure: string };

/** A provider function a build called, with its arguments. */
export interface Call {
    readonly token: string;
    readonly inputs: Record<string, unknown>;
}

/** A resource made: what its constructor asked for, and what the engine received. */
export interface Made {
    readonly type: string;
    readonly name: string;
    /** The name of its parent, among the resources made. */
    readonly parent?: string;
    /** What it waits for, by name; `["(an output)"]` when its dependsOn is an output. */
    readonly dependsOn: string[];
    /** The resource options that change what the engine does with it, as given. */
    readonly options: { protect?: boolean; retainOnDelete?: boolean; import?: string; additionalSecretOutputs?: string[] };
    /** The ID of a resource read (`get`) or imported, as the engine received it. */
    readonly id?: string;
    readonly inputs: Record<string, any>;
}

/** What a component made, for args it accepts. */
export type Built<T> = { readonly component: T; readonly made: Made[] };

/** What a construction gave: the component, or what its constructor threw, and what was made before. */
export type Recorded<T> = { readonly component?: T; readonly error?: unknown; readonly made: Made[] };

/** Builds a component with the options the recorder needs. */
export type Make<T extends pulumi.ComponentResource> = (opts: pulumi.ComponentResourceOptions) => T;

/** What a file needs of the mocks beyond what every file does. */
export interface ComponentMocksOptions {
    /**
     * Provider functions the file answers, by token. Each is asked at every call, so a test sets the
     * answer (the tenant's live diagnostic setting, say) before a build. A `{ failure }` answer fails
     * as gRPC hands over a provider's failure; a function neither listed nor answered fails with "no
     * mock for <token>". `getClientConfig` answers {@link TENANT} and {@link SUBSCRIPTION} unless listed.
     */
    readonly functions?: Readonly<Record<string, () => FunctionAnswer | undefined>>;
    /**
     * The file builds dynamic resources: `use` stubs the serialization of their providers, which
     * then send {@link PROVIDER_TEXT} as `__provider`, and `restore` puts it back. Defaults to false.
     */
    readonly dynamicProviders?: boolean;
}

/** One file's mocks and recorder; see {@link componentMocks}. */
export interface ComponentMocks {
    /**
     * Sets the mocks, once per file (in `before`): an update, not a preview, so every input is known.
     * Once, because a component's outputs are registered after its children, possibly after the next
     * build started, and a new mock monitor refuses a resource it has not seen ("unknown resource").
     */
    use(): Promise<void>;
    /** Puts back what `use` stubbed (in `after`). */
    restore(): void;
    /**
     * Constructs a component and resolves once everything it made is registered, also when the
     * constructor throws (then with the error).
     */
    record<T extends pulumi.ComponentResource>(make: Make<T>): Promise<Recorded<T>>;
    /** What a component made, for args it accepts; what it threw otherwise. */
    construct<T extends pulumi.ComponentResource>(make: Make<T>): Promise<Built<T>>;
    /** What a component threw, and what it made before, for args it refuses. */
    refused<T extends pulumi.ComponentResource>(make: Make<T>): Promise<{ error: unknown; made: Made[] }>;
    /** The provider functions the last build called, with their arguments, in order (and any called since). */
    calls(): readonly Call[];
}

/** A harness for one test file: make it at the top of the file, and call `use` once, in `before`. */
export function componentMocks(options: ComponentMocksOptions = {}): ComponentMocks {
    /** The registrations of the build being recorded, by `type::name`, and who waits for which. */
    let registered = new Map<string, { inputs: Record<string, any>; id?: string }>();
    let waiting = new Map<string, () => void>();
    let calls: Call[] = [];
    const serializeFunction = closure.serializeFunction;
    const functions: Record<string, () => FunctionAnswer | undefined> = {
        "azure-native:authorization:getClientConfig": () => ({
            clientId: "client",
            objectId: "object",
            subscriptionId: SUBSCRIPTION,
            tenantId: TENANT,
        }),
        ...options.functions,
    };

    const mocks: pulumi.runtime.Mocks = {
        newResource: (args) => {
            const key = `${args.type}::${args.name}`;
            registered.set(key, { inputs: args.inputs, id: args.id || undefined });
            waiting.get(key)?.();
            const nameInput = NAME_INPUT[args.type];
            const name = nameInput ? args.inputs[nameInput] : undefined;
            const computed =
                args.type === "azure-native:operationalinsights:Workspace"
                    ? { name: name ?? String(args.id).split("/").pop(), customerId: CUSTOMER_ID }
                    : {};
            return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...(name ? { name } : {}), ...computed } };
        },
        call: (args) => {
            calls.push({ token: args.token, inputs: args.inputs });
            const answer = functions[args.token]?.();
            const failure = answer === undefined ? `no mock for ${args.token}` : "failure" in answer ? String(answer.failure) : undefined;
            if (failure !== undefined) {
                // A provider's failure as gRPC hands it over: its message in `details`.
                throw Object.assign(new Error(failure), { details: failure });
            }
            return answer as Record<string, unknown>;
        },
    };

    async function record<T extends pulumi.ComponentResource>(make: Make<T>): Promise<Recorded<T>> {
        registered = new Map();
        waiting = new Map();
        calls = [];
        const made: Array<{
            type: string;
            name: string;
            resource: pulumi.Resource;
            parent?: pulumi.Resource;
            opts: pulumi.ResourceOptions;
        }> = [];
        let component: T | undefined;
        let error: unknown;
        try {
            // What was made, with parents and options, comes from a `transformations` option, which the
            // SDK runs for the component and, inherited, for all under it, as each constructor runs. Not
            // the newer `transforms`: only a transformation is handed the resource object itself, by which
            // parents and dependsOn (given as resource objects) are named.
            component = make({
                transformations: [
                    (a) => {
                        made.push({ type: a.type, name: a.name, resource: a.resource, parent: a.opts.parent, opts: a.opts });
                        return undefined;
                    },
                ],
            });
        } catch (e) {
            error = e;
        }
        const keys = made.map((m) => `${m.type}::${m.name}`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
            Promise.all(keys.map((k) => (registered.has(k) ? undefined : new Promise<void>((resolve) => waiting.set(k, resolve))))),
            new Promise((_, reject) => {
                timer = setTimeout(
                    () => reject(new Error(`never registered: ${keys.filter((k) => !registered.has(k)).join(", ")}`)),
                    5_000,
                );
            }),
        ]).finally(() => clearTimeout(timer));
        const names = new Map(made.map((m) => [m.resource, m.name]));
        const nameOf = (r: unknown) => names.get(r as pulumi.Resource) ?? "(not made here)";
        return {
            component,
            error,
            made: made.map((m) => {
                const r = registered.get(`${m.type}::${m.name}`)!;
                const o = m.opts as pulumi.CustomResourceOptions;
                const options = {
                    protect: o.protect,
                    retainOnDelete: o.retainOnDelete,
                    import: o.import,
                    additionalSecretOutputs: o.additionalSecretOutputs,
                };
                return {
                    type: m.type,
                    name: m.name,
                    ...(m.parent && names.has(m.parent) ? { parent: names.get(m.parent) } : {}),
                    dependsOn: pulumi.Output.isInstance(o.dependsOn)
                        ? ["(an output)"]
                        : ([] as unknown[]).concat(o.dependsOn ?? []).map(nameOf),
                    options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
                    ...(r.id ? { id: r.id } : {}),
                    inputs: r.inputs,
                };
            }),
        };
    }

    return {
        use: async () => {
            await pulumi.runtime.setMocks(mocks, "entra-provisioning-logs", "test", false);
            if (options.dynamicProviders) {
                (closure as { serializeFunction: unknown }).serializeFunction = async () => ({
                    text: PROVIDER_TEXT,
                    exportName: "handler",
                    containsSecrets: false,
                });
            }
        },
        restore: () => {
            (closure as { serializeFunction: unknown }).serializeFunction = serializeFunction;
        },
        record,
        construct: async (make) => {
            const { component, error, made } = await record(make);
            if (!component) {
                throw error;
            }
            return { component, made };
        },
        refused: async (make) => {
            const { error, made } = await record(make);
            assert.ok(error !== undefined, "the component was built");
            return { error, made };
        },
        calls: () => calls,
    };
}

// ---------------------------------------------------------------------------------------------
// Reading what was made

/** The value of an output, once known. */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** The resource made under `name`. */
export function madeAs(made: readonly Made[], name: string): Made {
    const m = made.find((r) => r.name === name);
    assert.ok(m, `a resource named ${name}`);
    return m;
}

/** The inputs of the resource made under `name`; a dynamic resource's `__provider` checked to be {@link PROVIDER_TEXT} and left out. */
export function inputsOf(made: readonly Made[], name: string): Record<string, any> {
    const { __provider, ...inputs } = madeAs(made, name).inputs;
    assert.ok(__provider === undefined || __provider === PROVIDER_TEXT, name);
    return inputs;
}

/** The children of `parent`, as type and name, in the order they were made. */
export function childrenOf(made: readonly Made[], parent: string): string[][] {
    return made.filter((m) => m.parent === parent).map((m) => [m.type, m.name]);
}
