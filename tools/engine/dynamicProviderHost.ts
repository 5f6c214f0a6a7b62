/**
 * Runs a Node.js dynamic provider the way the Pulumi engine runs it: `@pulumi/pulumi/cmd/dynamic-provider`
 * in its own Node.js process, spoken to over the ResourceProvider gRPC protocol (the protocol files
 * that ship in `@pulumi/pulumi/proto`), with the serialized provider in each resource's `__provider`
 * property and the stack's whole config handed to `Configure`. Tests drive the program's dynamic
 * providers through it as `pulumi up` would; the offline preview's resource monitor calls Configure
 * and Check through it as `pulumi preview` does.
 *
 *     const host = await startDynamicProviderHost({ config: stack.config, secretKeys: stack.encrypted, preview: true });
 *     try {
 *         await host.configure();
 *         const { inputs, failures } = await host.check(urn, {}, news); // news holds `__provider`
 *     } finally {
 *         await host.close();
 *     }
 *
 * Every call is bounded (`timeoutMs`); a call that times out, a provider process that exits or
 * can't start, and an answer that can't be read stop the process and fail with one line. An error
 * the provider itself reports (a create that fails) is its answer: it is thrown as a
 * {@link DynamicProviderError} with the provider's message, and the process goes on, as in the engine.
 *
 * Mirrors pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8:
 * - how the process is started: sdk/nodejs/dist/pulumi-resource-pulumi-nodejs (`node
 *   $(require.resolve('@pulumi/pulumi/cmd/dynamic-provider')) $@`, resolved from the program's
 *   directory); pkg/resource/plugin/plugin.go `ExecPlugin` (the engine's address as the argument,
 *   the program's directory as the working directory, the CLI's environment), `newPlugin` (the port
 *   is the first line of stdout; later stdout and stderr lines are the plugin's log) and `parsePort`;
 *   pkg/resource/plugin/provider_plugin.go `NewProvider` (PULUMI_RUNTIME_<option> for the project's
 *   runtime options, PULUMI_NODEJS_PROJECT, PULUMI_PROJECT, and PULUMI_CONFIG, which pkg/host/host.go
 *   `Provider` fills with the config of the provider's own namespace) and `handshake` (Unimplemented
 *   is fine); `Plugin.Close`/`Kill` (interrupt, then kill after 5 s);
 * - what Configure gets: pkg/resource/deploy/target.go `GetPackageConfig` (a dynamic provider gets
 *   the stack's whole config, keys qualified, secrets marked secret); pkg/resource/deploy/providers/registry.go
 *   `Check` (CheckConfig first, its Unimplemented answer taken as "the config as it is") and `Create`
 *   (Configure with the default provider's URN, name, type and an ID, unknown at preview);
 *   provider_plugin.go `CheckConfig`, `isDiffCheckConfigLogicallyUnimplemented` and `Configure`
 *   (`variables` as `<pkg>:config:<key>` → text, `args` with secrets kept, `acceptSecrets`,
 *   `acceptResources`, `sendsOldInputs`, `sendsOldInputsToDelete`);
 * - each resource call: provider_plugin.go `Check` (olds sent even when empty, unknowns only at
 *   preview, a random seed), `Diff` (old inputs, old outputs as `olds`, new inputs), `Create` and
 *   `Update` (at preview, a provider that does not support previews is not called: the inputs are
 *   the outputs), `Read`, `Delete` (outputs as `properties`, inputs as `oldInputs`), and
 *   `annotateSecrets` (a provider that does not accept secrets gets them as plain values; outputs
 *   whose input was secret come back secret); sdk/go/common/resource/plugin/rpc.go
 *   `MarshalPropertyValue` (unknowns, secrets, nulls).
 * Not mirrored: resource references and output values (dynamic providers accept neither), assets,
 * tracing and verbosity flags, the Attach and debugging modes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import type * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as yaml from "js-yaml";
import { PROJECT_DIR } from "../stackFiles";

import { SECRET_SIG, SIG_KEY, UNKNOWN } from "./loopbackEngine";

export { UNKNOWN };

/** The package of Node.js dynamic providers, and the default provider the engine makes for it. */
const DYNAMIC_PACKAGE = "pulumi-nodejs";
/** The property of a dynamic resource that holds its serialized provider. */
export const PROVIDER_KEY = "__provider";

/** A secret as it travels over gRPC. */
export interface SecretValue<T = unknown> {
    readonly [SIG_KEY]: typeof SECRET_SIG;
    readonly value: T;
}

/** Properties as they travel to and from a provider: JSON, with {@link UNKNOWN} and {@link secret} values. */
export type PropertyMap = Record<string, unknown>;

