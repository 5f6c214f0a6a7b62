/**
 * A CrossGuard policy pack run the way `pulumi preview --policy-pack <dir> --policy-pack-config <file>`
 * runs it, without the Pulumi CLI: the pack's own process, started as the Node.js language host
 * starts it (`node @pulumi/pulumi/cmd/run-policy-pack <engine> <dir>` in the pack's folder), and the
 * engine's side of the Analyzer gRPC protocol, over the protocol files @pulumi/pulumi ships.
 *
 * What is mirrored, and from where in pulumi/pulumi:
 * - starting the pack: sdk/nodejs/cmd/pulumi-language-nodejs/main.go `RunPlugin` (kind analyzer),
 *   pkg/resource/plugin/plugin.go `newPlugin` (read the port line, then dial), and
 *   pkg/resource/plugin/analyzer_plugin.go `NewPolicyAnalyzer` (Handshake, then ConfigureStack);
 *   pkg/host/host.go `PolicyAnalyzer` (GetPluginInfo once the analyzer is loaded);
 * - config: pkg/resource/analyzer/config.go (`parsePolicyPackConfig`, `ReconcilePolicyPackConfig`,
 *   the JSON-schema validation of each policy's `configSchema`, with gojsonschema v1.2.0's messages)
 *   and pkg/engine/update.go `loadPolicyPlugins` (GetAnalyzerInfo, then Configure);
 * - analysis: pkg/resource/deploy/step_generator.go (Remediate, then Analyze, for every registered
 *   resource; `AnalyzeResources`: AnalyzeStack over all of them at the end) and
 *   pkg/resource/plugin/analyzer_plugin.go (`Analyze`, `AnalyzeStack`, `Remediate`,
 *   `marshalResourceOptions`, `marshalProvider`, `Configure`).
 *
 * The pack's process is bounded: a deadline on start-up and on every call; when it fails or hangs
 * it is killed and the error is one line. A healthy one is kept for the next run in this process
 * (see {@link runPolicyPack}) and killed when the process exits, or by {@link closePolicyAnalyzers}.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { UsageError } from "../cli";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

const ENFORCEMENT_LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

/** One policy's config as the engine hands it to the pack (plugin.AnalyzerPolicyConfig). */
export interface PolicyConfig {
    /** Absent when the config only sets properties. */
    readonly enforcementLevel?: EnforcementLevel;
    readonly properties?: Readonly<Record<string, unknown>>;
}

/** A JSON schema, as a policy's `configSchema` gives one per property. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What GetAnalyzerInfo says about one policy. */
export interface PolicyInfo {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly type: "resource" | "stack" | "unknown";
    /** With `enforcementLevel` injected, as the engine does for a pack that supports config. */
    readonly configSchema?: { readonly properties: Readonly<Record<string, JsonSchema>>; readonly required: readonly string[] };
    readonly severity?: string;
}

/** What GetAnalyzerInfo says about the pack (plugin.AnalyzerInfo). */
export interface AnalyzerInfo {
    readonly name: string;
    /** PulumiPolicy.yaml's version when it has one, else the pack's package.json version. */
    readonly version: string;
    readonly supportsConfig: boolean;
    /** Sorted by name, as the engine sorts them. */
    readonly policies: readonly PolicyInfo[];
    readonly initialConfig: Readonly<Record<string, PolicyConfig>>;
}

/** Resource options as the engine marshals them for a policy (pulumirpc.AnalyzerResourceOptions). */
export interface AnalyzerResourceOptions {
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    /** Undefined when the program did not set it. */
    readonly deleteBeforeReplace?: boolean;
    readonly additionalSecretOutputs: readonly string[];
    /** Alias URNs. */
    readonly aliases: readonly string[];
    /** Seconds; 0 when unset. */
    readonly customTimeouts: { readonly create: number; readonly update: number; readonly delete: number; readonly read: number };
    readonly parent?: string;
}

/** The provider a resource uses, with its inputs (pulumirpc.AnalyzerProviderResource). */
export interface AnalyzerProviderResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly properties: Readonly<Record<string, unknown>>;
}

/** One registered resource, as the step generator hands it to the analyzers. */
export interface AnalyzerResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /**
     * Its inputs. Unknown values during a preview are the engine's sentinel strings (e.g.
     * 04da6b54-80e4-46f7-96ec-b56ff0331ba9 for a string), which the pack turns into "can't run
     * during preview" advisories.
     */
    readonly properties: Readonly<Record<string, unknown>>;
    readonly options: AnalyzerResourceOptions;
    readonly provider?: AnalyzerProviderResource;
    readonly parent?: string;
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

/** A violation a policy reported (plugin.AnalyzeDiagnostic). */
export interface AnalyzeDiagnostic {
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
    readonly description: string;
    /** As the pack sends it: the policy's description, a newline and what the policy said. */
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly severity?: string;
}

/** A remediation a policy made (plugin.Remediation). */
export interface Remediation {
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
    readonly description: string;
    /** The resource's properties after the remediation. */
    readonly properties?: Readonly<Record<string, unknown>>;
    /** Set instead of properties when the remediation could not run (e.g. an unknown value). */
    readonly diagnostic?: string;
}

/** What the engine reports while analyzing, in order (deploy.PolicyEvents). */
export type PolicyEvent =
    | { readonly kind: "violation"; readonly urn: string; readonly diagnostic: AnalyzeDiagnostic }
    | {
          readonly kind: "remediation";
          readonly urn: string;
          readonly remediation: Remediation;
          readonly before: Readonly<Record<string, unknown>>;
          readonly after: Readonly<Record<string, unknown>>;
      }
    | { readonly kind: "notApplicable"; readonly urn: string; readonly policyName: string; readonly reason: string };

/** The stack being previewed, as ConfigureStack tells the pack (plugin.PolicyAnalyzerOptions). */
export interface StackContext {
    readonly organization?: string;
    readonly project: string;
    readonly stack: string;
    /** Stack tags; the pack hands them to policies as `args.stackTags`. */
    readonly tags?: Readonly<Record<string, string>>;
    /** Fully qualified config keys → values. */
    readonly config?: Readonly<Record<string, string>>;
    readonly configSecretKeys?: readonly string[];
    /** A preview; defaults to true. */
    readonly dryRun?: boolean;
}

/** How long the pack's process may take. */
export interface PolicyPackTimeouts {
    /** From starting the process to its answering Handshake. Defaults to 60 s (ts-node type-checks the pack first). */
    readonly startMs?: number;
    /** Each call. Defaults to 60 s. */
    readonly callMs?: number;
}

export interface RunPolicyPackOptions {
    /** The --policy-pack-config file's content, as {@link parsePolicyPackConfig} parses it. */
    readonly config?: Readonly<Record<string, PolicyConfig>>;
    /** The Pulumi ESC environments the config file names: they need Pulumi Cloud, so a run with any fails. */
    readonly environments?: readonly string[];
    readonly stack?: StackContext;
    readonly timeouts?: PolicyPackTimeouts;
}

