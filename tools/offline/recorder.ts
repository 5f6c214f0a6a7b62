import * as crypto from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_SETTINGS } from "../../program/settings";
import { checkStackFileSecrets, withEncryptedPlaceholders } from "../../program/settingsValidation";
import { PROJECT_DIR, projectName, readStackConfig } from "../stackFiles";

/**
 * Evaluates the program for a stack under recording mocks: no Azure login, no Pulumi CLI. Every
 * registered resource is captured with its inputs and options; the offline plan prints them and
 * the tests assert them.
 */

/** One resource the program registered. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** URN of the parent, if any. */
    readonly parent?: string;
    readonly custom: boolean;
    /** Inputs as the provider would receive them (dynamic providers' serialized code left out). */
    readonly inputs: Record<string, unknown>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** URNs of explicit and implicit dependencies. */
    readonly dependsOn: readonly string[];
    /** URNs each input property depends on. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /** Output properties the program asked to keep secret. */
    readonly additionalSecretOutputs: readonly string[];
    /**
     * The ID of an existing resource the first `pulumi up` adopts (the `import` resource option, which
     * the engine receives as RegisterResourceRequest.importId) instead of creating one.
     */
    readonly importId?: string;
    /**
     * The ID of an existing resource the program reads with a resource's `get` function and never
     * manages (ReadResourceRequest.id); its `inputs` are then the state read.
     */
    readonly readId?: string;
}

/** What an evaluation produced. */
export interface Evaluation {
    readonly stack: string;
    readonly resources: readonly RecordedResource[];
    /**
     * Existing resources the program reads with a resource's `get` function and never manages. Kept
     * apart from `resources`, as the engine keeps them apart from what it manages and from what
     * policies see ("If it's not managed by Pulumi (i.e. it's the result of a Read ...), we'll record
     * it in reads", pulumi/pulumi pkg/resource/deploy/step_executor.go).
     */
    readonly reads: readonly RecordedResource[];
    readonly outputs: Record<string, unknown>;
    /** Settings encrypted in the stack file, which the offline tools can't decrypt and leave out. */
    readonly encrypted: readonly string[];
    /** Pulumi ESC environments the stack file imports, whose values the offline tools can't read. */
    readonly environments?: readonly string[];
}

/**
 * The tenant diagnostic setting `aadiam.getDiagnosticSetting` answers with, as ARM returns it
 * (Microsoft.Aadiam 2017-04-01, DiagnosticSettings); `undefined` for one that does not exist.
 */
export interface LiveDiagnosticSetting {
    readonly workspaceId?: string;
    readonly storageAccountId?: string;
    readonly eventHubAuthorizationRuleId?: string;
    readonly eventHubName?: string;
    readonly serviceBusRuleId?: string;
    readonly logs: ReadonlyArray<{ readonly category: string; readonly enabled: boolean }>;
}

/** The identity `getClientConfig` reports; defaults to the stack's own tenant and subscription. */
export interface FakeIdentity {
    readonly tenantId: string;
    readonly subscriptionId: string;
}

/** How a secret value appears in recorded inputs: present, never in plain text. */
const SECRET_PLACEHOLDER = "[secret]";