/** `value`, marked secret. */
export function secret<T>(value: T): SecretValue<T> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** Whether `value` is marked secret. */
export function isSecret(value: unknown): value is SecretValue {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * A provider as `pulumi.dynamic.Resource` puts it in the resource's `__provider` property: the text
 * `pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })` makes, secret when the
 * provider captured a secret (@pulumi/pulumi dynamic/index.js, `serializeFunctionMaybeSecret`).
 */
export async function serializeDynamicProvider(provider: object): Promise<string | SecretValue<string>> {
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return serialized.containsSecrets ? secret(serialized.text) : serialized.text;
}

/** How to start the provider process. */
export interface DynamicProviderHostOptions {
    /**
     * Required. The stack's whole config, qualified keys (`azure-native:clientId`) → text, as the
     * engine hands it to a dynamic provider; structured values as JSON.
     */
    readonly config: Readonly<Record<string, string>>;
    /** Optional. Keys of `config` that are secret: sent to Configure marked secret. Defaults to none. */
    readonly secretKeys?: readonly string[];
    /** Optional. Whether this is a preview: unknowns may reach Check, and Create and Update are not called. Defaults to false. */
    readonly preview?: boolean;
    /** Optional. The environment of the provider process, as the CLI's. Defaults to this process's. */
    readonly env?: Readonly<Record<string, string | undefined>>;
    /** Optional. The program's directory: the process's working directory, where `@pulumi/pulumi` and Pulumi.yaml are found. Defaults to this project's. */
    readonly cwd?: string;
    /** Optional. The stack, for the default provider's URN. Defaults to `stack`. */
    readonly stack?: string;
    /** Optional. How long the process may take to print its port. Defaults to 30 s. */
    readonly startTimeoutMs?: number;
    /** Optional. How long each call may take, unless the call says otherwise. Defaults to 60 s. */
    readonly timeoutMs?: number;
    /** Optional. The node executable. Defaults to the one running this process (the engine runs `node` from PATH). */
    readonly node?: string;
}

/** Options of one call. */
export interface CallOptions {
    /** Optional. How long the call may take. Defaults to the host's `timeoutMs`. */
    readonly timeoutMs?: number;
}

/** A property the provider refused, and why. */
export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}

export interface CheckResult {
    /** The inputs as the provider checked them (`__provider` included). */
    readonly inputs: PropertyMap;
    readonly failures: readonly CheckFailure[];
}

export interface DiffResult {
    readonly changes: "unknown" | "none" | "some";
    readonly replaces: readonly string[];
    readonly stables: readonly string[];
    readonly diffs: readonly string[];
    readonly deleteBeforeReplace: boolean;
}

export interface CreateResult {
    /** Empty at preview. */
    readonly id: string;
    readonly properties: PropertyMap;
}

export interface ReadResult {
    readonly id: string;
    readonly properties: PropertyMap;
    /** The inputs the provider returned, if any. */
    readonly inputs?: PropertyMap;
}

export interface UpdateResult {
    readonly properties: PropertyMap;
}

/** A line the provider process logged: an Engine.Log call, or a line of its stdout or stderr (which the engine logs too). */
export interface ProviderLog {
    readonly source: "engine" | "stdout" | "stderr";
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
    readonly urn?: string;
    /** A status line the engine shows while it is current, not kept in the log (LogRequest.ephemeral). */
    readonly ephemeral?: boolean;
}

/** A dynamic provider process, configured once, then called for each resource. */
export interface DynamicProviderHost {
    /** The provider process. */
    readonly pid: number;
    /** The port it listens on. */
    readonly port: number;
    /** The address of the Engine service it was given. */
    readonly engineAddress: string;
    /** The @pulumi/pulumi version it reports (GetPluginInfo). */
    readonly version: string;
    /** What it logged so far. */
    readonly logs: readonly ProviderLog[];
    /** Hands it the stack's config (CheckConfig, then Configure), as the engine does before the first resource call. */
    configure(options?: CallOptions): Promise<void>;
    /** Checks a resource's new inputs (`news` holds `__provider`); `olds` are its old inputs, `{}` for a new resource. */
    check(urn: string, olds: PropertyMap, news: PropertyMap, options?: CallOptions): Promise<CheckResult>;
    /** Compares a resource's old outputs with its new inputs; `oldInputs` default to `olds`. */
    diff(
        urn: string,
        id: string,
        olds: PropertyMap,
        news: PropertyMap,
        options?: CallOptions & { readonly oldInputs?: PropertyMap; readonly ignoreChanges?: readonly string[] },
    ): Promise<DiffResult>;
    /** Creates a resource from its checked inputs; at preview, answers the inputs without calling the provider. */
    create(urn: string, news: PropertyMap, options?: CallOptions): Promise<CreateResult>;
    /** Reads a resource's live state (refresh); `inputs` are its inputs, if known. */
    read(urn: string, id: string, state: PropertyMap, inputs?: PropertyMap, options?: CallOptions): Promise<ReadResult>;
    /** Updates a resource from its old outputs to its new inputs; at preview, answers the inputs without calling the provider. */
    update(
        urn: string,
        id: string,
        olds: PropertyMap,
        news: PropertyMap,
        options?: CallOptions & { readonly oldInputs?: PropertyMap; readonly ignoreChanges?: readonly string[] },
    ): Promise<UpdateResult>;
    /** Deletes a resource; `outputs` hold `__provider`. */
    delete(urn: string, id: string, outputs: PropertyMap, options?: CallOptions & { readonly oldInputs?: PropertyMap }): Promise<void>;
    /** Stops the process (interrupt, then kill after 5 s) and the Engine service. Safe to call twice. */
    close(): Promise<void>;
}

