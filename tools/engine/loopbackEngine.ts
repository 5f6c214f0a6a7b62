/**
 * A Pulumi engine on 127.0.0.1 around Pulumi's own Node.js program runner: the offline tools run the
 * program exactly as `pulumi preview`/`up` does, through `@pulumi/pulumi/cmd/run` in its own Node.js
 * process, with the config in PULUMI_CONFIG, and answer its gRPC calls (ResourceMonitor and Engine,
 * from the protocol files that ship in `@pulumi/pulumi/proto`) as the engine would: URNs, previews
 * with unknowns, invokes, reads, imports and the stack's outputs.
 *
 * Mirrors pulumi/pulumi: sdk/nodejs/cmd/pulumi-language-nodejs/main.go (`execRuntime`,
 * `constructArguments`, `constructConfig`) for how the runner is started, and
 * pkg/resource/deploy/source_eval.go (`resmon`) for how the monitor answers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as yaml from "js-yaml";

const engineProto = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engineMessages = require("@pulumi/pulumi/proto/engine_pb");
const resourceProto = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resourceMessages = require("@pulumi/pulumi/proto/resource_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

/** How the engine marks a value not known until `pulumi up` (sdk/go/common/resource/plugin/rpc.go, UnknownStringValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The signature key of a special value, and the signature of a secret (sdk/go/common/resource/sig). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** How a recorded input that is secret reads: present, never in plain text. */
export const SECRET_PLACEHOLDER = "[secret]";

/** One resource the program registered or read. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** URN of the parent, if any. */
    readonly parent?: string;
    readonly custom: boolean;
    /** Inputs as the provider would receive them (a dynamic provider's serialized code left out); unknowns are {@link UNKNOWN}. */
    readonly inputs: Record<string, unknown>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** URNs of explicit and implicit dependencies. */
    readonly dependsOn: readonly string[];
    /** URNs each input property depends on. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /** Output properties the program asked to keep secret. */
    readonly additionalSecretOutputs: readonly string[];
    /** The provider reference (`<provider URN>::<ID>`) the resource is managed by; the engine's default provider when the program names none. */
    readonly provider?: string;
    readonly ignoreChanges?: readonly string[];
    readonly aliases?: readonly string[];
    readonly deleteBeforeReplace?: boolean;
    readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
    /** The ID of an existing resource the first `pulumi up` adopts (the `import` option: RegisterResourceRequest.importId). */
    readonly importId?: string;
    /** The ID of an existing resource read with a resource's `get` and never managed (ReadResourceRequest.id); `inputs` are the state read. */
    readonly readId?: string;
}

/** A diagnostic the program or the SDK sent to the engine (`Engine.Log`). */
export interface Diagnostic {
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
    readonly urn?: string;
}

/** What an invoke answers, or the error text the engine hands back (`invocation of <tok> returned an error: …`). */
export type InvokeAnswer = { readonly properties: Record<string, unknown> } | { readonly error: string };

/** A registration as the engine's step generator sees it, for the answers a provider would give. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly inputs: Record<string, unknown>;
    /** The import or read ID, if any. */
    readonly id?: string;
}

/** What the engine's providers answer, offline. */
export interface Providers {
    /** A provider function (`getClientConfig`, …). */
    invoke(token: string, args: Record<string, unknown>): InvokeAnswer | Promise<InvokeAnswer>;
    /**
     * A resource's ID and outputs after `pulumi up` (deterministic fakes), or in a preview only the
     * outputs a provider's preview would already know; `undefined` leaves every output not among the
     * inputs unknown, as a preview of a create does.
     */
    state(r: Registration, dryRun: boolean): { id?: string; outputs?: Record<string, unknown> } | undefined;
    /**
     * The engine's `Check` of a custom resource's inputs by its provider (run for every registration,
     * in a preview too): failures stop the run with the provider's reasons.
     */
    check?(r: Registration): Promise<{ inputs?: Record<string, unknown>; failures?: { property: string; reason: string }[] }>;
}