export interface PolicyPackRun {
    readonly info: AnalyzerInfo;
    readonly events: readonly PolicyEvent[];
}

/** A policy pack that could not be started, or failed or hung: one line, and its process is gone. */
export class PolicyPackError extends UsageError {
    constructor(message: string) {
        super(message);
        this.name = "PolicyPackError";
    }
}

const DEFAULT_START_MS = 60_000;
const DEFAULT_CALL_MS = 60_000;
/** 400 MB, the engine's limit both ways (sdk/go/common/util/rpcutil GrpcChannelOptions). */
const MAX_RPC_MESSAGE_SIZE = 1024 * 1024 * 400;

/**
 * Runs the pack in `packDir` over `resources` as `pulumi preview --policy-pack` does: loads and
 * validates its config, then for each resource in order Remediate and Analyze, then AnalyzeStack
 * over all of them with their remediated properties. Resolves with what the engine would report.
 *
 * The pack's process is reused by later runs in this process: a run sends ConfigureStack and
 * Configure afresh, which replace all the state the pack's server keeps (its stack tags and policy
 * config), and runs never overlap on one process.
 */
export function runPolicyPack(
    packDir: string,
    resources: readonly AnalyzerResource[],
    options: RunPolicyPackOptions = {},
): Promise<PolicyPackRun> {
    return withPack(packDir, options, (analyzer, project) => analyze(analyzer, project, resources, options));
}

/**
 * Starts the pack in `packDir` if it isn't running, and checks `options.config` against its
 * policies, as the CLI loads policy packs before it runs the program (pkg/engine/update.go
 * loadPolicyPlugins): a wrong config fails here. {@link runPolicyPack} then reuses the process.
 */
export function startPolicyPack(packDir: string, options: RunPolicyPackOptions = {}): Promise<AnalyzerInfo> {
    return withPack(packDir, options, async (analyzer, project) => {
        const info = await analyzer.getAnalyzerInfo(options.timeouts?.callMs ?? DEFAULT_CALL_MS);
        reconciled(info, project, options.config);
        return info;
    });
}

/** Runs `fn` on the pack's process, alone; the process is killed when `fn` fails other than on a config the engine rejects. */
async function withPack<T>(
    packDir: string,
    options: RunPolicyPackOptions,
    fn: (analyzer: PolicyAnalyzer, project: PolicyPackProject) => Promise<T>,
): Promise<T> {
    const project = loadPolicyPackProject(packDir);
    if ((options.environments ?? []).length > 0) {
        // What the CLI says on a backend without ESC (the DIY backends); offline there is none.
        throw new UsageError(`policy pack at "${project.label}" specifies ESC environments but the current backend does not support them`);
    }
    const analyzer = await acquire(project, options.timeouts?.startMs ?? DEFAULT_START_MS, options.stack);
    try {
        return await analyzer.exclusive(() => fn(analyzer, project));
    } catch (e) {
        // A config the engine rejects leaves the pack as it was; anything else, it is gone.
        if (!(e instanceof UsageError) || e instanceof PolicyPackError) {
            await release(analyzer);
        }
        throw e;
    }
}

/** Kills every pack process this process keeps. */
export async function closePolicyAnalyzers(): Promise<void> {
    const all = [...analyzers.values()];
    analyzers.clear();
    await Promise.all(all.map((a) => a.then((x) => x.close()).catch(() => undefined)));
}

/** The engine's half of one run, on a started pack (pkg/engine/update.go loadPolicyPlugins, then the step generator). */
async function analyze(
    analyzer: PolicyAnalyzer,
    project: PolicyPackProject,
    resources: readonly AnalyzerResource[],
    options: RunPolicyPackOptions,
): Promise<PolicyPackRun> {
    const callMs = options.timeouts?.callMs ?? DEFAULT_CALL_MS;
    const stack = options.stack;
    // A fresh process has been told this stack; a reused one may have been told another.
    await analyzer.configureStack(stack, callMs);
    const info = await analyzer.getAnalyzerInfo(callMs);
    const config = reconciled(info, project, options.config);
    if (config) {
        await analyzer.configure(config, `policy pack "${info.name}" at "${project.label}"`, callMs);
    }

    // Each resource's remediations, then its analysis. The engine goes one resource at a time; the
    // pack's server keeps nothing between calls, so a few resources at once report the same, sooner.
    const perResource = await inWindow(resources, RESOURCES_AT_ONCE, (r) => remediateAndAnalyze(analyzer, r, callMs));
    const events = perResource.flatMap((x) => x.events);
    const final = new Map(resources.map((r, i) => [r.urn, perResource[i].properties]));

    const stackResources = resources.map((r) => ({ ...r, properties: final.get(r.urn) ?? r.properties }));
    const stackAnalysis = await analyzer.analyzeStack(stackResources, callMs);
    const root = stack ? rootStackUrn(stack.stack, stack.project) : rootStackUrnOf(resources);
    for (const d of stackAnalysis.diagnostics) {
        // resolveStackPolicyViolationURN: the diagnostic's own URN when it names a resource of the stack.
        const urn = d.urn && final.has(d.urn) ? d.urn : root;
        events.push({ kind: "violation", urn, diagnostic: remediateAsMandatory(d) });
    }
    for (const n of stackAnalysis.notApplicable) {
        events.push({ kind: "notApplicable", urn: root, ...n });
    }
    return { info, events };
}

/** How many resources' calls may be in flight at once. */
const RESOURCES_AT_ONCE = 8;

/** One resource as the step generator hands it over: Remediate, each remediation replacing the inputs, then Analyze. */
async function remediateAndAnalyze(
    analyzer: PolicyAnalyzer,
    r: AnalyzerResource,
    callMs: number,
): Promise<{ events: PolicyEvent[]; properties: Readonly<Record<string, unknown>> }> {
    const events: PolicyEvent[] = [];
    let properties = r.properties;
    const remediated = await analyzer.remediate(r, callMs);
    for (const remediation of remediated.remediations) {
        if (remediation.diagnostic) {
            events.push({
                kind: "violation",
                urn: r.urn,
                diagnostic: { ...remediation, message: remediation.diagnostic, enforcementLevel: "advisory" },
            });
        } else {
            const after = remediation.properties ?? {};
            events.push({ kind: "remediation", urn: r.urn, remediation, before: properties, after });
            properties = after;
        }
    }
    for (const n of remediated.notApplicable) {
        events.push({ kind: "notApplicable", urn: r.urn, ...n });
    }
    const analyzed = await analyzer.analyze({ ...r, properties }, callMs);
    for (const d of analyzed.diagnostics) {
        // A remediating policy still violated: the engine reports it as mandatory.
        events.push({ kind: "violation", urn: r.urn, diagnostic: remediateAsMandatory(d) });
    }
    for (const n of analyzed.notApplicable) {
        events.push({ kind: "notApplicable", urn: r.urn, ...n });
    }
    return { events, properties };
}