/** What the provider answered with an error (its gRPC status), for one call. */
export class DynamicProviderError extends Error {
    constructor(
        message: string,
        /** The call, e.g. `Create(urn:pulumi:…)`. */
        readonly operation: string,
        /** The gRPC status code. */
        readonly code: grpc.status,
    ) {
        super(message);
        this.name = "DynamicProviderError";
    }
}

/** The host's own failure: the process would not start, stopped, or did not answer in time. It is stopped. */
export class DynamicProviderHostError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DynamicProviderHostError";
    }
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long the process has to stop after an interrupt before it is killed (plugin.go, `ExecPlugin`'s kill). */
const KILL_GRACE_MS = 5_000;
/** The most stderr lines kept for an error message. */
const STDERR_TAIL = 5;

/**
 * Starts `@pulumi/pulumi/cmd/dynamic-provider` (resolved from `cwd`) with an Engine service on
 * 127.0.0.1 for its logs, reads the port it prints, and connects to it.
 */
export async function startDynamicProviderHost(options: DynamicProviderHostOptions): Promise<DynamicProviderHost> {
    const cwd = options.cwd ?? PROJECT_DIR;
    const project = readProject(cwd);
    const logs: ProviderLog[] = [];
    const engine = await startEngineService(logs);
    let child: ChildProcess | undefined;
    try {
        const script = resolveDynamicProvider(cwd);
        child = spawn(options.node ?? process.execPath, [script, engine.address], {
            cwd,
            env: providerEnvironment(options, project),
            stdio: ["ignore", "pipe", "pipe"],
        });
        const provider = new ProviderProcess(child, logs);
        const port = await provider.port(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, script);
        const host = new Host(options, project, provider, engine, port, logs);
        await host.connect();
        return host;
    } catch (e) {
        if (child) {
            await stop(child);
        }
        engine.server.forceShutdown();
        throw e instanceof DynamicProviderHostError
            ? e
            : new DynamicProviderHostError(`The dynamic provider did not start: ${firstLine(e)}`);
    }
}

// ---------------------------------------------------------------------------------------------
// The process

/** The project's name and runtime options, from the Pulumi.yaml in `dir`. */
function readProject(dir: string): { name: string; runtimeOptions: Record<string, unknown> } {
    const file = path.join(dir, "Pulumi.yaml");
    let project: { name?: unknown; runtime?: unknown };
    try {
        project = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as typeof project;
    } catch (e) {
        throw new DynamicProviderHostError(`The dynamic provider needs the program's Pulumi.yaml: ${file} can't be read (${firstLine(e)})`);
    }
    const runtime = project.runtime;
    const runtimeOptions =
        typeof runtime === "object" && runtime !== null ? ((runtime as { options?: Record<string, unknown> }).options ?? {}) : {};
    return { name: String(project.name ?? ""), runtimeOptions };
}

/** What pulumi-resource-pulumi-nodejs runs: the dynamic provider of the program's own @pulumi/pulumi. */
function resolveDynamicProvider(cwd: string): string {
    try {
        return require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [cwd] });
    } catch {
        throw new DynamicProviderHostError(
            `@pulumi/pulumi/cmd/dynamic-provider can't be found from ${cwd}: run npm install in the program's directory`,
        );
    }
}

/** The CLI's environment, and what the engine adds for a provider plugin (provider_plugin.go, `NewProvider`). */
function providerEnvironment(
    options: DynamicProviderHostOptions,
    project: { name: string; runtimeOptions: Record<string, unknown> },
): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
    for (const [key, value] of Object.entries(project.runtimeOptions)) {
        env[`PULUMI_RUNTIME_${key.toUpperCase()}`] = String(value);
    }
    if (project.name) {
        env.PULUMI_NODEJS_PROJECT = project.name;
        env.PULUMI_PROJECT = project.name;
    }
    // pkg/host/host.go `Provider`: the config of the provider's own namespace, by unqualified key.
    const own = Object.fromEntries(
        Object.entries(options.config)
            .filter(([key]) => key.startsWith(`${DYNAMIC_PACKAGE}:`))
            .map(([key, value]) => [key.slice(DYNAMIC_PACKAGE.length + 1), value]),
    );
    env.PULUMI_CONFIG = JSON.stringify(own);
    return env;
}

/** The provider process: its port, its output as logs, its exit. */
class ProviderProcess {
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    exit?: { code: number | null; signal: NodeJS.Signals | null };
    /** Why the process could not be started at all. */
    private spawnError?: string;
    private readonly stderrTail: string[] = [];
    private portLine?: Promise<string>;

