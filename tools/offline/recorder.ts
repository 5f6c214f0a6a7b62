import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SETTINGS } from "../../program/settings";
import { checkStackFileSecrets, ENCRYPTED_PLACEHOLDER } from "../../program/settingsValidation";
import { type DynamicProviderHost, startDynamicProviderHost } from "../engine/dynamicProviderHost";
import { type CliConfig, readCliConfig } from "../engine/cliConfig";
import {
    type InvokeAnswer,
    ProgramError,
    type Providers,
    type RecordedResource,
    type Registration,
    runProgram,
} from "../engine/loopbackEngine";
import { PROJECT_DIR, projectName, readStackConfig, stackNames, stacksDir, UnknownStackError } from "../stackFiles";

/**
 * Evaluates the program for a stack as `pulumi preview` or `pulumi up` would run it, with no Azure
 * login and no Pulumi CLI: Pulumi's own Node.js runner against the loopback engine
 * (tools/engine/loopbackEngine.ts), whose providers answer here with what a preview knows, or with
 * deterministic fake IDs. Every registered resource is captured with its inputs and options; the
 * offline plan prints them and the tests assert them.
 */

export type { RecordedResource } from "../engine/loopbackEngine";

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
    /** A preview (`pulumi preview`): what only `pulumi up` knows is unknown. Otherwise an update with fake IDs. */
    readonly dryRun: boolean;
    /** What the CLI would warn about the stack's config (empty values, …). */
    readonly warnings?: readonly string[];
    /** The ESC environments' values were given (`--environment-values`) and merged. */
    readonly environmentValuesGiven?: boolean;
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