/** `fn` over `items`, at most `size` at a time, results in the items' order; stops taking items after a failure. */
async function inWindow<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
        while (!failed && next < items.length) {
            const i = next++;
            try {
                results[i] = await fn(items[i]);
            } catch (e) {
                failed = true;
                throw e;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
    return results;
}

/** The config to send a pack that supports config, reconciled and validated; undefined for one that doesn't. */
function reconciled(
    info: AnalyzerInfo,
    project: PolicyPackProject,
    given: Readonly<Record<string, PolicyConfig>> | undefined,
): Record<string, PolicyConfig> | undefined {
    if (!info.supportsConfig) {
        if (given) {
            throw new UsageError(`policy pack "${info.name}" at "${project.label}" does not support config`);
        }
        return undefined;
    }
    const { config, validationErrors } = reconcilePolicyPackConfig(info.policies, info.initialConfig, given);
    if (validationErrors.length > 0) {
        // The CLI prints each as an error line, sorted, then fails with "validating policy config".
        throw new UsageError(
            validationErrors
                .map((e) => `validating policy config: ${info.name} ${info.version}  ${e}`)
                .sort()
                .join("; "),
        );
    }
    return config;
}

function remediateAsMandatory(d: AnalyzeDiagnostic & { urn?: string }): AnalyzeDiagnostic {
    const { urn: _urn, ...rest } = d;
    return rest.enforcementLevel === "remediate" ? { ...rest, enforcementLevel: "mandatory" } : rest;
}

/** resource.DefaultRootStackURN. */
function rootStackUrn(stack: string, project: string): string {
    return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}

function rootStackUrnOf(resources: readonly AnalyzerResource[]): string {
    const own = resources.find((r) => r.type === "pulumi:pulumi:Stack" && !r.parent);
    if (own) {
        return own.urn;
    }
    const m = resources.length > 0 ? /^urn:pulumi:([^:]*)::([^:]*)::/.exec(resources[0].urn) : null;
    return m ? rootStackUrn(m[1], m[2]) : "";
}

// ------------------------------------------------------------------------------------------------
// PulumiPolicy.yaml (sdk/go/common/workspace LoadPolicyPack)
// ------------------------------------------------------------------------------------------------

interface PolicyPackProject {
    /** Absolute folder. */
    readonly dir: string;
    /** The folder as errors name it: relative to the working directory when inside it. */
    readonly label: string;
    readonly version?: string;
}

function loadPolicyPackProject(packDir: string): PolicyPackProject {
    const dir = path.resolve(packDir);
    const relative = path.relative(process.cwd(), dir);
    const label = relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? dir : relative;
    const file = path.join(dir, "PulumiPolicy.yaml");
    let doc: { runtime?: unknown; version?: unknown } | undefined;
    try {
        doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as typeof doc;
    } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? `open ${file}: no such file or directory` : (e as Error).message;
        throw new UsageError(`failed to load Pulumi policy project located at "${label}": ${reason.split("\n")[0]}`);
    }
    const runtime = typeof doc?.runtime === "string" ? doc.runtime : (doc?.runtime as { name?: unknown } | undefined)?.name;
    if (typeof runtime !== "string" || runtime === "") {
        throw new UsageError(`failed to load Pulumi policy project located at "${label}": project is missing a 'runtime' attribute`);
    }
    if (runtime !== "nodejs") {
        throw new UsageError(`policy pack "${label}" has runtime ${runtime}; only nodejs policy packs run without the Pulumi CLI`);
    }
    return { dir, label, version: typeof doc?.version === "string" && doc.version !== "" ? doc.version : undefined };
}

// ------------------------------------------------------------------------------------------------
// The pack's process
// ------------------------------------------------------------------------------------------------

/** Started packs, by folder. */
const analyzers = new Map<string, Promise<PolicyAnalyzer>>();
/** Every process started and not yet gone, to kill when this process exits. */
const running = new Set<ChildProcess>();

function acquire(project: PolicyPackProject, startMs: number, stack: StackContext | undefined): Promise<PolicyAnalyzer> {
    let started = analyzers.get(project.dir);
    if (!started) {
        const starting = PolicyAnalyzer.start(project, startMs, stack);
        analyzers.set(project.dir, starting);
        // A failed start is not kept: the next run tries afresh.
        starting.catch(() => analyzers.get(project.dir) === starting && analyzers.delete(project.dir));
        started = starting;
    }
    return started;
}

async function release(analyzer: PolicyAnalyzer): Promise<void> {
    const kept = analyzers.get(analyzer.project.dir);
    if (kept && (await kept.catch(() => undefined)) === analyzer) {
        analyzers.delete(analyzer.project.dir);
    }
    await analyzer.close();
}

function killAllOnExit(): void {
    for (const child of running) {
        child.kill("SIGKILL");
    }
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * A signal that ends this process skips its exit handlers: the packs go first, then, when nothing
 * else handles the signal, it ends this process as it would have.
 */
function killAllOnSignal(signal: NodeJS.Signals): void {
    killAllOnExit();
    watch(false);
    if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
    }
}

/** Kills the packs when this process ends, while any runs. */
function watch(on: boolean): void {
    if (on) {
        process.once("exit", killAllOnExit);
        for (const signal of SIGNALS) {
            process.once(signal, killAllOnSignal);
        }
    } else {
        process.removeListener("exit", killAllOnExit);
        for (const signal of SIGNALS) {
            process.removeListener(signal, killAllOnSignal);
        }
    }
}

type Proto = any;

/** The protocol modules, loaded with the first pack: @pulumi/pulumi's own, with its grpc-js and google-protobuf. */
function protocol(): { grpc: Proto; rpc: Proto; pb: Proto; Struct: Proto; Empty: Proto } {
    const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
    const pb = require("@pulumi/pulumi/proto/analyzer_pb");
    const protoDir = path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"));
    const Struct = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [protoDir] })).Struct;
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [protoDir] }));
    return { grpc, rpc, pb, Struct, Empty: rpc.AnalyzerService.getAnalyzerInfo.requestType };
}

/** The engine's client of one pack process (pkg/resource/plugin/analyzer_plugin.go `analyzer`). */
class PolicyAnalyzer {
    private readonly proto = protocol();
    private client: Proto;
    private info?: AnalyzerInfo;
    /** The stack ConfigureStack last told the pack, as a key; undefined before any. */
    private stackKey?: string;
    private queue: Promise<unknown> = Promise.resolve();
    /** Why the process is gone, once it is and its output is read. */
    private exited?: string;
    private readonly gone: Promise<string>;
    private readonly stderr = new Tail();
    private readonly stdout = new Tail();