    constructor(
        readonly child: ChildProcess,
        private readonly logs: ProviderLog[],
    ) {
        this.exited = new Promise((resolve) => {
            child.once("exit", (code, signal) => {
                this.exit = { code, signal };
                resolve(this.exit);
            });
            child.once("error", (err) => {
                this.spawnError = err.message;
                this.exit ??= { code: null, signal: null };
                resolve(this.exit);
            });
        });
        // A process that ends without a port is reported by its exit (see `port`).
        this.portLine = new Promise((resolve) => {
            let buffered = "";
            let port: string | undefined;
            child.stdout!.setEncoding("utf8");
            child.stdout!.on("data", (chunk: string) => {
                buffered += chunk;
                let newline = buffered.indexOf("\n");
                while (newline >= 0) {
                    const line = buffered.slice(0, newline);
                    buffered = buffered.slice(newline + 1);
                    if (port === undefined) {
                        port = line;
                        resolve(line);
                    } else if (line.trim() !== "") {
                        logs.push({ source: "stdout", severity: "info", message: line.replace(/\r$/, "") });
                    }
                    newline = buffered.indexOf("\n");
                }
            });
        });
        this.portLine.catch(() => undefined);
        let errBuffered = "";
        child.stderr!.setEncoding("utf8");
        child.stderr!.on("data", (chunk: string) => {
            errBuffered += chunk;
            const lines = errBuffered.split("\n");
            errBuffered = lines.pop() ?? "";
            for (const line of lines) {
                this.stderrLine(line);
            }
        });
        child.stderr!.on("end", () => this.stderrLine(errBuffered));
    }

    private stderrLine(line: string): void {
        if (line.trim() === "") {
            return;
        }
        this.logs.push({ source: "stderr", severity: "info", message: line.replace(/\r$/, "") });
        this.stderrTail.push(line.trim());
        if (this.stderrTail.length > STDERR_TAIL) {
            this.stderrTail.shift();
        }
    }

    /** The last thing the process wrote to stderr, for messages. */
    lastWords(): string {
        const meaningful = this.stderrTail.filter((l) => !/^\s*at /.test(l));
        return meaningful.length > 0 ? `: ${meaningful[meaningful.length - 1]}` : "";
    }

    describeExit(): string {
        const exit = this.exit;
        if (this.spawnError) {
            return `could not be started: ${this.spawnError}`;
        }
        return exit?.signal ? `was stopped by ${exit.signal}` : `exited with code ${exit?.code ?? "unknown"}`;
    }

    /** The port the process printed first (plugin.go, `newPlugin` and `parsePort`). */
    async port(timeoutMs: number, script: string): Promise<number> {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
                () =>
                    reject(
                        new DynamicProviderHostError(
                            `The dynamic provider (${script}) did not print its port within ${seconds(timeoutMs)}`,
                        ),
                    ),
                timeoutMs,
            );
        });
        try {
            const line = await Promise.race([
                this.portLine!,
                timeout,
                this.exited.then(async () => {
                    await new Promise((r) => setImmediate(r)); // let stdout and stderr drain
                    throw new DynamicProviderHostError(
                        this.spawnError
                            ? `The dynamic provider (${script}) ${this.describeExit()}`
                            : `The dynamic provider (${script}) ${this.describeExit()} before printing its port${this.lastWords()}`,
                    );
                }),
            ]);
            // .NET's progress codes, then whitespace, as parsePort strips them.
            const text = line.replaceAll("\x1b]9;4;3;\x1b\\", "").replaceAll("\x1b]9;4;0;\x1b\\", "").trim();
            const port = Number(text);
            if (!/^\d+$/.test(text) || port <= 0 || port > 65535) {
                throw new DynamicProviderHostError(
                    `The dynamic provider (${script}) wrote an invalid port to stdout: ${JSON.stringify(line)}`,
                );
            }
            return port;
        } finally {
            clearTimeout(timer);
        }
    }
}

/** Interrupts the process, then kills it if it has not stopped within {@link KILL_GRACE_MS}. */
async function stop(child: ChildProcess): Promise<void> {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        return; // never started, or already stopped
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
            child.kill("SIGKILL");
            resolve();
        }, KILL_GRACE_MS);
    });
    await Promise.race([exited, killed]);
    clearTimeout(timer);
    await exited;
}

// ---------------------------------------------------------------------------------------------
// The Engine service

/** The Engine service a plugin logs to (pkg/host/host_server.go): Log, and the root resource. */
async function startEngineService(logs: ProviderLog[]): Promise<{ server: grpc.Server; address: string }> {
    const server = new grpc.Server();
    const severities = ["debug", "info", "warning", "error"] as const;
    let root = "";
    const service: engineRpc.IEngineServer = {
        log: (call, callback) => {
            const request = call.request;
            const severity = severities[request.getSeverity()];
            if (!severity) {
                callback({ code: grpc.status.UNKNOWN, details: `Unrecognized logging severity: ${request.getSeverity()}` }, null);
                return;
            }
            logs.push({
                source: "engine",
                severity,
                message: request.getMessage(),
                ...(request.getUrn() ? { urn: request.getUrn() } : {}),
                ...(request.getEphemeral() ? { ephemeral: true } : {}),
            });
            callback(null, new Empty());
        },
        getRootResource: (_call, callback) => callback(null, new engineProto.GetRootResourceResponse().setUrn(root)),
        setRootResource: (call, callback) => {
            root = call.request.getUrn();
            callback(null, new engineProto.SetRootResourceResponse());
        },
        startDebugging: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: "no debugger here" }, null),
        requirePulumiVersion: (_call, callback) => callback(null, new engineProto.RequirePulumiVersionResponse()),
    };
    server.addService(engineRpc.EngineService, service);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return { server, address: `127.0.0.1:${port}` };
}