/** One run of the program. */
export interface RunRequest {
    /** The program's folder (Pulumi.yaml, package.json). */
    readonly programDir: string;
    readonly project: string;
    readonly stack: string;
    readonly organization?: string;
    /** The stack's config as the CLI hands it over: qualified keys (`project:key`) → text. */
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys: readonly string[];
    /** A preview (`pulumi preview`), or an update with fake IDs (`pulumi up`). */
    readonly dryRun: boolean;
    readonly providers: Providers;
    /** How long the whole run may take. Defaults to 120 s. */
    readonly timeoutMs?: number;
    /**
     * The Pulumi CLI version the engine reports to `RequirePulumiVersion`. Defaults to the
     * @pulumi/pulumi SDK's version: the CI workflow pins the CLI to the same release.
     */
    readonly cliVersion?: string;
    /** Extra environment for the runner (the program's view of `process.env`). */
    readonly env?: Readonly<Record<string, string>>;
}

/** What a run produced. */
export interface RunResult {
    readonly resources: RecordedResource[];
    readonly reads: RecordedResource[];
    /** The stack's outputs; an unknown one is {@link UNKNOWN}. */
    readonly outputs: Record<string, unknown>;
    readonly diagnostics: Diagnostic[];
    /** The runner's exit code: 0 when the program ran to the end. */
    readonly exitCode: number;
    /** What the runner printed to stderr, for failures that never reached the engine's log. */
    readonly stderr: string;
}

/**
 * The runner's exit code after it printed an error the user can act on (a `RunError`, printed
 * without a stack trace): the language host then bails without a further message
 * (@pulumi/pulumi cmd/run, `nodeJSProcessExitedAfterLoggingUserActionableMessage`).
 */
export const EXITED_AFTER_USER_ACTIONABLE_MESSAGE = 32;

/** The program failed: its error line, as the CLI prints it. */
export class ProgramError extends Error {
    constructor(
        message: string,
        readonly result: RunResult,
    ) {
        super(message);
        this.name = "ProgramError";
    }

    /** The runner printed the error as one line for the user (a `RunError`), with no stack trace. */
    get userActionable(): boolean {
        return this.result.exitCode === EXITED_AFTER_USER_ACTIONABLE_MESSAGE;
    }
}

/** The engine itself failed or timed out (exit 70 in the tools). */
export class EngineError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "EngineError";
    }
}

/** The features the engine answers `SupportsFeature` for (pkg/resource/deploy/source_eval.go, `supportsFeatureID`). */
const FEATURES = new Set([
    "secrets",
    "resourceReferences",
    "outputValues",
    "aliasSpecs",
    "replacementTrigger",
    "deletedWith",
    "replaceWith",
    "transforms",
    "invokeTransforms",
    "parameterization",
    "resourceHooks",
    "errorHooks",
    "sendsOptionsToHooks",
]);

const ROOT_TYPE = "pulumi:pulumi:Stack";
const SDK_VERSION: string = require("@pulumi/pulumi/package.json").version;

/**
 * Whether `version` is in `range`, with the syntax of github.com/blang/semver's ParseRange that the
 * CLI uses: comparators (`>=`, `>`, `<=`, `<`, `=`, `==`, `!`, `!=`, none meaning `=`) AND-ed by
 * spaces and OR-ed by `||`.
 */
export function satisfiesRange(version: string, range: string): boolean {
    const semver: typeof import("semver") = require("semver");
    return range.split("||").some((alternative) =>
        alternative
            .trim()
            .split(/\s+/)
            .every((comparator) => {
                const m = /^(>=|<=|!=|==|>|<|=|!)?v?(\d+\.\d+\.\d+\S*)$/.exec(comparator);
                if (!m) {
                    throw new Error(`parsing CLI version range "${range}": ${comparator} is not a comparator`);
                }
                const order = semver.compare(version, m[2]);
                switch (m[1] ?? "=") {
                    case ">=":
                        return order >= 0;
                    case "<=":
                        return order <= 0;
                    case ">":
                        return order > 0;
                    case "<":
                        return order < 0;
                    case "!":
                    case "!=":
                        return order !== 0;
                    default:
                        return order === 0;
                }
            }),
    );
}
const SEVERITIES: Diagnostic["severity"][] = ["debug", "info", "warning", "error"];