    private constructor(
        readonly project: PolicyPackProject,
        private readonly child: ChildProcess,
    ) {
        this.gone = new Promise((resolve) => {
            child.once("exit", (code, signal) => {
                running.delete(child);
                if (running.size === 0) {
                    watch(false);
                }
                const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
                // Its last words may still be in the pipe: wait for it to close, briefly.
                const done = () => {
                    clearTimeout(timer);
                    this.exited = why;
                    resolve(why);
                };
                const timer = setTimeout(done, 250);
                child.once("close", done);
            });
        });
        child.stderr!.on("data", (d: Buffer) => this.stderr.add(d));
    }

    /**
     * Starts the pack as the language host's RunPlugin does and connects to it as newPlugin does:
     * the port line, then Handshake; then, as NewPolicyAnalyzer and the host do, ConfigureStack and
     * GetPluginInfo.
     */
    static async start(project: PolicyPackProject, startMs: number, stack: StackContext | undefined): Promise<PolicyAnalyzer> {
        let runPath: string;
        try {
            runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [project.dir] });
        } catch {
            throw new PolicyPackError(
                `it looks like the policy pack's dependencies are not installed; try running npm install or yarn install in "${project.label}"`,
            );
        }
        // The engine's address comes first and the pack's folder last; the pack runs in its folder.
        // `typescript` defaults to true in the language host, which says so to the program; the
        // policy-pack runner loads TypeScript with type-checking ts-node either way.
        const child = spawn(process.execPath, [runPath, "127.0.0.1:0", project.dir], {
            cwd: project.dir,
            env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        if (running.size === 0) {
            watch(true);
        }
        running.add(child);
        const analyzer = new PolicyAnalyzer(project, child);
        const deadline = Date.now() + startMs;
        const left = () => Math.max(deadline - Date.now(), 1);
        try {
            const port = await analyzer.readPort(startMs);
            analyzer.client = new analyzer.proto.rpc.AnalyzerClient(`127.0.0.1:${port}`, analyzer.proto.grpc.credentials.createInsecure(), {
                "grpc.max_receive_message_length": MAX_RPC_MESSAGE_SIZE,
                "grpc.max_send_message_length": MAX_RPC_MESSAGE_SIZE,
            });
            await analyzer.handshake(deadline);
            await analyzer.configureStack(stack, left());
            await analyzer.call("getPluginInfo", "GetPluginInfo", new analyzer.proto.Empty(), left());
        } catch (e) {
            await analyzer.close();
            const reason = (e as Error).message.replace(`policy pack "${project.label}" `, "it ");
            throw new PolicyPackError(`policy pack "${project.label}" failed to start: ${reason}`);
        }
        // Kept between runs without keeping this process alive.
        child.unref();
        for (const stream of [child.stdout, child.stderr]) {
            (stream as unknown as { unref?: () => void }).unref?.();
        }
        return analyzer;
    }

    /** Runs `fn` after every run before it: the pack's server keeps one config at a time. */
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
        const run = this.queue.then(fn);
        this.queue = run.catch(() => undefined);
        return run;
    }

    /** Kills the process and waits for it to be gone. */
    async close(): Promise<void> {
        this.client?.close();
        if (this.child.exitCode === null && this.child.signalCode === null) {
            // Held again until it is gone: an unreferenced child's exit would not keep this process waiting for it.
            this.child.ref();
            this.child.kill("SIGKILL");
        }
        await this.gone;
    }

    /** The first line the pack writes is the port of its server (plugin.go newPlugin). */
    private async readPort(startMs: number): Promise<number> {
        let timer: NodeJS.Timeout | undefined;
        let onData: ((d: Buffer) => void) | undefined;
        const line = new Promise<string>((resolve) => {
            let text = "";
            onData = (d: Buffer) => {
                text += d.toString();
                const end = text.indexOf("\n");
                if (end >= 0) {
                    this.child.stdout!.removeListener("data", onData!);
                    this.stdout.add(Buffer.from(text.slice(end + 1)));
                    resolve(text.slice(0, end).trim());
                }
            };
            this.child.stdout!.on("data", onData);
        });
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`it announced no port within ${seconds(startMs)}`)), startMs);
        });
        const exit = this.gone.then((why): never => {
            throw new Error(`it ${why} before announcing its port${this.stderr.summary(": ")}`);
        });
        try {
            const text = await Promise.race([line, timeout, exit]);
            const port = Number(text);
            if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
                throw new Error(`it wrote an invalid port to stdout: ${JSON.stringify(text.slice(0, 80))}`);
            }
            return port;
        } finally {
            clearTimeout(timer);
            exit.catch(() => undefined);
            this.child.stdout!.removeListener("data", onData!);
            // Whatever it writes later is read, or the pipe would fill and the pack block.
            this.child.stdout!.on("data", (d: Buffer) => this.stdout.add(d));
        }
    }

    /** Handshake until the server answers; one that doesn't implement it is fine (analyzer_plugin.go). */
    private async handshake(deadline: number): Promise<void> {
        const { pb, grpc } = this.proto;
        const req = new pb.AnalyzerHandshakeRequest();
        req.setEngineAddress("127.0.0.1:0");
        req.setRootDirectory(this.project.dir);
        req.setProgramDirectory(this.project.dir);
        for (;;) {
            try {
                await this.call("handshake", "Handshake", req, Math.max(deadline - Date.now(), 1));
                return;
            } catch (e) {
                const code = (e as { grpcCode?: number }).grpcCode;
                if (code === grpc.status.UNIMPLEMENTED) {
                    return;
                }
                if (code !== grpc.status.UNAVAILABLE || Date.now() > deadline) {
                    throw e;
                }
                await new Promise((r) => setTimeout(r, 10));
            }
        }
    }

    /** ConfigureStack, when the pack was told another stack, or none; a pack that doesn't implement it is fine. */
    async configureStack(stack: StackContext | undefined, callMs: number): Promise<void> {
        const key = JSON.stringify(stack ?? null);
        if (key === this.stackKey) {
            return;
        }
        const req = new this.proto.pb.AnalyzerStackConfigureRequest();
        req.setStack(stack?.stack ?? "");
        req.setProject(stack?.project ?? "");
        req.setOrganization(stack?.organization ?? "");
        req.setDryRun(stack?.dryRun ?? true);
        for (const [k, v] of Object.entries(stack?.tags ?? {})) {
            req.getTagsMap().set(k, v);
        }
        for (const [k, v] of Object.entries(stack?.config ?? {})) {
            req.getConfigMap().set(k, v);
        }
        req.setConfigSecretKeysList([...(stack?.configSecretKeys ?? [])]);
        try {
            await this.call("configureStack", "ConfigureStack", req, callMs);
        } catch (e) {
            if ((e as { grpcCode?: number }).grpcCode !== this.proto.grpc.status.UNIMPLEMENTED) {
                throw e;
            }
        }
        this.stackKey = key;
    }

    /** GetAnalyzerInfo, asked once (the engine caches it). */
    async getAnalyzerInfo(callMs: number): Promise<AnalyzerInfo> {
        if (!this.info) {
            const res = await this.call("getAnalyzerInfo", "GetAnalyzerInfo", new this.proto.Empty(), callMs);
            this.info = analyzerInfoOf(this.proto.pb, res, this.project.version);
        }
        return this.info;
    }

    /** Configure; nothing to send for an empty config (analyzer_plugin.go Configure). */
    async configure(config: Readonly<Record<string, PolicyConfig>>, what: string, callMs: number): Promise<void> {
        if (Object.keys(config).length === 0) {
            return;
        }
        const { pb, Struct } = this.proto;
        const req = new pb.ConfigureAnalyzerRequest();
        for (const [name, c] of Object.entries(config)) {
            if (!c.enforcementLevel || !ENFORCEMENT_LEVELS.includes(c.enforcementLevel)) {
                throw new UsageError(`configuring ${what}: invalid enforcement level "${c.enforcementLevel ?? ""}"`);
            }
            const pc = new pb.PolicyConfig();
            pc.setEnforcementlevel(enforcementLevelNumber(pb, c.enforcementLevel));
            pc.setProperties(Struct.fromJavaScript(jsonOnly(c.properties ?? {})));
            req.getPolicyconfigMap().set(name, pc);
        }
        await this.call("configure", "Configure", req, callMs);
    }

    async remediate(r: AnalyzerResource, callMs: number): Promise<{ remediations: Remediation[]; notApplicable: NotApplicable[] }> {
        // Remediate sees internal keys (`SkipInternalKeys: false`); Analyze does not.
        const res = await this.call("remediate", `Remediate of ${r.urn}`, this.analyzeRequest(r, false), callMs, "remediation");
        return {
            remediations: res.getRemediationsList().map(
                (x: Proto): Remediation => ({
                    policyName: x.getPolicyname(),
                    policyPackName: x.getPolicypackname(),
                    policyPackVersion: this.project.version ?? x.getPolicypackversion(),
                    description: x.getDescription(),
                    ...(x.hasProperties() ? { properties: x.getProperties().toJavaScript() } : {}),
                    ...(x.getDiagnostic() ? { diagnostic: x.getDiagnostic() } : {}),
                }),
            ),
            notApplicable: notApplicableOf(res),
        };
    }

    async analyze(r: AnalyzerResource, callMs: number): Promise<{ diagnostics: Diagnostic[]; notApplicable: NotApplicable[] }> {
        const res = await this.call("analyze", `Analyze of ${r.urn}`, this.analyzeRequest(r, true), callMs, "policy");
        return { diagnostics: this.diagnosticsOf(res), notApplicable: notApplicableOf(res) };
    }

    async analyzeStack(
        resources: readonly AnalyzerResource[],
        callMs: number,
    ): Promise<{ diagnostics: Diagnostic[]; notApplicable: NotApplicable[] }> {
        const { pb } = this.proto;
        const req = new pb.AnalyzeStackRequest();
        req.setResourcesList(
            resources.map((r) => {
                const x = new pb.AnalyzerResource();
                x.setUrn(r.urn);
                x.setType(r.type);
                x.setName(r.name);
                x.setProperties(this.struct(r.properties, true));
                x.setOptions(this.options(r.options));
                if (r.provider) {
                    x.setProvider(this.provider(r.provider));
                }
                x.setParent(r.parent ?? "");
                x.setDependenciesList([...r.dependencies]);
                for (const [k, urns] of Object.entries(r.propertyDependencies)) {
                    // Properties without dependencies are left out.
                    if (urns.length > 0) {
                        const deps = new pb.AnalyzerPropertyDependencies();
                        deps.setUrnsList([...urns]);
                        x.getPropertydependenciesMap().set(k, deps);
                    }
                }
                return x;
            }),
        );
        try {
            const res = await this.call("analyzeStack", "AnalyzeStack", req, callMs, "stack policies");
            return { diagnostics: this.diagnosticsOf(res), notApplicable: notApplicableOf(res) };
        } catch (e) {
            // A pack without AnalyzeStack has no stack policies.
            if ((e as { grpcCode?: number }).grpcCode === this.proto.grpc.status.UNIMPLEMENTED) {
                return { diagnostics: [], notApplicable: [] };
            }
            throw e;
        }
    }

    private analyzeRequest(r: AnalyzerResource, skipInternalKeys: boolean): Proto {
        const req = new this.proto.pb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(this.struct(r.properties, skipInternalKeys));
        req.setOptions(this.options(r.options));
        if (r.provider) {
            req.setProvider(this.provider(r.provider));
        }
        return req;
    }

    /** marshalResourceOptions. */
    private options(o: AnalyzerResourceOptions): Proto {
        const { pb } = this.proto;
        const x = new pb.AnalyzerResourceOptions();
        x.setProtect(o.protect);
        x.setIgnorechangesList([...o.ignoreChanges]);
        x.setDeletebeforereplace(o.deleteBeforeReplace ?? false);
        x.setDeletebeforereplacedefined(o.deleteBeforeReplace !== undefined);
        x.setAdditionalsecretoutputsList([...o.additionalSecretOutputs]);
        x.setAliasesList([...o.aliases]);
        const t = new pb.AnalyzerResourceOptions.CustomTimeouts();
        t.setCreate(o.customTimeouts.create);
        t.setUpdate(o.customTimeouts.update);
        t.setDelete(o.customTimeouts.delete);
        t.setRead(o.customTimeouts.read);
        x.setCustomtimeouts(t);
        x.setParent(o.parent ?? "");
        return x;
    }

    /** marshalProvider. */
    private provider(p: AnalyzerProviderResource): Proto {
        const x = new this.proto.pb.AnalyzerProviderResource();
        x.setUrn(p.urn);
        x.setType(p.type);
        x.setName(p.name);
        x.setProperties(this.struct(p.properties, true));
        return x;
    }

    /** MarshalProperties with KeepUnknowns and KeepSecrets: values as they are, top-level `__` keys left out when asked. */
    private struct(properties: Readonly<Record<string, unknown>>, skipInternalKeys: boolean): Proto {
        const kept = Object.fromEntries(Object.entries(properties).filter(([k]) => !(skipInternalKeys && k.startsWith("__"))));
        return this.proto.Struct.fromJavaScript(jsonOnly(kept));
    }

    private diagnosticsOf(res: Proto): Diagnostic[] {
        return res.getDiagnosticsList().map(
            (d: Proto): Diagnostic => ({
                policyName: d.getPolicyname(),
                policyPackName: d.getPolicypackname(),
                policyPackVersion: this.project.version ?? d.getPolicypackversion(),
                description: d.getDescription(),
                message: d.getMessage(),
                enforcementLevel: enforcementLevelName(this.proto.pb, d.getEnforcementlevel()),
                ...(d.getUrn() ? { urn: d.getUrn() } : {}),
                ...(severityName(this.proto.pb, d.getSeverity()) ?? this.severityOf(d.getPolicyname())),
            }),
        );
    }

    /** A diagnostic without a severity takes its policy's (analyzer_plugin.go getPolicySeverity). */
    private severityOf(policy: string): { severity?: string } {
        const severity = this.info?.policies.find((p) => p.name === policy)?.severity;
        return severity ? { severity } : {};
    }

    /**
     * One unary call, bounded by `timeoutMs` and by the process: when it exits, the call fails with
     * why. `failure` names what a pack's error failed to run ("policy" → "failed to run policy").
     */
    private async call(method: string, what: string, req: Proto, timeoutMs: number, failure?: string): Promise<Proto> {
        const { grpc } = this.proto;
        const label = `policy pack "${this.project.label}"`;
        if (this.exited !== undefined) {
            throw new PolicyPackError(`${label} ${this.exited} before ${what}${this.stderr.summary(": ")}`);
        }
        let pending: { cancel(): void } | undefined;
        const answer = new Promise<{ err?: Proto; res?: Proto }>((resolve) => {
            pending = this.client[method](req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err: Proto, res: Proto) =>
                resolve({ err: err ?? undefined, res }),
            );
        });
        const outcome = await Promise.race([answer, this.gone.then(() => undefined)]);
        // A dropped connection is usually the process dying: give its exit a moment to tell why.
        const dropped = [grpc.status.UNAVAILABLE, grpc.status.INTERNAL, grpc.status.CANCELLED].includes(outcome?.err?.code);
        const died = outcome === undefined || (dropped && (await within(this.gone, 1000)));
        if (died) {
            pending?.cancel();
            throw new PolicyPackError(`${label} ${this.exited} during ${what}${this.stderr.summary(": ")}`);
        }
        const { err, res } = outcome!;
        if (!err) {
            return res;
        }
        if (err.code === grpc.status.DEADLINE_EXCEEDED) {
            throw new PolicyPackError(`${label} did not answer ${what} within ${seconds(timeoutMs)}`);
        }
        const detail = summarize(String(err.details || err.message));
        const message = failure ? `${label} failed to run ${failure} in ${what}: ${detail}` : `${label} failed ${what}: ${detail}`;
        throw Object.assign(new PolicyPackError(message), { grpcCode: err.code as number });
    }
}