// ---------------------------------------------------------------------------------------------
// The provider's protocol

/** What the provider said it accepts (ConfigureResponse); until Configure, the engine assumes nothing. */
interface Protocol {
    readonly acceptSecrets: boolean;
    readonly acceptResources: boolean;
    readonly supportsPreview: boolean;
}

type Unary<Req, Res> = (
    request: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

class Host implements DynamicProviderHost {
    readonly pid: number;
    readonly engineAddress: string;
    version = "";
    private readonly client: providerRpc.ResourceProviderClient;
    private protocol: Protocol = { acceptSecrets: false, acceptResources: false, supportsPreview: false };
    private configured = false;
    private failed?: DynamicProviderHostError;
    private closing?: Promise<void>;

    constructor(
        private readonly options: DynamicProviderHostOptions,
        private readonly project: { name: string },
        private readonly provider: ProviderProcess,
        private readonly engine: { server: grpc.Server; address: string },
        readonly port: number,
        readonly logs: ProviderLog[],
    ) {
        this.pid = provider.child.pid ?? 0;
        this.engineAddress = engine.address;
        this.client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024, // rpcutil.MaxRPCMessageSize
        });
    }

    /** Dials the provider, handshakes (Unimplemented in the Node.js dynamic provider) and reads its version. */
    async connect(): Promise<void> {
        const timeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
        await new Promise<void>((resolve, reject) =>
            this.client.waitForReady(Date.now() + timeoutMs, (err) =>
                err
                    ? reject(
                          new DynamicProviderHostError(
                              `The dynamic provider did not accept a connection on port ${this.port}: ${err.message}`,
                          ),
                      )
                    : resolve(),
            ),
        );
        const cwd = this.options.cwd ?? PROJECT_DIR;
        const handshake = new providerProto.ProviderHandshakeRequest()
            .setEngineAddress(this.engineAddress)
            .setRootDirectory(cwd)
            .setProgramDirectory(cwd)
            .setConfigureWithUrn(true)
            .setSupportsViews(true)
            .setInvokeWithPreview(true)
            .setAcceptsByteString(true);
        try {
            const answer = await this.call<providerProto.ProviderHandshakeRequest, providerProto.ProviderHandshakeResponse>(
                "Handshake",
                this.client.handshake,
                handshake,
                {},
            );
            this.protocol = {
                acceptSecrets: answer.getAcceptSecrets(),
                acceptResources: answer.getAcceptResources(),
                supportsPreview: true,
            };
        } catch (e) {
            if (!(e instanceof DynamicProviderError && e.code === grpc.status.UNIMPLEMENTED)) {
                throw e;
            }
        }
        const info = await this.call<Empty, pluginProto.PluginInfo>("GetPluginInfo", this.client.getPluginInfo, new Empty(), {});
        this.version = info.getVersion();
    }

    async configure(options: CallOptions = {}): Promise<void> {
        const urn = `urn:pulumi:${this.options.stack ?? "stack"}::${this.project.name}::pulumi:providers:${DYNAMIC_PACKAGE}::default`;
        const type = `pulumi:providers:${DYNAMIC_PACKAGE}`;
        const secretKeys = new Set(this.options.secretKeys ?? []);
        const inputs: PropertyMap = Object.fromEntries(
            Object.entries(this.options.config).map(([key, value]) => [key, secretKeys.has(key) ? secret(value) : value]),
        );
        const checked = await this.checkConfig(urn, type, inputs, options);
        // provider_plugin.go `Configure`: `variables` by `<pkg>:config:<key>`, text; `args` with secrets kept.
        const request = new providerProto.ConfigureRequest()
            .setUrn(urn)
            .setName("default")
            .setType(type)
            .setId(this.options.preview ? UNKNOWN : randomUUID())
            .setAcceptsecrets(true)
            .setAcceptresources(true)
            .setSendsOldInputs(true)
            .setSendsOldInputsToDelete(true)
            .setArgs(toStruct(checked, { keepUnknowns: true, keepSecrets: true, propagateNil: true }));
        const variables = request.getVariablesMap();
        for (const [key, value] of Object.entries(checked)) {
            if (key !== "version") {
                const plain = removeSecrets(value);
                variables.set(`${DYNAMIC_PACKAGE}:config:${key}`, typeof plain === "string" ? plain : JSON.stringify(plain));
            }
        }
        const answer = await this.call<providerProto.ConfigureRequest, providerProto.ConfigureResponse>(
            "Configure",
            this.client.configure,
            request,
            options,
        );
        this.protocol = {
            acceptSecrets: answer.getAcceptsecrets(),
            acceptResources: answer.getAcceptresources(),
            supportsPreview: answer.getSupportspreview(),
        };
        this.configured = true;
    }

    /**
     * registry.go `Check` for the default provider: CheckConfig first; the Node.js dynamic provider
     * answers Unimplemented (once Internal: `isDiffCheckConfigLogicallyUnimplemented`), which means
     * "the config as it is".
     */
    private async checkConfig(urn: string, type: string, inputs: PropertyMap, options: CallOptions): Promise<PropertyMap> {
        const keep = { keepUnknowns: true, keepSecrets: true, propagateNil: true };
        const request = new providerProto.CheckRequest()
            .setUrn(urn)
            .setName("default")
            .setType(type)
            .setOlds(toStruct({}, keep))
            .setNews(toStruct(inputs, keep));
        let answer: providerProto.CheckResponse;
        try {
            answer = await this.call<providerProto.CheckRequest, providerProto.CheckResponse>(
                "CheckConfig",
                this.client.checkConfig,
                request,
                options,
            );
        } catch (e) {
            if (e instanceof DynamicProviderError && (e.code === grpc.status.UNIMPLEMENTED || e.code === grpc.status.INTERNAL)) {
                return inputs;
            }
            throw e;
        }
        const failures = answer.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`);
        if (failures.length > 0) {
            throw new DynamicProviderError(
                `The dynamic provider refused the stack's config: ${failures.join("; ")}`,
                "CheckConfig",
                grpc.status.OK,
            );
        }
        return fromStruct(answer.getInputs(), { keepUnknowns: true, keepSecrets: true });
    }

    async check(urn: string, olds: PropertyMap, news: PropertyMap, options: CallOptions = {}): Promise<CheckResult> {
        const { name, type } = this.resourceCall("Check", urn);
        const preview = this.options.preview ?? false;
        const sending = { keepUnknowns: preview, keepSecrets: this.protocol.acceptSecrets };
        const request = new providerProto.CheckRequest()
            .setUrn(urn)
            .setName(name)
            .setType(type)
            // Olds go even when there are none, as an empty struct: the Node.js provider relies on it.
            .setOlds(toStruct(olds, { ...sending, propagateNil: false }))
            .setNews(toStruct(news, { ...sending, propagateNil: true }))
            .setRandomseed(randomBytes(32));
        const answer = await this.call<providerProto.CheckRequest, providerProto.CheckResponse>(
            `Check(${urn})`,
            this.client.check,
            request,
            options,
        );
        const inputs = fromStruct(answer.getInputs(), { keepUnknowns: preview, rejectUnknowns: !preview, keepSecrets: true });
        if (!this.protocol.acceptSecrets) {
            annotateSecrets(inputs, news);
        }
        return { inputs, failures: answer.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
    }

    async diff(
        urn: string,
        id: string,
        olds: PropertyMap,
        news: PropertyMap,
        options: CallOptions & { readonly oldInputs?: PropertyMap; readonly ignoreChanges?: readonly string[] } = {},
    ): Promise<DiffResult> {
        const { name, type } = this.resourceCall("Diff", urn);
        const sending = { keepUnknowns: this.options.preview ?? false, keepSecrets: this.protocol.acceptSecrets, propagateNil: true };
        const request = new providerProto.DiffRequest()
            .setId(id)
            .setUrn(urn)
            .setName(name)
            .setType(type)
            .setOldInputs(toStruct(options.oldInputs ?? olds, sending))
            .setOlds(toStruct(olds, sending))
            .setNews(toStruct(news, sending))
            .setIgnorechangesList([...(options.ignoreChanges ?? [])]);
        const answer = await this.call<providerProto.DiffRequest, providerProto.DiffResponse>(
            `Diff(${urn})`,
            this.client.diff,
            request,
            options,
        );
        const changes = {
            [providerProto.DiffResponse.DiffChanges.DIFF_NONE]: "none",
            [providerProto.DiffResponse.DiffChanges.DIFF_SOME]: "some",
        } as const;
        return {
            changes: changes[answer.getChanges() as keyof typeof changes] ?? "unknown",
            replaces: answer.getReplacesList(),
            stables: answer.getStablesList(),
            diffs: answer.getDiffsList(),
            deleteBeforeReplace: answer.getDeletebeforereplace(),
        };
    }

    async create(urn: string, news: PropertyMap, options: CallOptions = {}): Promise<CreateResult> {
        const { name, type } = this.resourceCall("Create", urn);
        const preview = this.options.preview ?? false;
        if (preview && !this.protocol.supportsPreview) {
            return { id: "", properties: news };
        }
        const request = new providerProto.CreateRequest()
            .setUrn(urn)
            .setName(name)
            .setType(type)
            .setProperties(toStruct(news, { keepUnknowns: preview, keepSecrets: this.protocol.acceptSecrets, propagateNil: true }))
            .setPreview(preview);
        const answer = await this.call<providerProto.CreateRequest, providerProto.CreateResponse>(
            `Create(${urn})`,
            this.client.create,
            request,
            options,
        );
        if (answer.getId() === "" && !preview) {
            throw this.fail(`The dynamic provider returned an empty ID from Create(${urn})`);
        }
        const properties = fromStruct(answer.getProperties(), { keepUnknowns: preview, rejectUnknowns: !preview, keepSecrets: true });
        if (!this.protocol.acceptSecrets) {
            annotateSecrets(properties, news);
        }
        return { id: answer.getId(), properties };
    }

    async read(urn: string, id: string, state: PropertyMap, inputs?: PropertyMap, options: CallOptions = {}): Promise<ReadResult> {
        const { name, type } = this.resourceCall("Read", urn);
        const sending = { keepUnknowns: false, keepSecrets: this.protocol.acceptSecrets, propagateNil: true };
        const request = new providerProto.ReadRequest()
            .setId(id)
            .setUrn(urn)
            .setName(name)
            .setType(type)
            .setProperties(toStruct(state, sending));
        if (inputs) {
            request.setInputs(toStruct(inputs, sending));
        }
        const answer = await this.call<providerProto.ReadRequest, providerProto.ReadResponse>(
            `Read(${urn})`,
            this.client.read,
            request,
            options,
        );
        const receiving = { keepUnknowns: false, rejectUnknowns: true, keepSecrets: true };
        const properties = fromStruct(answer.getProperties(), receiving);
        const newInputs = answer.getInputs() ? fromStruct(answer.getInputs(), receiving) : undefined;
        if (!this.protocol.acceptSecrets) {
            annotateSecrets(properties, state);
            if (newInputs && inputs) {
                annotateSecrets(newInputs, inputs);
            }
        }
        return { id: answer.getId(), properties, ...(newInputs ? { inputs: newInputs } : {}) };
    }

    async update(
        urn: string,
        id: string,
        olds: PropertyMap,
        news: PropertyMap,
        options: CallOptions & { readonly oldInputs?: PropertyMap; readonly ignoreChanges?: readonly string[] } = {},
    ): Promise<UpdateResult> {
        const { name, type } = this.resourceCall("Update", urn);
        const preview = this.options.preview ?? false;
        if (preview && !this.protocol.supportsPreview) {
            return { properties: news };
        }
        const sending = { keepUnknowns: false, keepSecrets: this.protocol.acceptSecrets, propagateNil: true };
        const request = new providerProto.UpdateRequest()
            .setId(id)
            .setUrn(urn)
            .setName(name)
            .setType(type)
            .setOldInputs(toStruct(options.oldInputs ?? olds, sending))
            .setOlds(toStruct(olds, sending))
            .setNews(toStruct(news, { ...sending, keepUnknowns: preview }))
            .setIgnorechangesList([...(options.ignoreChanges ?? [])])
            .setPreview(preview);
        const answer = await this.call<providerProto.UpdateRequest, providerProto.UpdateResponse>(
            `Update(${urn})`,
            this.client.update,
            request,
            options,
        );
        const properties = fromStruct(answer.getProperties(), { keepUnknowns: preview, rejectUnknowns: !preview, keepSecrets: true });
        if (!this.protocol.acceptSecrets) {
            annotateSecrets(properties, news);
        }
        return { properties };
    }

    async delete(
        urn: string,
        id: string,
        outputs: PropertyMap,
        options: CallOptions & { readonly oldInputs?: PropertyMap } = {},
    ): Promise<void> {
        const { name, type } = this.resourceCall("Delete", urn);
        const sending = { keepUnknowns: false, keepSecrets: this.protocol.acceptSecrets, propagateNil: true };
        const request = new providerProto.DeleteRequest()
            .setId(id)
            .setUrn(urn)
            .setName(name)
            .setType(type)
            .setProperties(toStruct(outputs, sending))
            .setOldInputs(toStruct(options.oldInputs ?? outputs, sending));
        await this.call<providerProto.DeleteRequest, Empty>(`Delete(${urn})`, this.client.delete, request, options);
    }

    close(): Promise<void> {
        this.closing ??= (async () => {
            this.client.close();
            await stop(this.provider.child);
            this.engine.server.forceShutdown();
        })();
        return this.closing;
    }

    /** The resource's name and type, from its URN; a call before Configure is the caller's mistake. */
    private resourceCall(method: string, urn: string): { name: string; type: string } {
        if (!this.configured) {
            throw new DynamicProviderHostError(
                `${method}(${urn}) before configure(): the engine configures a provider before any resource call`,
            );
        }
        return urnParts(urn);
    }

    /** Stops the process for a failure of the host, and gives the error to throw. */
    private fail(message: string): DynamicProviderHostError {
        this.failed ??= new DynamicProviderHostError(message);
        void this.close();
        return this.failed;
    }

    /** One unary call, bounded by its timeout; the provider's error is its answer, anything else stops the process. */
    private async call<Req, Res>(operation: string, method: Unary<Req, Res>, request: Req, options: CallOptions): Promise<Res> {
        if (this.failed) {
            throw this.failed;
        }
        if (this.closing) {
            throw new DynamicProviderHostError(`${operation} after close()`);
        }
        if (this.provider.exit) {
            throw this.fail(`${operation} failed: the provider process ${this.provider.describeExit()}${this.provider.lastWords()}`);
        }
        const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        try {
            return await new Promise<Res>((resolve, reject) =>
                method.call(this.client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, response) =>
                    err ? reject(err) : resolve(response),
                ),
            );
        } catch (e) {
            const err = e as grpc.ServiceError;
            if (err.code === grpc.status.DEADLINE_EXCEEDED) {
                throw this.fail(
                    `${operation} got no answer from the dynamic provider within ${seconds(timeoutMs)}; the provider process was stopped`,
                );
            }
            if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.CANCELLED) {
                // The connection went away: most likely the process did. Give its exit a moment to be seen.
                await Promise.race([this.provider.exited, new Promise((r) => setTimeout(r, 200))]);
                const why = this.provider.exit
                    ? `the provider process ${this.provider.describeExit()}${this.provider.lastWords()}`
                    : `the connection failed (${err.details || err.message})`;
                throw this.fail(`${operation} failed: ${why}`);
            }
            throw new DynamicProviderError(err.details ?? err.message, operation, err.code ?? grpc.status.UNKNOWN);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

interface MarshalOptions {
    readonly keepUnknowns: boolean;
    readonly rejectUnknowns?: boolean;
    readonly keepSecrets: boolean;
    /** Whether nulls are sent; otherwise the property is left out. */
    readonly propagateNil: boolean;
}

const SKIP = Symbol("skip");

/** A property's value on the wire, or {@link SKIP} (rpc.go, `MarshalPropertyValue`). */
function marshal(key: string, value: unknown, options: MarshalOptions, inArray = false): unknown {
    if (value === undefined) {
        return SKIP;
    }
    if (value === null) {
        return options.propagateNil || inArray ? null : SKIP;
    }
    if (value === UNKNOWN) {
        if (options.rejectUnknowns) {
            throw new Error(`unexpected unknown property value for "${key}"`);
        }
        return options.keepUnknowns ? UNKNOWN : SKIP;
    }
    if (isSecret(value)) {
        const inner = marshal(key, value.value, options, inArray);
        return !options.keepSecrets || inner === SKIP ? inner : secret(inner);
    }
    if (Array.isArray(value)) {
        return value.map((v) => {
            const m = marshal(key, v, options, true);
            return m === SKIP ? null : m;
        });
    }
    if (typeof value === "object") {
        return marshalMap(value as PropertyMap, options);
    }
    if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
        return value;
    }
    throw new Error(`the property "${key}" is a ${typeof value}, which does not go over gRPC`);
}