/**
 * A resource's URN (sdk/go/common/resource/urn.go, `NewURN`): the parent's type chain, then the
 * type, except under the stack's root resource.
 */
function urnOf(stack: string, project: string, type: string, name: string, parentUrn: string | undefined): string {
    let qualified = type;
    if (parentUrn) {
        const parentType = parentUrn.split("::")[2];
        if (parentType !== ROOT_TYPE) {
            qualified = `${parentType}$${type}`;
        }
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Secret values present but never in plain text; resource references by URN. */
function plain(value: unknown): unknown {
    if (value !== null && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) {
            return SECRET_PLACEHOLDER;
        }
        if (o[SIG_KEY] === RESOURCE_REFERENCE_SIG) {
            return o.id ?? o.urn;
        }
        if (Array.isArray(value)) {
            return value.map(plain);
        }
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

function toJs(struct: { toJavaScript(): Record<string, unknown> } | undefined): Record<string, unknown> {
    return struct ? struct.toJavaScript() : {};
}

function sortedMap(map: { forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void }): Record<string, string[]> {
    const deps: [string, string[]][] = [];
    map.forEach((d, key) => {
        deps.push([key, [...d.getUrnsList()].sort()]);
    });
    return Object.fromEntries(deps.sort(([a], [b]) => a.localeCompare(b)));
}

/** The default provider the engine registers for a package the program names no provider for (pkg/resource/deploy/providers/registry.go). */
function defaultProvider(stack: string, project: string, type: string, version: string): string {
    const pkg = type.split(":")[0];
    const name = version ? `default_${version.replace(/[.+-]/g, "_")}` : "default";
    return `${urnOf(stack, project, `pulumi:providers:${pkg}`, name, undefined)}::${UNKNOWN}`;
}

/** Runs the program once through Pulumi's Node.js runner against this engine. */
export async function runProgram(req: RunRequest): Promise<RunResult> {
    const resources: RecordedResource[] = [];
    const reads: RecordedResource[] = [];
    const diagnostics: Diagnostic[] = [];
    let outputs: Record<string, unknown> = {};
    let rootUrn = "";
    let stderr = "";
    let checkFailure: string | undefined;
    let child: ChildProcess | undefined;
    let engineFailure: EngineError | undefined;

    const registerResource = async (call: grpc.ServerUnaryCall<any, any>) => {
        const r = call.request;
        const type: string = r.getType();
        const name: string = r.getName();
        const parent: string = r.getParent();
        const custom: boolean = r.getCustom();
        const urn = urnOf(req.stack, req.project, type, name, type === ROOT_TYPE ? undefined : parent || rootUrn || undefined);
        const wire = toJs(r.getObject());
        let inputs = plain(wire) as Record<string, unknown>;
        const importId: string = r.getImportid();
        if (custom && req.providers.check) {
            const checked = await req.providers.check({ type, name, urn, inputs: wire, ...(importId ? { id: importId } : {}) });
            if (checked.failures?.length) {
                // The engine stops the deployment on a provider's check failures and reports each.
                const text = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
                checkFailure ??= `${urn}: ${text}`;
                throw Object.assign(new Error(`${urn}: check failed: ${text}`), { code: grpc.status.UNKNOWN });
            }
        }
        const recordedInputs = { ...inputs };
        delete recordedInputs.__provider;
        inputs = recordedInputs;
        if (type === ROOT_TYPE) {
            rootUrn = urn;
        } else {
            const timeouts = r.getCustomtimeouts();
            resources.push({
                type,
                name,
                urn,
                ...(parent || rootUrn ? { parent: parent || rootUrn } : {}),
                custom,
                inputs,
                protect: r.getProtect() === true,
                retainOnDelete: r.getRetainondelete() === true,
                dependsOn: [...r.getDependenciesList()].sort(),
                propertyDependencies: sortedMap(r.getPropertydependenciesMap()),
                additionalSecretOutputs: [...r.getAdditionalsecretoutputsList()],
                ...(custom ? { provider: r.getProvider() || defaultProvider(req.stack, req.project, type, r.getVersion()) } : {}),
                ignoreChanges: [...r.getIgnorechangesList()],
                aliases: [...r.getAliasurnsList()],
                deleteBeforeReplace: r.getDeletebeforereplace(),
                ...(timeouts
                    ? { customTimeouts: { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() } }
                    : {}),
                ...(importId ? { importId } : {}),
            });
        }
        const res = new resourceMessages.RegisterResourceResponse();
        res.setUrn(urn);
        if (custom) {
            const state = req.providers.state({ type, name, urn, inputs: wire, ...(importId ? { id: importId } : {}) }, req.dryRun);
            // A preview of a create knows no ID (the SDK reads "" as unknown); an import knows its own.
            res.setId(state?.id ?? (req.dryRun ? (importId ?? "") : `${name}-id`));
            res.setObject(Struct.fromJavaScript({ ...wire, ...(state?.outputs ?? {}) }));
        } else {
            res.setObject(Struct.fromJavaScript({}));
        }
        return res;
    };

    const readResource = async (call: grpc.ServerUnaryCall<any, any>) => {
        const r = call.request;
        const type: string = r.getType();
        const name: string = r.getName();
        const parent: string = r.getParent();
        const id: string = r.getId();
        const urn = urnOf(req.stack, req.project, type, name, parent || rootUrn || undefined);
        const state = req.providers.state({ type, name, urn, inputs: toJs(r.getProperties()), id }, req.dryRun);
        const properties = { ...(state?.outputs ?? {}) };
        reads.push({
            type,
            name,
            urn,
            ...(parent || rootUrn ? { parent: parent || rootUrn } : {}),
            custom: true,
            inputs: plain(properties) as Record<string, unknown>,
            protect: false,
            retainOnDelete: false,
            dependsOn: [...r.getDependenciesList()].sort(),
            propertyDependencies: {},
            additionalSecretOutputs: [...r.getAdditionalsecretoutputsList()],
            provider: r.getProvider() || defaultProvider(req.stack, req.project, type, r.getVersion()),
            readId: id,
        });
        const res = new resourceMessages.ReadResourceResponse();
        res.setUrn(urn);
        res.setProperties(Struct.fromJavaScript(properties));
        return res;
    };

    const invoke = async (call: grpc.ServerUnaryCall<any, any>) => {
        const tok: string = call.request.getTok();
        const answer = await req.providers.invoke(tok, toJs(call.request.getArgs()));
        if ("error" in answer) {
            // pkg/resource/deploy/source_eval.go, Invoke: the provider's error, wrapped.
            throw Object.assign(new Error(`invocation of ${tok} returned an error: ${answer.error}`), { code: grpc.status.UNKNOWN });
        }
        const res = new resourceMessages.ResourceInvokeResponse();
        res.setReturn(Struct.fromJavaScript(answer.properties));
        return res;
    };

    const unary =
        <T>(fn: (call: grpc.ServerUnaryCall<any, any>) => Promise<T> | T) =>
        (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<T>) => {
            Promise.resolve()
                .then(() => fn(call))
                .then(
                    (res) => callback(null, res),
                    (e: Error & { code?: number }) => {
                        if (e.code === undefined) {
                            // Not an answer the engine gives but the offline engine's own failure: stop the run
                            // now rather than let the program fail on it slowly.
                            engineFailure ??= new EngineError(`the offline engine failed answering ${call.getPath()}: ${e.message}`);
                            child?.kill("SIGKILL");
                        }
                        callback({ code: e.code ?? grpc.status.INTERNAL, details: e.message }, null);
                    },
                );
        };
    const empty = () => new Empty();

    const server = new grpc.Server();
    server.addService(resourceProto.ResourceMonitorService, {
        supportsFeature: unary((call) => {
            const res = new resourceMessages.SupportsFeatureResponse();
            res.setHassupport(FEATURES.has(call.request.getId()));
            return res;
        }),
        registerResource: unary(registerResource),
        registerResourceOutputs: unary((call) => {
            if (call.request.getUrn() === rootUrn) {
                outputs = plain(toJs(call.request.getOutputs())) as Record<string, unknown>;
            }
            return empty();
        }),
        readResource: unary(readResource),
        invoke: unary(invoke),
        registerStackTransform: unary(empty),
        registerStackInvokeTransform: unary(empty),
        signalAndWaitForShutdown: unary(empty),
        registerPackage: unary((call) => {
            const res = new resourceMessages.RegisterPackageResponse();
            res.setRef(`${call.request.getName()}@${call.request.getVersion()}`);
            return res;
        }),
        getDeploymentInfo: unary(() => {
            throw Object.assign(new Error("GetDeploymentInfo is not served offline"), { code: grpc.status.UNIMPLEMENTED });
        }),
    });
    server.addService(engineProto.EngineService, {
        log: unary((call) => {
            const severity = SEVERITIES[call.request.getSeverity()] ?? "info";
            diagnostics.push({
                severity,
                message: call.request.getMessage(),
                ...(call.request.getUrn() ? { urn: call.request.getUrn() } : {}),
            });
            return empty();
        }),
        getRootResource: unary(() => {
            const res = new engineMessages.GetRootResourceResponse();
            res.setUrn(rootUrn);
            return res;
        }),
        setRootResource: unary((call) => {
            rootUrn = call.request.getUrn();
            return new engineMessages.SetRootResourceResponse();
        }),
        requirePulumiVersion: unary((call) => {
            const range: string = call.request.getPulumiVersionRange();
            const version = req.cliVersion ?? SDK_VERSION;
            if (!satisfiesRange(version, range)) {
                // pkg/resource/plugin/plugin.go, ValidatePulumiVersionRange.
                throw Object.assign(new Error(`Pulumi CLI version ${version} does not satisfy the version range "${range}"`), {
                    code: grpc.status.UNKNOWN,
                });
            }
            return new engineMessages.RequirePulumiVersionResponse();
        }),
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const address = `127.0.0.1:${port}`;

    try {
        const exitCode = await new Promise<number>((resolve, reject) => {
            const run = require.resolve("@pulumi/pulumi/cmd/run", { paths: [req.programDir] });
            // pulumi-language-nodejs, constructArguments: the flags in this order, then the entry point ".".
            const project = readProjectFile(req.programDir);
            const { pwd, main } = entryPoint(req.programDir, project);
            const args = [
                run,
                "--monitor",
                address,
                "--engine",
                address,
                ...(req.organization ? ["--organization", req.organization] : []),
                "--project",
                req.project,
                "--root-directory",
                req.programDir,
                "--stack",
                req.stack,
                "--pwd",
                pwd,
                ...(req.dryRun ? ["--dry-run"] : []),
                "--parallel",
                "8",
                main,
            ];
            const options = runtimeOptions(project);
            child = spawn(process.execPath, [...options.nodeargs, ...args], {
                cwd: pwd,
                env: {
                    ...process.env,
                    ...req.env,
                    PULUMI_CONFIG: JSON.stringify(cliConfigEnv(req.config)),
                    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.secretKeys),
                    ...(options.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
                    ...(options.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: options.tsconfig } : {}),
                    // `npm test` type-checks the program; the offline run only transpiles it (cmd/run honours this).
                    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
                },
                stdio: ["ignore", "pipe", "pipe"],
            });
            child.stdout?.on("data", (d: Buffer) => {
                stderr += d.toString();
            });
            child.stderr?.on("data", (d: Buffer) => {
                stderr += d.toString();
            });
            const timer = setTimeout(() => {
                child?.kill("SIGKILL");
                reject(
                    new EngineError(`the Pulumi program runner did not finish within ${Math.round((req.timeoutMs ?? 120_000) / 1000)} s`),
                );
            }, req.timeoutMs ?? 120_000);
            child.on("error", (e) => {
                clearTimeout(timer);
                reject(new EngineError(`the Pulumi program runner could not start: ${e.message}`));
            });
            child.on("exit", (code, signal) => {
                clearTimeout(timer);
                resolve(code ?? (signal ? 128 : 1));
            });
        });
        if (engineFailure) {
            throw engineFailure;
        }
        const result: RunResult = { resources, reads, outputs, diagnostics, exitCode, stderr };
        resources.sort((a, b) => a.urn.localeCompare(b.urn));
        reads.sort((a, b) => a.urn.localeCompare(b.urn));
        if (exitCode !== 0) {
            throw new ProgramError(programErrorLine(result, checkFailure), result);
        }
        return result;
    } finally {
        if (child && child.exitCode === null) {
            child.kill("SIGKILL");
        }
        server.forceShutdown();
    }
}

/** What the runner's start reads of Pulumi.yaml. */
interface ProjectFile {
    readonly main?: unknown;
    readonly runtime?: string | { readonly options?: Record<string, unknown> };
}

function readProjectFile(programDir: string): ProjectFile {
    return yaml.load(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/**
 * Pulumi.yaml's `runtime.options` for Node.js as the language host reads them
 * (pulumi-language-nodejs, `parseOptions`): `typescript` (default true), `tsconfig`, `nodeargs`.
 */
function runtimeOptions(project: ProjectFile): { typescript: boolean; tsconfig?: string; nodeargs: string[] } {
    const options = (typeof project.runtime === "object" ? project.runtime.options : undefined) ?? {};
    // The host splits nodeargs with shlex; these are split at white space, without quoting.
    const nodeargs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
    return {
        typescript: options.typescript !== false,
        ...(typeof options.tsconfig === "string" ? { tsconfig: options.tsconfig } : {}),
        nodeargs,
    };
}

/**
 * Where the runner starts and what it runs, from Pulumi.yaml's `main` (pulumi/pulumi
 * pkg/engine/project.go, `getPwdMain`): the project folder and "." (package.json's entry point)
 * without one; a folder and "."; or a file's folder and its name.
 */
function entryPoint(programDir: string, project: ProjectFile): { pwd: string; main: string } {
    if (typeof project.main !== "string" || project.main === "") {
        return { pwd: programDir, main: "." };
    }
    const main = path.resolve(programDir, project.main);
    return fs.statSync(main).isDirectory() ? { pwd: main, main: "." } : { pwd: path.dirname(main), main: path.basename(main) };
}

/** PULUMI_CONFIG's keys are `<namespace>:config:<name>` (pulumi-language-nodejs, `constructConfig`). */
function cliConfigEnv(config: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([key, value]) => {
            const i = key.indexOf(":");
            return [`${key.slice(0, i)}:config:${key.slice(i + 1)}`, value];
        }),
    );
}

/** The program's own error line: what it logged as an error, else the runner's last words. */
function programErrorLine(result: RunResult, checkFailure: string | undefined): string {
    if (checkFailure) {
        return checkFailure;
    }
    const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message.trim());
    if (errors.length > 0) {
        return errors.join("\n");
    }
    const lines = result.stderr.trim().split("\n");
    return `the program exited with code ${result.exitCode}: ${lines.slice(-5).join("\n")}`;
}

/** @internal The runner's module, resolved from the program's folder as the language host does (`locateModule`). */
export function runnerPath(programDir: string): string {
    return path.dirname(require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDir] }));
}