/** Whether `p` settles within `ms`. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
        p.then(() => true),
        new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), ms);
        }),
    ]).finally(() => clearTimeout(timer));
}

type Diagnostic = AnalyzeDiagnostic & { readonly urn?: string };

interface NotApplicable {
    readonly policyName: string;
    readonly reason: string;
}

function notApplicableOf(res: Proto): NotApplicable[] {
    return res.getNotApplicableList().map((n: Proto) => ({ policyName: n.getPolicyName(), reason: n.getReason() }));
}

/** The last lines a stream wrote, ANSI colours removed. */
class Tail {
    private text = "";

    add(chunk: Buffer): void {
        this.text = (this.text + chunk.toString()).slice(-16_384);
    }

    /** The stream's message without stack frames, on one line, after `prefix`; empty when it wrote nothing. */
    summary(prefix: string): string {
        const line = summarize(this.text);
        return line ? `${prefix}${line}` : "";
    }
}

/** A multi-line error as one line: no stack frames, no run-policy-pack banner, no colours. */
function summarize(text: string): string {
    const lines = text
        // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes
        .replace(/\u001b\[[0-9;]*m/g, "")
        .split("\n")
        .map((l) => l.trim())
        .filter(
            (l) =>
                l !== "" && !l.startsWith("at ") && !/^error: \[runtime\] Running program .* failed with an unhandled exception:$/.test(l),
        );
    const one = lines.join(" ");
    return one.length > 600 ? `${one.slice(0, 597)}...` : one;
}

function seconds(ms: number): string {
    return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Values as they cross the wire: JSON only (Struct.fromJavaScript rejects `undefined`). */
function jsonOnly(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function enforcementLevelNumber(pb: Proto, level: EnforcementLevel): number {
    return pb.EnforcementLevel[level.toUpperCase()];
}

function enforcementLevelName(pb: Proto, n: number): EnforcementLevel {
    const name = Object.entries(pb.EnforcementLevel as Record<string, number>).find(([, v]) => v === n)?.[0];
    if (!name) {
        throw new Error(`invalid enforcement level ${n}`);
    }
    return name.toLowerCase() as EnforcementLevel;
}

function severityName(pb: Proto, n: number): { severity: string } | undefined {
    const name = Object.entries(pb.PolicySeverity as Record<string, number>).find(([, v]) => v === n)?.[0];
    return name && name !== "POLICY_SEVERITY_UNSPECIFIED" ? { severity: name.replace("POLICY_SEVERITY_", "").toLowerCase() } : undefined;
}

/** analyzer_plugin.go GetAnalyzerInfo: policies sorted, `enforcementLevel` injected into their schemas. */
function analyzerInfoOf(pb: Proto, res: Proto, yamlVersion: string | undefined): AnalyzerInfo {
    const supportsConfig = res.getSupportsconfig() as boolean;
    const policies = res.getPoliciesList().map((p: Proto): PolicyInfo => {
        const schema = supportsConfig
            ? {
                  properties: {
                      ...((p.hasConfigschema() ? (p.getConfigschema().getProperties()?.toJavaScript() ?? {}) : {}) as Record<
                          string,
                          JsonSchema
                      >),
                      enforcementLevel: { type: "string", enum: [...ENFORCEMENT_LEVELS] },
                  },
                  required: p.hasConfigschema() ? [...p.getConfigschema().getRequiredList()] : [],
              }
            : undefined;
        const type = p.getPolicyType();
        return {
            name: p.getName(),
            description: p.getDescription(),
            enforcementLevel: enforcementLevelName(pb, p.getEnforcementlevel()),
            type: type === pb.PolicyType.POLICY_TYPE_RESOURCE ? "resource" : type === pb.PolicyType.POLICY_TYPE_STACK ? "stack" : "unknown",
            ...(schema ? { configSchema: schema } : {}),
            ...severityName(pb, p.getSeverity()),
        };
    });
    policies.sort((a: PolicyInfo, b: PolicyInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const initialConfig: Record<string, PolicyConfig> = {};
    res.getInitialconfigMap().forEach((c: Proto, name: string) => {
        initialConfig[name] = {
            enforcementLevel: enforcementLevelName(pb, c.getEnforcementlevel()),
            properties: c.getProperties()?.toJavaScript() ?? {},
        };
    });
    return { name: res.getName(), version: yamlVersion ?? res.getVersion(), supportsConfig, policies, initialConfig };
}

// ------------------------------------------------------------------------------------------------
// Policy config (pkg/resource/analyzer/config.go)
// ------------------------------------------------------------------------------------------------

/**
 * A --policy-pack-config file's content (its JSON parsed) as the engine reads it
 * (parsePolicyPackConfig): each key a policy name or `all`, each value an enforcement level or an
 * object of properties with an optional `enforcementLevel`; `environments` names Pulumi ESC
 * environments. Rejects an invalid level or value with the CLI's message; undefined for no content.
 */
export function parsePolicyPackConfig(content: unknown): { config?: Record<string, PolicyConfig>; environments: string[] } {
    if (content === null || content === undefined) {
        return { environments: [] };
    }
    if (typeof content !== "object" || Array.isArray(content)) {
        throw new UsageError(`json: cannot unmarshal ${jsonKind(content)} into Go value of type map[string]interface {}`);
    }
    const doc = { ...(content as Record<string, unknown>) };
    const environments: string[] = [];
    if ("environments" in doc) {
        const envs = doc.environments;
        if (!Array.isArray(envs)) {
            throw new UsageError(`"environments" must be an array of strings, got ${goType(envs)}`);
        }
        envs.forEach((v, i) => {
            if (typeof v !== "string") {
                throw new UsageError(`"environments[${i}]" must be a string, got ${goType(v)}`);
            }
            environments.push(v);
        });
        delete doc.environments;
    }
    const config: Record<string, PolicyConfig> = {};
    for (const [k, v] of Object.entries(doc)) {
        let enforcementLevel: EnforcementLevel | undefined;
        let properties: Record<string, unknown> | undefined;
        if (typeof v === "string") {
            if (!ENFORCEMENT_LEVELS.includes(v)) {
                throw new UsageError(`parsing enforcement level for ${goQuote(k)}: ${goQuote(v)} is not a valid enforcement level`);
            }
            enforcementLevel = v as EnforcementLevel;
        } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
            const props = { ...(v as Record<string, unknown>) };
            if ("enforcementLevel" in props) {
                const level = props.enforcementLevel;
                if (typeof level !== "string") {
                    throw new UsageError(
                        `parsing enforcement level for ${goQuote(k)}: ${goValue(level)} is not a valid enforcement level; must be a string`,
                    );
                }
                if (!ENFORCEMENT_LEVELS.includes(level)) {
                    throw new UsageError(`parsing enforcement level for ${goQuote(k)}: ${goQuote(level)} is not a valid enforcement level`);
                }
                enforcementLevel = level as EnforcementLevel;
                delete props.enforcementLevel;
            }
            if (Object.keys(props).length > 0) {
                properties = props;
            }
        } else {
            throw new UsageError(`parsing ${goQuote(k)}: ${goValue(v)} is not a valid value; must be a string or object`);
        }
        // Empty configs are left out.
        if (enforcementLevel === undefined && properties === undefined) {
            continue;
        }
        config[k] = { ...(enforcementLevel ? { enforcementLevel } : {}), ...(properties ? { properties } : {}) };
    }
    return { config, environments };
}

/**
 * ReconcilePolicyPackConfig: every policy's schema defaults and level, then the pack's initial
 * config, then `config` (`all` first, then each policy's own); then each policy's properties
 * validated against its schema. Names that are no policy of the pack are kept, as the engine keeps
 * them (and sends them on to the pack, which ignores them).
 */
export function reconcilePolicyPackConfig(
    policies: readonly PolicyInfo[],
    initialConfig: Readonly<Record<string, PolicyConfig>> | undefined,
    config: Readonly<Record<string, PolicyConfig>> | undefined,
): { config: Record<string, PolicyConfig>; validationErrors: string[] } {
    let result: Record<string, PolicyConfig> = {};
    for (const p of policies) {
        const defaults = Object.entries(p.configSchema?.properties ?? {}).filter(([, s]) => "default" in s);
        result[p.name] = {
            enforcementLevel: p.enforcementLevel,
            ...(defaults.length > 0 ? { properties: Object.fromEntries(defaults.map(([k, s]) => [k, s.default])) } : {}),
        };
    }
    if (initialConfig) {
        result = applyConfig(result, initialConfig);
    }
    if (config) {
        result = applyConfig(result, config);
    }
    const validationErrors: string[] = [];
    for (const p of policies) {
        if (!p.configSchema) {
            continue;
        }
        const schema: JsonSchema = {
            type: "object",
            ...(Object.keys(p.configSchema.properties).length > 0 ? { properties: p.configSchema.properties } : {}),
            ...(p.configSchema.required.length > 0 ? { required: p.configSchema.required } : {}),
        };
        for (const e of validateJsonSchema(schema, result[p.name]?.properties ?? {})) {
            validationErrors.push(`${p.name}: ${e.replace(/^\(root\): /, "")}`);
        }
    }
    return { config: result, validationErrors };
}

function applyConfig(result: Record<string, PolicyConfig>, toApply: Readonly<Record<string, PolicyConfig>>): Record<string, PolicyConfig> {
    const out = { ...result };
    const all = toApply.all;
    if (all?.enforcementLevel) {
        for (const [k, v] of Object.entries(out)) {
            out[k] = { ...v, enforcementLevel: all.enforcementLevel };
        }
    }
    for (const [policy, given] of Object.entries(toApply)) {
        const current = out[policy];
        const givenProps = given.properties ?? {};
        const properties =
            current?.properties || Object.keys(givenProps).length > 0 ? { ...(current?.properties ?? {}), ...givenProps } : undefined;
        const enforcementLevel = given.enforcementLevel ?? current?.enforcementLevel;
        out[policy] = { ...(enforcementLevel ? { enforcementLevel } : {}), ...(properties ? { properties } : {}) };
    }
    return out;
}

// ------------------------------------------------------------------------------------------------
// JSON schema, as gojsonschema v1.2.0 validates and words it (the keywords policies' configSchema
// use: type, enum, const, numbers, strings, arrays and objects; not format, $ref or combinators)
// ------------------------------------------------------------------------------------------------

/** The errors `value` has against `schema`, each "<field>: <description>" (ResultError.String()). */
export function validateJsonSchema(schema: JsonSchema, value: unknown): string[] {
    const errors: string[] = [];
    validateNode(schema, value, ["(root)"], errors);
    return errors;
}

function validateNode(schema: JsonSchema, value: unknown, context: string[], errors: string[]): void {
    const field = context.length === 1 ? context[0] : context.slice(1).join(".");
    const fail = (description: string) => errors.push(`${field}: ${description}`);
    const types = typeof schema.type === "string" ? [schema.type] : Array.isArray(schema.type) ? (schema.type as string[]) : [];
    const expected = types.length > 1 ? `[${types.join(",")}]` : types[0];
    const given = jsonKind(value);
    const typeOk = types.length === 0 || types.includes(given) || (given === "integer" && types.includes("number"));
    if (!typeOk) {
        fail(`Invalid type. Expected: ${expected}, given: ${given}`);
        return;
    }
    if (typeof value === "number") {
        const n = value;
        if (typeof schema.multipleOf === "number" && !Number.isInteger(n / schema.multipleOf)) {
            fail(`Must be a multiple of ${goFloat(schema.multipleOf)}`);
        }
        const exclusiveMax = typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum : undefined;
        const exclusiveMin = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
        if (typeof schema.maximum === "number") {
            if (schema.exclusiveMaximum === true ? n >= schema.maximum : n > schema.maximum) {
                fail(
                    schema.exclusiveMaximum === true
                        ? `Must be less than ${goFloat(schema.maximum)}`
                        : `Must be less than or equal to ${goFloat(schema.maximum)}`,
                );
            }
        }
        if (exclusiveMax !== undefined && n >= exclusiveMax) {
            fail(`Must be less than ${goFloat(exclusiveMax)}`);
        }
        if (typeof schema.minimum === "number") {
            if (schema.exclusiveMinimum === true ? n <= schema.minimum : n < schema.minimum) {
                fail(
                    schema.exclusiveMinimum === true
                        ? `Must be greater than ${goFloat(schema.minimum)}`
                        : `Must be greater than or equal to ${goFloat(schema.minimum)}`,
                );
            }
        }
        if (exclusiveMin !== undefined && n <= exclusiveMin) {
            fail(`Must be greater than ${goFloat(exclusiveMin)}`);
        }
    }
    if ("const" in schema && canonicalJson(value) !== canonicalJson(schema.const)) {
        fail(`${field} does not match: ${canonicalJson(schema.const)}`);
    }
    if (Array.isArray(schema.enum) && schema.enum.length > 0 && !schema.enum.some((e) => canonicalJson(e) === canonicalJson(value))) {
        fail(`${field} must be one of the following: ${schema.enum.map(canonicalJson).join(", ")}`);
    }
    if (typeof value === "string") {
        const length = [...value].length;
        if (typeof schema.minLength === "number" && length < schema.minLength) {
            fail(`String length must be greater than or equal to ${schema.minLength}`);
        }
        if (typeof schema.maxLength === "number" && length > schema.maxLength) {
            fail(`String length must be less than or equal to ${schema.maxLength}`);
        }
        if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
            fail(`Does not match pattern '${schema.pattern}'`);
        }
    }
    if (Array.isArray(value)) {
        if (schema.items && !Array.isArray(schema.items) && typeof schema.items === "object") {
            for (const [i, v] of value.entries()) {
                validateNode(schema.items as JsonSchema, v, [...context, String(i)], errors);
            }
        } else if (Array.isArray(schema.items)) {
            const items = schema.items as JsonSchema[];
            for (const [i, v] of value.slice(0, items.length).entries()) {
                validateNode(items[i], v, [...context, String(i)], errors);
            }
            if (items.length < value.length) {
                if (schema.additionalItems === false) {
                    fail("No additional items allowed on array");
                } else if (schema.additionalItems && typeof schema.additionalItems === "object") {
                    for (let i = items.length; i < value.length; i++) {
                        validateNode(schema.additionalItems as JsonSchema, value[i], [...context, String(i)], errors);
                    }
                }
            }
        }
        if (typeof schema.minItems === "number" && value.length < schema.minItems) {
            fail(`Array must have at least ${schema.minItems} items`);
        }
        if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
            fail(`Array must have at most ${schema.maxItems} items`);
        }
        if (schema.uniqueItems === true) {
            const seen = new Set<string>();
            for (const v of value) {
                const key = canonicalJson(v);
                if (seen.has(key)) {
                    fail("array items must be unique");
                }
                seen.add(key);
            }
        }
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
        if (typeof schema.minProperties === "number" && Object.keys(obj).length < schema.minProperties) {
            fail(`Must have at least ${schema.minProperties} properties`);
        }
        if (typeof schema.maxProperties === "number" && Object.keys(obj).length > schema.maxProperties) {
            fail(`Must have at most ${schema.maxProperties} properties`);
        }
        for (const required of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
            if (!(required in obj)) {
                fail(`${required} is required`);
            }
        }
        for (const [k, v] of Object.entries(obj)) {
            if (k in properties) {
                continue;
            }
            if (schema.additionalProperties === false) {
                fail(`Additional property ${k} is not allowed`);
            } else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
                validateNode(schema.additionalProperties as JsonSchema, v, [...context, k], errors);
            }
        }
        for (const [k, s] of Object.entries(properties)) {
            if (k in obj) {
                validateNode(s, obj[k], [...context, k], errors);
            }
        }
    }
}

/** The JSON type gojsonschema names a value by: numbers with no fraction are integers. */
function jsonKind(value: unknown): string {
    if (value === null || value === undefined) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "array";
    }
    if (typeof value === "number") {
        return Number.isInteger(value) ? "integer" : "number";
    }
    return typeof value === "object" ? "object" : typeof value;
}