function marshalMap(map: PropertyMap, options: MarshalOptions): PropertyMap {
    const out: PropertyMap = {};
    for (const [key, value] of Object.entries(map)) {
        const m = marshal(key, value, options);
        if (m !== SKIP) {
            out[key] = m;
        }
    }
    return out;
}

function toStruct(map: PropertyMap, options: MarshalOptions): Struct {
    return Struct.fromJavaScript(marshalMap(map, options) as Record<string, never>);
}

/** A provider's properties, read back; unknowns kept, dropped or refused, secrets kept. */
function fromStruct(struct: Struct | undefined, options: Omit<MarshalOptions, "propagateNil">): PropertyMap {
    return struct ? marshalMap(struct.toJavaScript() as PropertyMap, { ...options, propagateNil: true }) : {};
}

/** The value with every secret mark taken off (provider_plugin.go, `removeSecrets`). */
function removeSecrets(value: unknown): unknown {
    if (isSecret(value)) {
        return removeSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(removeSecrets);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, removeSecrets(v)]));
    }
    return value;
}

/** Marks secret each output whose input was (or held) a secret (provider_plugin.go, `annotateSecrets`). */
function annotateSecrets(outs: PropertyMap, ins: PropertyMap): void {
    for (const [key, input] of Object.entries(ins)) {
        if (!(key in outs)) {
            continue;
        }
        const output = outs[key];
        if (isPlainObject(output) && isPlainObject(input)) {
            annotateSecrets(output, input);
        } else if (!isSecret(output) && containsSecrets(input)) {
            outs[key] = secret(output);
        }
    }
}

function isPlainObject(value: unknown): value is PropertyMap {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !isSecret(value);
}

function containsSecrets(value: unknown): boolean {
    if (isSecret(value)) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsSecrets);
    }
    return typeof value === "object" && value !== null && Object.values(value).some(containsSecrets);
}

/** A resource's name and type from its URN (`urn:pulumi:<stack>::<project>::<parent$type>::<name>`). */
function urnParts(urn: string): { name: string; type: string } {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
        throw new DynamicProviderHostError(`${JSON.stringify(urn)} is not a resource URN (urn:pulumi:<stack>::<project>::<type>::<name>)`);
    }
    return { type: parts[2].split("$").pop() ?? parts[2], name: parts.slice(3).join("::") };
}

function seconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function firstLine(e: unknown): string {
    return String((e as Error)?.message ?? e).split("\n")[0];
}