function hashHex(text: string, length: number): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A stable GUID-shaped value derived from text, for outputs like a workspace's customer ID. */
function fakeGuid(text: string): string {
    const h = hashHex(text, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** IDs and computed outputs that look like what ARM would return, so links and references read true. */
function fakeIds(args: Registration, subscriptionId: string): { id: string; state: Record<string, unknown> } {
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

/** The type of every Node.js dynamic resource (`pulumi.dynamic.Resource`) begins so. */
const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic:";

/** After `pulumi up`: every resource has its fake ID and outputs. */
function fakeState(r: Registration, subscriptionId: string): { id: string; outputs: Record<string, unknown> } {
    const fake = fakeIds(r, subscriptionId);
    return { id: fake.id, outputs: fake.state };
}

/**
 * In a preview, the engine knows an imported or read resource's ID, and the name in it; everything
 * else a provider computes is unknown until `pulumi up` (the SDK makes an output the answer leaves
 * out unknown in a preview).
 */
function previewState(r: Registration): { id?: string; outputs?: Record<string, unknown> } | undefined {
    if (r.id === undefined) {
        return undefined;
    }
    return { id: r.id, outputs: { id: r.id, name: r.id.split("/").pop() } };
}

/** The provider functions the program calls, answered offline. */
function invokeAnswer(
    token: string,
    args: Record<string, unknown>,
    identity: FakeIdentity,
    config: Record<string, string>,
    project: string,
    live: EvaluateOptions["liveDiagnosticSettings"],
): InvokeAnswer {
    if (token === "azure-native:authorization:getClientConfig") {
        return { properties: { ...identity, clientId: "offline-plan", objectId: "00000000-0000-0000-0000-000000000000" } };
    }
    if (token === "azure-native:aadiam:getDiagnosticSetting") {
        return diagnosticSettingAnswer(String(args.name), config, project, live);
    }
    return { error: `the offline plan has no answer for ${token}` };
}

/**
 * Evaluates the program (index.ts) for `stack` with `config` (qualified keys → text, as the CLI
 * hands it over): Pulumi's own runner in its own process, against the loopback engine. A preview
 * (`dryRun`, the offline plan) leaves what only `pulumi up` knows unknown; otherwise every resource
 * gets a deterministic fake ID and outputs, as after an update. Rejects with the program's error line.
 */
export async function evaluate(stack: string, config: Record<string, string>, options: EvaluateOptions = {}): Promise<Evaluation> {
    const programDir = options.programDir ?? PROJECT_DIR;
    const project = projectName(programDir);
    const sub = config[`${project}:subscriptionId`] ?? "00000000-0000-0000-0000-000000000000";
    const identity: FakeIdentity = {
        tenantId: options.identity?.tenantId ?? config[`${project}:tenantId`] ?? "",
        subscriptionId: options.identity?.subscriptionId ?? sub,
    };
    const dryRun = options.dryRun ?? false;
    // A preview checks each dynamic resource's inputs with its own serialized provider, in the
    // dynamic-provider process the engine starts and configures with the stack's whole config.
    let host: Promise<DynamicProviderHost> | undefined;
    const dynamicCheck = async (r: Registration) => {
        if (!r.type.startsWith(DYNAMIC_TYPE_PREFIX)) {
            return {};
        }
        host ??= startDynamicProviderHost({ config, secretKeys: options.secretKeys ?? [], preview: true, cwd: programDir, stack }).then(
            async (started) => {
                await started.configure();
                return started;
            },
        );
        const checked = await (await host).check(r.urn, {}, r.inputs);
        return { failures: [...checked.failures] };
    };
    const providers: Providers = {
        invoke: (token, args) => invokeAnswer(token, args, identity, config, project, options.liveDiagnosticSettings),
        state: (r, preview) => (preview ? previewState(r) : fakeState(r, identity.subscriptionId)),
        ...(dryRun ? { check: dynamicCheck } : {}),
    };
    try {
        const result = await runProgram({
            programDir,
            project,
            stack,
            config,
            secretKeys: [...(options.secretKeys ?? [])],
            dryRun,
            providers,
        });
        options.sink?.push(...result.resources);
        return { stack, resources: result.resources, reads: result.reads, outputs: result.outputs, encrypted: [], dryRun };
    } catch (e) {
        if (e instanceof ProgramError) {
            options.sink?.push(...e.result.resources);
        }
        throw e;
    } finally {
        await (await host?.catch(() => undefined))?.close();
    }
}

interface EvaluateOptions {
    readonly secretKeys?: readonly string[];
    readonly identity?: Partial<FakeIdentity>;
    readonly sink?: RecordedResource[];
    readonly programDir?: string;
    /** A preview, as `pulumi preview` (the offline plan), instead of an update with fake IDs. Defaults to false. */
    readonly dryRun?: boolean;
    /**
     * What `aadiam.getDiagnosticSetting` answers, by setting name. Defaults to the stack's own
     * explicit settings: an adopted setting is taken to be what `diagnosticLogCategories`,
     * `existingWorkspaceId` and `diagnosticSettingDestinations` say it is.
     */
    readonly liveDiagnosticSettings?: Readonly<Record<string, LiveDiagnosticSetting | undefined>>;
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
    /** A preview, as `pulumi preview` (the offline plan), instead of an update with fake IDs. Defaults to false. */
    readonly dryRun?: boolean;
    /** What `esc env open` printed for the stack's Pulumi ESC environment (`--environment-values`): merged as the CLI merges it. */
    readonly environmentValues?: string | object;
    /** What `aadiam.getDiagnosticSetting` answers (see {@link EvaluateOptions}). */
    readonly liveDiagnosticSettings?: Readonly<Record<string, LiveDiagnosticSetting | undefined>>;
}

/** Evaluations of unchanged stack files, once per process: evaluation is deterministic. */
const evaluated = new Map<string, Promise<Evaluation>>();

export function evaluateStack(stack: string, options: StackOptions = {}): Promise<Evaluation> {
    const run = async () => {
        const programDir = options.programDir ?? PROJECT_DIR;
        const project = projectName(programDir);
        const cli = stackConfig(stack, programDir, options);
        // What only the stack file shows: a credential written in plain text.
        checkStackFileSecrets(
            readStackConfig(stack, { dir: stacksDir(programDir), file: options.configFile }).file,
            project,
            programDir === PROJECT_DIR ? SECRET_SETTINGS : [],
        );
        const evaluation = await evaluate(stack, offlineConfig(cli), { ...options, secretKeys: cli.secretKeys });
        return {
            ...evaluation,
            encrypted: [...cli.encrypted],
            environments: [...cli.environments],
            warnings: [...cli.warnings],
            environmentValuesGiven: options.environmentValues !== undefined,
        };
    };
    if (options.identity || options.sink || options.cache === false || options.liveDiagnosticSettings || options.environmentValues) {
        return run();
    }
    const key = JSON.stringify([stack, options.programDir ?? PROJECT_DIR, options.configFile, options.dryRun ?? false]);
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

/** The stack's config as the Pulumi CLI would hand it to the program (tools/engine/cliConfig.ts). */
function stackConfig(stack: string, programDir: string, options: StackOptions): CliConfig {
    const configFile = stackFileOf(stack, programDir, options);
    if (!options.configFile && !fs.existsSync(configFile ?? path.join(programDir, `Pulumi.${stack}.yaml`))) {
        throw new UnknownStackError(`no stack file Pulumi.${stack}.yaml; the stacks are: ${stackNames(stacksDir(programDir)).join(", ")}`);
    }
    if (options.configFile && !fs.existsSync(options.configFile)) {
        throw new UnknownStackError(`no stack file ${options.configFile}`);
    }
    return readCliConfig({
        projectDir: programDir,
        stack,
        ...(configFile ? { configFile } : {}),
        ...(options.environmentValues ? { environmentValues: options.environmentValues } : {}),
    });
}

/**
 * The stack file to read, when not the CLI's own choice (`Pulumi.<stack>.yaml` beside Pulumi.yaml):
 * the one given (`--config-file`), else the one in the tools' stacks folder when that is elsewhere
 * (tools/stackFiles.ts, stacksDir).
 */
function stackFileOf(stack: string, programDir: string, options: StackOptions): string | undefined {
    if (options.configFile) {
        return options.configFile;
    }
    const dir = stacksDir(programDir);
    return path.resolve(dir) === path.resolve(programDir) ? undefined : path.join(dir, `Pulumi.${stack}.yaml`);
}

/**
 * The config the program gets offline: a value encrypted in the stack file (no passphrase here)
 * reads as the program's placeholder, so its settings layer says it can't be read instead of taking
 * the placeholder for a value (program/settingsValidation.ts, ENCRYPTED_PLACEHOLDER).
 */
function offlineConfig(cli: CliConfig): Record<string, string> {
    return { ...cli.config, ...Object.fromEntries(cli.encrypted.map((k) => [k, ENCRYPTED_PLACEHOLDER])) };
}

/**
 * One of the example stacks with some of its settings changed or added (unqualified keys, values as
 * text; undefined removes one, which then takes its default as the CLI's would); `secret` names those
 * to mark secret, as the CLI would for `pulumi config set --secret`.
 */
export async function evaluateStackWith(
    stack: string,
    changes: Readonly<Record<string, string | undefined>>,
    options: StackOptions & { readonly secret?: readonly string[] } = {},
): Promise<Evaluation> {
    const programDir = options.programDir ?? PROJECT_DIR;
    const project = projectName(programDir);
    const cli = stackConfig(stack, programDir, options);
    const declared = projectDefaults(programDir);
    const config = offlineConfig(cli);
    for (const [key, value] of Object.entries(changes)) {
        const qualified = key.includes(":") ? key : `${project}:${key}`;
        if (value !== undefined) {
            config[qualified] = value;
        } else if (declared[qualified] !== undefined) {
            config[qualified] = declared[qualified];
        } else {
            delete config[qualified];
        }
    }
    const secretKeys = [...cli.secretKeys, ...(options.secret ?? []).map((k) => (k.includes(":") ? k : `${project}:${k}`))];
    return evaluate(stack, config, {
        secretKeys,
        sink: options.sink,
        programDir,
        identity: options.identity,
        liveDiagnosticSettings: options.liveDiagnosticSettings,
        dryRun: options.dryRun,
    });
}

/** Pulumi.yaml's defaults as the CLI hands them over (text), by qualified key: what a key the stack doesn't set reads. */
function projectDefaults(programDir: string): Record<string, string> {
    // The CLI reads a stack without a stack file as empty config (loaders.go, LoadProjectStack):
    // what it hands over then is Pulumi.yaml's defaults alone.
    const none = path.join(programDir, "Pulumi.<no stack file>.yaml");
    return { ...readCliConfig({ projectDir: programDir, stack: "defaults", configFile: none, skipConfigValidation: true }).config };
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
): InvokeAnswer {
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
        return { error: `Status=404 Code="ResourceNotFound" Message="The diagnostic setting '${name}' was not found."` };
    }
    return {
        properties: {
            id: `/providers/microsoft.aadiam/diagnosticSettings/${name}`,
            name,
            type: "microsoft.aadiam/diagnosticSettings",
            azureApiVersion: "2017-04-01",
            ...setting,
        },
    };
}