/** JSON with object keys sorted, as Go's encoding/json writes a map. */
function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) {
        return `[${value.map(canonicalJson).join(",")}]`;
    }
    if (value !== null && typeof value === "object") {
        return `{${Object.keys(value)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

/**
 * A number as Go's %v prints a float64 (strconv 'g' with the shortest digits), and text/template a
 * *big.Float: an exponent below 1e-04 and from 1e+06, plain digits between.
 */
function goFloat(n: number): string {
    if (!Number.isFinite(n)) {
        return n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
    }
    if (n === 0) {
        return "0";
    }
    const [mantissa, exponent] = Math.abs(n).toExponential().split("e");
    const exp = Number(exponent);
    const digits = mantissa.replace(".", "");
    const sign = n < 0 ? "-" : "";
    if (exp < -4 || exp >= 6) {
        return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    }
    return `${sign}${Math.abs(n).toString()}`;
}

/** A value as Go's %v prints what encoding/json decoded. */
function goValue(v: unknown): string {
    if (v === null || v === undefined) {
        return "<nil>";
    }
    if (typeof v === "number") {
        return goFloat(v);
    }
    if (Array.isArray(v)) {
        return `[${v.map(goValue).join(" ")}]`;
    }
    if (typeof v === "object") {
        return `map[${Object.keys(v)
            .sort()
            .map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`)
            .join(" ")}]`;
    }
    return String(v);
}

/** The Go type encoding/json decodes a value to, as %T prints it. */
function goType(v: unknown): string {
    if (v === null || v === undefined) {
        return "<nil>";
    }
    if (Array.isArray(v)) {
        return "[]interface {}";
    }
    switch (typeof v) {
        case "number":
            return "float64";
        case "boolean":
            return "bool";
        case "string":
            return "string";
        default:
            return "map[string]interface {}";
    }
}

/** Go's %q for the strings a config file holds. */
function goQuote(s: string): string {
    return JSON.stringify(s);
}