function hashHex(text: string, length: number): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A stable GUID-shaped value derived from text, for outputs like a workspace's customer ID. */
function fakeGuid(text: string): string {
    const h = hashHex(text, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** IDs and computed outputs that look like what ARM would return, so links and references read true. */
function fakeState(args: pulumi.runtime.MockResourceArgs, subscriptionId: string): { id: string; state: Record<string, unknown> } {
    const i = args.inputs as Record<string, string>;
    const rg = `/subscriptions/${subscriptionId}/resourceGroups/${i.resourceGroupName}`;
    switch (args.type) {
        case "azure-native:resources:ResourceGroup":
            return { id: `/subscriptions/${subscriptionId}/resourceGroups/${i.resourceGroupName}`, state: { name: i.resourceGroupName } };
        case "azure-native:operationalinsights:Workspace": {
            if (args.id && i.workspaceName === undefined) {
                // Read with `Workspace.get`: what ARM would return for the given ID.
                return { id: args.id, state: { name: args.id.split("/").pop(), customerId: fakeGuid(args.id.toLowerCase()) } };
            }
            const id = `${rg}/providers/Microsoft.OperationalInsights/workspaces/${i.workspaceName}`;
            return { id, state: { name: i.workspaceName, customerId: fakeGuid(id) } };
        }
        case "azure-native:aadiam:DiagnosticSetting":
            return { id: `/providers/microsoft.aadiam/diagnosticSettings/${i.name}`, state: { name: i.name } };
        case "azure-native:monitor:ActionGroup":
            return { id: `${rg}/providers/Microsoft.Insights/actionGroups/${i.actionGroupName}`, state: { name: i.actionGroupName } };
        case "azure-native:monitor:ScheduledQueryRule":
            return { id: `${rg}/providers/Microsoft.Insights/scheduledQueryRules/${i.ruleName}`, state: { name: i.ruleName } };
        case "azure-native:applicationinsights:Workbook":
            return { id: `${rg}/providers/microsoft.insights/workbooks/${i.resourceName}`, state: { name: i.resourceName } };
        case "azure-native:operationalinsights:QueryPack":
            return { id: `${rg}/providers/Microsoft.OperationalInsights/queryPacks/${i.queryPackName}`, state: { name: i.queryPackName } };
        case "azure-native:operationalinsights:Query":
            return { id: `${rg}/providers/Microsoft.OperationalInsights/queryPacks/${i.queryPackName}/queries/${args.name}`, state: {} };
        case "azure-native:portal:Dashboard":
            return { id: `${rg}/providers/Microsoft.Portal/dashboards/${i.dashboardName}`, state: { name: i.dashboardName } };
        case "azuread:index/applicationRegistration:ApplicationRegistration": {
            const objectId = fakeGuid(`app/${args.name}`);
            return { id: `/applications/${objectId}`, state: { objectId, clientId: fakeGuid(`client/${args.name}`) } };
        }
        case "azuread:index/servicePrincipal:ServicePrincipal":
            return { id: fakeGuid(`sp/${args.name}`), state: { objectId: fakeGuid(`sp/${args.name}`) } };
        case "azure-native:authorization:RoleDefinition":
            return {
                id: `${i.scope}/providers/Microsoft.Authorization/roleDefinitions/${i.roleDefinitionId}`,
                state: { name: i.roleDefinitionId },
            };
        case "azure-native:authorization:RoleAssignment":
            return {
                id: `${i.scope}/providers/Microsoft.Authorization/roleAssignments/${i.roleAssignmentName}`,
                state: { name: i.roleAssignmentName },
            };
        case "pulumi-nodejs:dynamic:ResourceProviderRegistration":
            return { id: `/subscriptions/${i.subscriptionId}/providers/${i.namespace}`, state: { registrationState: "Registered" } };
        case "pulumi-nodejs:dynamic:TableRetention":
            return {
                id: `${rg}/providers/Microsoft.OperationalInsights/workspaces/${i.workspaceName}/tables/${i.tableName}`,
                state: {},
            };
        default:
            return { id: `${args.name}-id`, state: {} };
    }
}

/** Secret values as the engine would see them: present, but never in plain text. */
function hideSecrets(value: unknown): unknown {
    const rpc = require("@pulumi/pulumi/runtime/rpc");
    if (value !== null && typeof value === "object") {
        if ((value as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig) {
            return SECRET_PLACEHOLDER;
        }
        if (Array.isArray(value)) {
            return value.map(hideSecrets);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v)]));
    }
    return value;
}

function propertyDependencies(req: RegisterRequest): Record<string, string[]> {
    const deps: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((d, key) => {
        deps[key] = [...d.getUrnsList()].sort();
    });
    return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
}

interface RegisterRequest {
    getImportid(): string;
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): unknown;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getPropertydependenciesMap(): { forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}

type Callback = (err: unknown, response: { getUrn(): string } | undefined) => void;

interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getId(): string;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
}

type ReadCallback = (
    err: unknown,
    response: { getUrn(): string; getProperties(): { toJavaScript(): Record<string, unknown> } | undefined } | undefined,
) => void;

/** Errors an evaluation failed with: the engine reports each once, however many outputs it rejects. */
const reported = new WeakSet<object>();
/** Fails the evaluation under way, if any. */
let failEvaluation: ((reason: unknown) => void) | undefined;

/**
 * What the Pulumi CLI does with a rejection nothing handles (an error thrown while computing a
 * resource's inputs reaches the engine no other way): it reports it once as the program's error
 * (@pulumi/pulumi cmd/run, `uncaughtHandler`). Outside an evaluation, or for another error, Node's
 * own behaviour: it is thrown.
 */
function onUnhandledRejection(reason: unknown): void {
    const key = typeof reason === "object" && reason !== null ? reason : undefined;
    if (key && reported.has(key)) {
        return;
    }
    if (failEvaluation) {
        if (key) {
            reported.add(key);
        }
        failEvaluation(reason);
        return;
    }
    throw reason;
}

/** Programs already loaded, by folder: a program module is evaluated once per process. */
const programs = new Map<string, unknown>();

/**
 * Evaluates the program (index.ts) for `stack` with `config` (qualified keys → text). Rejects with
 * the program's error, e.g. a `RunError` carrying a config message.
 */
export function evaluate(stack: string, config: Record<string, string>, options: EvaluateOptions = {}): Promise<Evaluation> {
    // The mocks are global to the process: evaluations run one after another, never interleaved.
    const run = queue.then(() =>
        options.serializeDynamicProviders === false
            ? withoutProviderCode(() => evaluateNow(stack, config, options))
            : evaluateNow(stack, config, options),
    );
    queue = run.catch(() => undefined);
    return run;
}

interface EvaluateOptions {
    readonly secretKeys?: readonly string[];
    readonly identity?: Partial<FakeIdentity>;
    readonly sink?: RecordedResource[];
    readonly programDir?: string;
    readonly serializeDynamicProviders?: boolean;
    /**
     * What `aadiam.getDiagnosticSetting` answers, by setting name. Defaults to the stack's own
     * explicit settings: an adopted setting is taken to be what `diagnosticLogCategories`,
     * `existingWorkspaceId` and `diagnosticSettingDestinations` say it is.
     */
    readonly liveDiagnosticSettings?: Readonly<Record<string, LiveDiagnosticSetting | undefined>>;
}

/**
 * Runs `fn` with Pulumi's serialization of dynamic providers' code left out: each dynamic resource
 * gets an empty `__provider` input. Serializing is most of an evaluation's time (Pulumi inspects
 * every function the provider reaches), and the recorded inputs leave that code out anyway.
 */
async function withoutProviderCode<T>(fn: () => Promise<T>): Promise<T> {
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const serializeFunction = closure.serializeFunction;
    closure.serializeFunction = async () => ({ text: "", exportName: "handler", containsSecrets: false });
    try {
        return await fn();
    } finally {
        closure.serializeFunction = serializeFunction;
    }
}

let queue: Promise<unknown> = Promise.resolve();

async function evaluateNow(stack: string, config: Record<string, string>, options: EvaluateOptions): Promise<Evaluation> {
    const programDir = options.programDir ?? PROJECT_DIR;
    const project = projectName(programDir);
    const sub = config[`${project}:subscriptionId`] ?? "00000000-0000-0000-0000-000000000000";
    const identity: FakeIdentity = {
        tenantId: options.identity?.tenantId ?? config[`${project}:tenantId`] ?? "",
        subscriptionId: options.identity?.subscriptionId ?? sub,
    };
    const mocks: pulumi.runtime.Mocks = {
        newResource: (args) => {
            const fake = fakeState(args, identity.subscriptionId);
            return { id: fake.id, state: { ...args.inputs, ...fake.state } };
        },
        call: (args) => {
            if (args.token === "azure-native:authorization:getClientConfig") {
                return { ...identity, clientId: "offline-plan", objectId: "00000000-0000-0000-0000-000000000000" };
            }
            if (args.token === "azure-native:aadiam:getDiagnosticSetting") {
                return diagnosticSettingAnswer(String(args.inputs.name), config, project, options.liveDiagnosticSettings);
            }
            throw new Error(`the offline plan has no answer for ${args.token}`);
        },
    };
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    pulumi.runtime.setAllConfig(config, [...(options.secretKeys ?? [])]);

    // Wrap the mock monitor to see what mocks don't pass on: parent, options and dependencies.
    const settings = require("@pulumi/pulumi/runtime/settings");
    const rpc = require("@pulumi/pulumi/runtime/rpc");
    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    // The sink lets a caller see what was registered even when the program fails.
    const resources: RecordedResource[] = options.sink ?? [];
    const pending = new Set<Promise<void>>();
    monitor.registerResource = (req: RegisterRequest, callback: Callback) => {
        const done = new Promise<void>((resolve) => {
            register(req, (err: unknown, response: { getUrn(): string } | undefined) => {
                if (!err && response) {
                    const inputs = hideSecrets(rpc.deserializeProperties(req.getObject())) as Record<string, unknown>;
                    delete inputs.__provider;
                    resources.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn: response.getUrn(),
                        parent: req.getParent() || undefined,
                        custom: req.getCustom(),
                        inputs,
                        protect: req.getProtect(),
                        retainOnDelete: req.getRetainondelete(),
                        dependsOn: [...req.getDependenciesList()].sort(),
                        propertyDependencies: propertyDependencies(req),
                        additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
                        ...(req.getImportid() ? { importId: req.getImportid() } : {}),
                    });
                }
                callback(err, response);
                resolve();
            });
        });
        pending.add(done);
        void done.then(() => pending.delete(done));
    };
    const reads: RecordedResource[] = [];
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: ReadRequest, callback: ReadCallback) => {
        const done = new Promise<void>((resolve) => {
            read(req, (err: unknown, response: Parameters<ReadCallback>[1]) => {
                if (!err && response) {
                    reads.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn: response.getUrn(),
                        parent: req.getParent() || undefined,
                        custom: true,
                        inputs: (response.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                        protect: false,
                        retainOnDelete: false,
                        dependsOn: [...req.getDependenciesList()].sort(),
                        propertyDependencies: {},
                        additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
                        readId: req.getId(),
                    });
                }
                callback(err, response);
                resolve();
            });
        });
        pending.add(done);
        void done.then(() => pending.delete(done));
    };

    const first = !programs.has(programDir);
    if (first) {
        programs.set(programDir, require(path.join(programDir, "index")));
    }
    const program = programs.get(programDir);
    // A program that exports a function runs on each evaluation; one that registers resources at the
    // top level runs when first loaded, as Node loads a module once.
    if (typeof program !== "function" && !first) {
        throw new Error(`${programDir} registers its resources when loaded: it can be evaluated once per process`);
    }
    if (!process.listeners("unhandledRejection").includes(onUnhandledRejection)) {
        process.on("unhandledRejection", onUnhandledRejection);
    }
    // Registrations that no output depends on may still be in flight: they land before the next
    // evaluation replaces the mocks, whether this one succeeds or fails.
    const settle = async () => {
        for (let idle = 0; idle < 3; idle++) {
            if (pending.size > 0) {
                idle = 0;
                await Promise.all([...pending]);
            }
            await new Promise((r) => setImmediate(r));
        }
    };
    const failed = new Promise<never>((_, reject) => (failEvaluation = reject));
    let outputs: Record<string, unknown>;
    try {
        const exported = typeof program === "function" ? await program() : program;
        outputs = await Promise.race([
            failed,
            new Promise<Record<string, unknown>>((resolve) => pulumi.output(exported).apply((v) => resolve(v as Record<string, unknown>))),
        ]);
    } catch (e) {
        await settle();
        // The CLI reports a failed program and exits non-zero, without counting what it left pending
        // as leaked promises (@pulumi/pulumi runtime/debuggable, the exit hook): neither does this.
        require("@pulumi/pulumi/runtime/state").getStore().leakCandidates.clear();
        throw e;
    } finally {
        failEvaluation = undefined;
    }
    await settle();
    resources.sort((a, b) => a.urn.localeCompare(b.urn));
    reads.sort((a, b) => a.urn.localeCompare(b.urn));
    return { stack, resources, reads, outputs, encrypted: [] };
}

/** Where a stack's settings come from, and who the fake credentials are. */
export interface StackOptions {
    /** The program's folder. Defaults to the main program. */
    readonly programDir?: string;
    /** A stack file other than `Pulumi.<stack>.yaml` in the program's folder (as `pulumi --config-file`). */
    readonly configFile?: string;
    readonly identity?: Partial<FakeIdentity>;
    /** Receives every registered resource, even when the program fails. */
    readonly sink?: RecordedResource[];
    /** Keep the evaluation for later callers in this process. Defaults to true. */
    readonly cache?: boolean;
    /**
     * Serialize each dynamic provider's code, as `pulumi up` does, so that a provider Pulumi can't
     * serialize fails the evaluation. Defaults to true; the KQL check, which only reads the queries,
     * leaves it out. Every recorded resource is the same either way.
     */
    readonly serializeDynamicProviders?: boolean;
    /** What `aadiam.getDiagnosticSetting` answers (see {@link EvaluateOptions}). */
    readonly liveDiagnosticSettings?: Readonly<Record<string, LiveDiagnosticSetting | undefined>>;
}

/** Evaluations of unchanged stack files, once per process: evaluation is deterministic. */
const evaluated = new Map<string, Promise<Evaluation>>();

/**
 * Evaluates a stack as its file says. An evaluation with no identity or sink of its own is made once
 * per process and shared: callers must not change what it returns.
 */
export function evaluateStack(stack: string, options: StackOptions = {}): Promise<Evaluation> {
    const run = async () => {
        const programDir = options.programDir ?? PROJECT_DIR;
        const project = projectName(programDir);
        const { config, encrypted, file, environments } = readStackConfig(stack, { dir: programDir, file: options.configFile });
        // What only the stack file shows: a credential written in plain text, and values it can't decrypt.
        checkStackFileSecrets(file, project, programDir === PROJECT_DIR ? SECRET_SETTINGS : []);
        return { ...(await evaluate(stack, withEncryptedPlaceholders(config, encrypted, project), options)), encrypted, environments };
    };
    if (options.identity || options.sink || options.cache === false || options.liveDiagnosticSettings) {
        return run();
    }
    const key = JSON.stringify([stack, options.programDir ?? PROJECT_DIR, options.configFile]);
    if (!evaluated.has(key) && options.serializeDynamicProviders === false) {
        // Not kept: a later caller may need the providers' code serialized. A kept one serves, though.
        return run();
    }
    if (!evaluated.has(key)) {
        // A failed evaluation is not kept: the next caller sees the error afresh.
        evaluated.set(
            key,
            run().catch((e) => {
                evaluated.delete(key);
                throw e;
            }),
        );
    }
    return evaluated.get(key)!;
}

/**
 * One of the example stacks with some of its settings changed or added (unqualified keys, values as
 * text; undefined removes one); `secret` names those to mark secret, as the CLI would for `pulumi config set --secret`.
 */
export async function evaluateStackWith(
    stack: string,
    changes: Readonly<Record<string, string | undefined>>,
    options: StackOptions & { readonly secret?: readonly string[] } = {},
): Promise<Evaluation> {
    const programDir = options.programDir ?? PROJECT_DIR;
    const project = projectName(programDir);
    const { config } = readStackConfig(stack, { dir: programDir, file: options.configFile });
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) {
            delete config[`${project}:${key}`];
        } else {
            config[`${project}:${key}`] = value;
        }
    }
    const secretKeys = (options.secret ?? []).map((k) => `${project}:${k}`);
    return evaluate(stack, config, {
        secretKeys,
        sink: options.sink,
        programDir,
        identity: options.identity,
        liveDiagnosticSettings: options.liveDiagnosticSettings,
    });
}

/** A config value that is a JSON list, as the CLI hands lists to a program; empty when unset. */
function listSetting(config: Record<string, string>, key: string): string[] {
    const text = config[key];
    const parsed: unknown = text === undefined ? [] : JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [];
}

/**
 * `aadiam.getDiagnosticSetting`'s answer offline: from `live` when a test gives it, else what the
 * stack explicitly says the setting it adopts has today; an unknown setting fails as ARM's 404 does.
 */
function diagnosticSettingAnswer(
    name: string,
    config: Record<string, string>,
    project: string,
    live?: Readonly<Record<string, LiveDiagnosticSetting | undefined>>,
): Record<string, unknown> {
    const adopted = (config[`${project}:adoptDiagnosticSetting`] ?? "").toLowerCase() === name.toLowerCase();
    const setting: LiveDiagnosticSetting | undefined = live
        ? live[name]
        : adopted
          ? {
                ...(config[`${project}:existingWorkspaceId`] ? { workspaceId: config[`${project}:existingWorkspaceId`] } : {}),
                ...Object.fromEntries(
                    listSetting(config, `${project}:diagnosticSettingDestinations`).map((d) => [
                        d.slice(0, d.indexOf("=")),
                        d.slice(d.indexOf("=") + 1),
                    ]),
                ),
                logs: listSetting(config, `${project}:diagnosticLogCategories`).map((category) => ({ category, enabled: true })),
            }
          : undefined;
    if (!setting) {
        // The engine hands the SDK a failed invoke's text in `details` (@pulumi/pulumi runtime/invoke).
        const text = `Status=404 Code="ResourceNotFound" Message="The diagnostic setting '${name}' was not found."`;
        throw Object.assign(new Error(text), { details: text });
    }
    return {
        id: `/providers/microsoft.aadiam/diagnosticSettings/${name}`,
        name,
        type: "microsoft.aadiam/diagnosticSettings",
        azureApiVersion: "2017-04-01",
        ...setting,
    };
}
