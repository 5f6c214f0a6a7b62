import type { TokenCredential } from "@azure/identity";
import { chooseCloud, CLOUDS, discoverCloud, scopeOf } from "./cloud";
import { createCredential, identityMismatch, type ProviderIdentity, tokenIdentity } from "./credential";
import { requireDependency } from "./dependencies";
import { azureNativeConfig, type ProviderSettingsInput } from "./providerConfig";
// The clock and a request's timeout live in timing.ts, which cloud.ts uses too without a cycle.
import { type Clock, formatDuration, REQUEST_TIMEOUT, SYSTEM_CLOCK, withRequestTimeout } from "./timing";

export { type Clock, formatDuration, REQUEST_TIMEOUT, SYSTEM_CLOCK, withRequestTimeout };

/** Copied by value into the serialized dynamic providers wherever the package is installed (see dependencies.ts). */
export const deploymentOnlyModule = true;

/**
 * The one way this program's own code operates on ARM (the dynamic resources, and `verify`'s reads):
 * the client, how long one request may take, which failures are worth a retry, how long to wait
 * (Retry-After first), how a failure is described to the user, and how a dynamic resource decides
 * between update and replace. Everything is injectable so tests drive the real code against a
 * loopback server that behaves like ARM, on a virtual clock.
 *
 * Every call is bounded: each request has a timeout, cut to the time left before the operation's
 * deadline; no wait ends at or past the deadline (a wait that would is not started, and the message
 * says why). The Azure SDK does what it can do within that rule: @azure/core-rest-pipeline sends each
 * request (bearer token, TLS, user agent) and cancels it on its abort signal; @azure/core-lro reads a
 * long-running operation's answers (which URL to poll, whether it ended, where its result is). What
 * they can't do on an injected clock or within a deadline is here, each piece saying why: which
 * failures pass, how long to wait (Retry-After first), every retry and every wait.
 *
 * The classes here run inside the dynamic providers, which `pulumi up` runs from the text
 * `pulumi.runtime.serializeFunction` makes of them. That serializer writes a class as its
 * constructor's source and its prototype's members, nothing else (@pulumi/pulumi
 * runtime/closure/parseFunction.js takes the `constructor` member out of the class text;
 * createClosure.js skips a prototype with no member of its own). So, in these classes:
 * - every field is assigned in the constructor, never initialized in the class body: an ES2022
 *   field initializer (`answers = new AnswerLog()`, what the es2022 target emits by default) is not
 *   part of the constructor and is lost, and the provider's first retry failed on
 *   `this.answers.record` being undefined. Constructor assignments survive whatever compiles the
 *   file: this project's ts-node and SWC loader, and another Pulumi program importing the
 *   components with its own tsconfig (which `useDefineForClassFields: false` here would not reach);
 * - a subclass of a built-in (`ArmGaveUp`) sets what its `super` call sets and has a member of its
 *   own (see there).
 * test/components/dynamic/serialization.test.ts compares every class here with its serialized copy.
 */

/** The ARM endpoint of Azure's public cloud. */
export const PUBLIC_ARM_ENDPOINT = CLOUDS.AzureCloud.resourceManager;

/** How the program's own Azure calls reach ARM. */
export interface ArmDependencies {
    /** ARM endpoint. Defaults to the one of the provider's cloud (`azure-native:environment`, see `cloud.ts`). */
    readonly endpoint?: string;
    /** Defaults to the credential the azure-native provider would use (see `credential.ts`). */
    readonly credential?: TokenCredential;
    /**
     * The azure-native provider's settings the cloud and credential are chosen from: the stack's
     * `azure-native:*` config and the environment. Defaults to the environment alone.
     */
    readonly azure?: ProviderSettingsInput;
    /**
     * The identity the azure-native provider runs as (its `getClientConfig`). When given, the first
     * request that writes (anything but GET) is preceded by a check that the credential's token is
     * that identity's, in the same tenant; otherwise it fails, naming both. Defaults to no check.
     */
    readonly providerIdentity?: ProviderIdentity | PromiseLike<ProviderIdentity>;
    /** Extra trusted CA (PEM) for the endpoint; only tests need it. */
    readonly trustedCa?: string;
    /** Defaults to wall-clock time. */
    readonly clock?: Clock;
    /** Defaults to {@link DEFAULT_BACKOFF}. */
    readonly backoff?: Backoff;
    /** Draws the jitter of each wait, in [0, 1). Defaults to `Math.random`; tests pass a fixed one. */
    readonly random?: () => number;
    /** How long one request may go unanswered. Defaults to {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
    readonly requestTimeoutMs?: number;
}

/** Waits between attempts: `initialMs`, growing by `factor` up to `maxMs`, each jittered by ±{@link JITTER}. */
export interface Backoff {
    readonly initialMs: number;
    readonly factor: number;
    readonly maxMs: number;
}

/** A few seconds, growing to 30 s: polls a slow registration often enough, and spares a throttled API. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 5_000, factor: 1.5, maxMs: 30_000 };

/**
 * Each wait is the backoff's delay ±20 %, so deployments throttled together do not retry in step.
 * A random source returning 0.5 gives the delay itself.
 */
export const JITTER = 0.2;

/** How long one request may go unanswered before it is abandoned and, as a transient failure, retried. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The code of a 2xx answer whose body is not JSON: a truncated or mangled answer, worth another try. */
export const MALFORMED_ANSWER = "MALFORMED_ANSWER";

/**
 * The code of a 2xx answer that is JSON but not the shape the API version promises (a provider with no
 * `registrationState`, a table with no `properties`, an operation status with no `status`). Not worth
 * a retry: a second read answers the same, and using it would put wrong values into state.
 */
export const UNEXPECTED_ANSWER = "UNEXPECTED_ANSWER";

/** The code of a failure to get a token: the credential or its token endpoint (Microsoft Entra ID), before any request reached ARM. */
export const CREDENTIAL_FAILED = "CREDENTIAL_FAILED";

/**
 * ARM's answer as an {@link UNEXPECTED_ANSWER} failure: `missing` says what is missing or wrong, e.g.
 * `no registrationState`. Thrown instead of reading on, so a malformed answer never reaches state.
 */
export function unexpectedAnswer(answer: Pick<ArmAnswer, "status" | "headers">, missing: string): ArmFailure & Error {
    return Object.assign(new Error(`ARM answered HTTP ${answer.status} with ${missing}`), {
        statusCode: answer.status,
        code: UNEXPECTED_ANSWER,
        response: { headers: answer.headers },
    });
}

// ---------------------------------------------------------------------------------------------
// Sending requests

/** ARM's answer to one request: HTTP errors are answers here, not exceptions. */
export interface ArmAnswer {
    readonly status: number;
    readonly headers: { get(name: string): string | undefined };
    /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
    readonly body: any;
    /** Set when a body was sent but is not JSON: its first characters. */
    readonly malformed?: string;
}

/**
 * Sends requests to ARM through the Azure SDK's HTTP pipeline, with bearer tokens from the
 * credential and no retries of its own (`maxRetries: 0`). Everything it needs is required lazily:
 * dynamic providers are closure-serialized and run in another process. The credential is made at
 * the first request, so a credential problem is reported as the failure of that request.
 */
export class ArmClient {
    private pipeline?: import("@azure/core-rest-pipeline").Pipeline;
    private http?: import("@azure/core-rest-pipeline").HttpClient;
    private credential?: TokenCredential;
    private identityChecked?: Promise<void>;
    /** Each request's token phase, by its abort signal (the bearer policy hands that signal to `getToken`). */
    private readonly tokenPhases: WeakMap<object, { token: "none" | "pending" | "got" }>;
    readonly endpoint: string;
    /** Requests sent, retries included, for tests and the benchmark. */
    calls: number;

    constructor(
        private readonly deps: ArmDependencies,
        private readonly userAgent = "entra-provisioning-logs",
    ) {
        // Assigned here, not initialized in the class body: see the top of this file.
        this.calls = 0;
        this.tokenPhases = new WeakMap();
        this.endpoint = (deps.endpoint ?? CLOUDS[chooseCloud(this.azure)].resourceManager).replace(/\/+$/, "");
    }

    /** The provider's settings the cloud and credential come from. */
    private get azure(): ProviderSettingsInput {
        return this.deps.azure ?? { env: process.env };
    }

    /** The credential, made at first use: a credential problem is the failure of the request that needed it. */
    private tokenCredential(): TokenCredential {
        this.credential ??= this.deps.credential ?? createCredential({ ...this.azure, cloud: chooseCloud(this.azure) });
        return this.credential;
    }

    private ready(): { pipeline: import("@azure/core-rest-pipeline").Pipeline; http: import("@azure/core-rest-pipeline").HttpClient } {
        if (!this.pipeline || !this.http) {
            const core = requireDependency<typeof import("@azure/core-rest-pipeline")>("@azure/core-rest-pipeline");
            const credential = this.tokenCredential();
            const pipeline = core.createPipelineFromOptions({
                // No retries in the pipeline: its retry policy waits on the wall clock and knows no deadline (see `retryLoop`).
                retryOptions: { maxRetries: 0 },
                ...(this.deps.trustedCa ? { tlsOptions: { ca: this.deps.trustedCa } } : {}),
                userAgentOptions: { userAgentPrefix: this.userAgent },
            });
            // The credential as the bearer policy sees it: each request's token phase is noted, so a request
            // that times out waiting for its token, or a token request that fails, is reported as the
            // credential's failure, not ARM's (ARM got no request).
            const phases = this.tokenPhases;
            const noting: TokenCredential = {
                getToken: async (scopes, options) => {
                    const phase = options?.abortSignal ? phases.get(options.abortSignal) : undefined;
                    if (phase) {
                        phase.token = "pending";
                    }
                    try {
                        const token = await credential.getToken(scopes, options);
                        if (phase) {
                            phase.token = "got";
                        }
                        return token;
                    } catch (e) {
                        throw credentialFailure(e);
                    }
                },
            };
            pipeline.addPolicy(core.bearerTokenAuthenticationPolicy({ credential: noting, scopes: scopeOf(this.endpoint) }), {
                phase: "Sign",
            });
            this.pipeline = pipeline;
            this.http = core.createDefaultHttpClient();
        }
        return { pipeline: this.pipeline, http: this.http };
    }

    /**
     * Before the first write: the credential's token must be the azure-native provider's identity
     * ({@link ArmDependencies.providerIdentity}), or nothing is written. Checked once per client; a
     * refusal fails every later write too. The token request is bounded by `timeoutMs`.
     */
    private checkIdentity(timeoutMs: number): Promise<void> {
        const expected = this.deps.providerIdentity;
        if (!expected) {
            return Promise.resolve();
        }
        this.identityChecked ??= (async () => {
            const provider = await expected;
            const token = await withRequestTimeout(timeoutMs, this.deps.clock ?? SYSTEM_CLOCK, (abortSignal) =>
                this.tokenCredential().getToken(scopeOf(this.endpoint), { abortSignal }),
            ).catch((e: ArmFailure) => {
                throw e.code === REQUEST_TIMEOUT ? tokenTimedOut(timeoutMs) : credentialFailure(e);
            });
            const mismatch = identityMismatch(tokenIdentity(token?.token ?? ""), provider);
            if (mismatch) {
                throw new Error(mismatch);
            }
        })();
        // A token request that failed or timed out is tried again by the next write; a refusal is not.
        this.identityChecked.catch((e: ArmFailure) => {
            if (e.code !== undefined) {
                this.identityChecked = undefined;
            }
        });
        return this.identityChecked;
    }

    /** The URL of an ARM path (`/subscriptions/...`) at an API version, or an absolute URL ARM handed out (an operation's status). */
    url(pathOrUrl: string, apiVersion?: string): string {
        const base = /^https:\/\//i.test(pathOrUrl) ? pathOrUrl : `${this.endpoint}/${pathOrUrl.replace(/^\/+/, "")}`;
        return apiVersion ? `${base}${base.includes("?") ? "&" : "?"}api-version=${apiVersion}` : base;
    }

    /**
     * One request, no retry, abandoned after `timeoutMs` (the token request included). A broken
     * connection or a timeout throws a failure with a code and no status; any HTTP status is an answer.
     */
    async send(method: string, pathOrUrl: string, options: { apiVersion?: string; body?: unknown; timeoutMs: number }): Promise<ArmAnswer> {
        const core = requireDependency<typeof import("@azure/core-rest-pipeline")>("@azure/core-rest-pipeline");
        const url = this.url(pathOrUrl, options.apiVersion);
        const clock = this.deps.clock ?? SYSTEM_CLOCK;
        if (method.toUpperCase() !== "GET") {
            await this.checkIdentity(options.timeoutMs);
        }
        this.calls++;
        const phase: { token: "none" | "pending" | "got" } = { token: "none" };
        const response = await withRequestTimeout(options.timeoutMs, clock, (abortSignal) => {
            this.tokenPhases.set(abortSignal, phase);
            const { pipeline, http } = this.ready();
            const request = core.createPipelineRequest({
                url,
                method: method as import("@azure/core-rest-pipeline").HttpMethods,
                abortSignal,
                ...(options.body === undefined
                    ? {}
                    : { body: JSON.stringify(options.body), headers: core.createHttpHeaders({ "content-type": "application/json" }) }),
            });
            return pipeline.sendRequest(http, request);
        }).catch((e: ArmFailure & object) => {
            if (e?.code === REQUEST_TIMEOUT && phase.token === "pending") {
                // The time ran out while the token was being got: ARM got no request.
                throw tokenTimedOut(options.timeoutMs);
            }
            // The host the request was for, named by messages about the network path (a certificate, a refused connection).
            throw e !== null && typeof e === "object" && e.code !== CREDENTIAL_FAILED ? Object.assign(e, { host: new URL(url).host }) : e;
        });
        const text = response.bodyAsText ?? "";
        let body: unknown;
        let malformed: string | undefined;
        if (text) {
            try {
                body = JSON.parse(text);
            } catch {
                body = text;
                malformed = text.slice(0, 60);
            }
        }
        return { status: response.status, headers: response.headers, body, ...(malformed === undefined ? {} : { malformed }) };
    }
}

/** The fix for a credential the token endpoint refused or could not be asked with. */
const CREDENTIAL_FIX =
    "check the client secret or certificate (expired?) and the tenant and client IDs in the stack's azure-native:* config or the ARM_* variables, or log in again (az login)";

/**
 * A failure to get a token as a {@link CREDENTIAL_FAILED} failure, in a line: what the token endpoint
 * (Microsoft Entra ID, not ARM) answered (`invalid_client: AADSTS7000215: Invalid client secret
 * provided.`), or why there was no credential. The status of @azure/identity's AuthenticationError is
 * the token endpoint's, not ARM's, so it is not kept.
 */
export function credentialFailure(e: unknown): ArmFailure & Error {
    const err = (e ?? {}) as {
        code?: string;
        message?: string;
        name?: string;
        errorResponse?: { error?: string; errorDescription?: string };
    };
    if (err.code === CREDENTIAL_FAILED) {
        return e as ArmFailure & Error;
    }
    const firstLine = (text: string | undefined) => (text ?? "").split(/\r?\n/)[0].trim();
    const oauth = err.errorResponse?.error;
    const detail = oauth
        ? `the token endpoint (Microsoft Entra ID, not ARM) refused the credential (${oauth}: ${firstLine(err.errorResponse?.errorDescription) || "no details"})`
        : `no token was got (${err.name && err.name !== "Error" ? `${err.name}: ` : ""}${firstLine(err.message) || "no details"})`;
    // The credential's own error stays the cause: `verify` reads it to tell a proxy's doing from the token endpoint's.
    return Object.assign(new Error(`${detail.replace(/\.\)$/, ")")}; ${CREDENTIAL_FIX}.`, { cause: e }), { code: CREDENTIAL_FAILED });
}

/** A token request that got no answer in time, as a {@link CREDENTIAL_FAILED} failure: the token endpoint or the way to it, not ARM. */
export function tokenTimedOut(timeoutMs: number): ArmFailure & Error {
    return Object.assign(
        new Error(
            `the token request got no answer within ${formatDuration(timeoutMs)}: the token endpoint (Microsoft Entra ID, not ARM) or the network path to it; ` +
                "check that this machine reaches the cloud's login endpoint (behind a proxy: set HTTPS_PROXY), or use another credential.",
            // The timeout stays the cause: `verify` names the proxy the token request waited on.
            { cause: Object.assign(new Error(`no answer within ${formatDuration(timeoutMs)}`), { code: REQUEST_TIMEOUT }) },
        ),
        { code: CREDENTIAL_FAILED },
    );
}

/** ARM's answer as a failure, shaped like the SDK's RestError: status, ARM's error code and message, headers. */
export function failureOf(answer: ArmAnswer): ArmFailure & Error {
    const error = answer.body?.error ?? {};
    const message =
        answer.malformed !== undefined ? `the answer is not JSON (${JSON.stringify(answer.malformed)})` : (error.message ?? "no details");
    return Object.assign(new Error(message), {
        statusCode: answer.status,
        code: answer.malformed !== undefined && answer.status < 300 ? MALFORMED_ANSWER : error.code,
        response: { headers: answer.headers },
    });
}

/** Sends one request and throws ARM's error for anything but a 2xx answer with a JSON (or empty) body. */
export async function armCall(
    arm: ArmClient,
    method: string,
    pathOrUrl: string,
    options: { apiVersion?: string; body?: unknown; timeoutMs: number },
): Promise<ArmAnswer> {
    const answer = await arm.send(method, pathOrUrl, options);
    if (answer.status >= 300 || answer.malformed !== undefined) {
        throw failureOf(answer);
    }
    return answer;
}

// ---------------------------------------------------------------------------------------------
// Which failures pass

/** The shape of a failed request, as far as this program reads it (the SDK's RestError has it too). */
export interface ArmFailure {
    readonly statusCode?: number;
    readonly code?: string;
    readonly message?: string;
    readonly response?: { readonly headers?: { get(name: string): string | undefined } };
    /** The host the request was for, set by {@link ArmClient.send} on a failure with no answer. */
    readonly host?: string;
}

/**
 * A 409 that says another operation on the resource is still running: it passes once that one
 * ends. The codes are the ones ARM's resource providers use for it: `AnotherOperationInProgress`
 * (Microsoft.Network: "Another operation on this or dependent resource is in progress", seen with
 * 409 and with 400), `OperationInProgress`, `RequestConflict` ("Another operation is being performed
 * on the parent resource … Please try again later", Microsoft.CognitiveServices; Azure/Vector-Search-AI-Assistant#11;
 * "provisioning state is not terminal … wait … and then retry", Microsoft.Kusto; Azure/azure-rest-api-specs#7984),
 * `ConflictingOperation`, and Log Analytics' own `NewerDataExists` ("Failed to modify resource
 * '…/workspaces/…', newer data exists … try again in a few minutes", code `Conflict`; Azure/Azure-Sentinel#9546).
 * A bare `Conflict` counts only when its message says so ("in progress", "try again"); a 409 for
 * anything else (a name taken, a state that won't change by itself) fails at once.
 */
export function isInProgressConflict(err: ArmFailure): boolean {
    if (err.statusCode !== 409) {
        return false;
    }
    if (
        /^(AnotherOperationInProgress|OperationInProgress|RequestConflict|ConflictingOperation|NewerDataExists|OperationPreempted)$/i.test(
            err.code ?? "",
        )
    ) {
        return true;
    }
    return /in progress|another operation|try again|retry|newer data exists|not terminal/i.test(err.message ?? "");
}

/** Where a failure happened: the way to ARM (TLS, DNS, a refused connection), a proxy, the credential (its token endpoint), or ARM's answer. */
export type FailureLayer = "network path" | "proxy" | "credential" | "ARM";

/** One class of failure: how it is recognized, whether a retry can fix it, and, for one that can't, its one-line message. */
export interface FailureClass {
    readonly name: string;
    readonly layer: FailureLayer;
    /** Worth a retry within the deadline. */
    readonly transient: boolean;
    readonly matches: (err: ArmFailure) => boolean;
    /** The message for `operation` failing so (no fix of its own: {@link describeArmFailure}'s, by status). */
    readonly describe?: (operation: string, err: ArmFailure) => string;
}

/** Node's codes for a certificate from a CA this process does not trust (or a chain it can't build). */
const UNTRUSTED_CERTIFICATE =
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE|CERT_REJECTED|UNABLE_TO_DECRYPT_CERT_SIGNATURE)$/;

/** The connection failures ARM's guidance retries: reset, timed out, DNS not answering now; this program's own request timeout and a body cut off. */
const TRANSIENT_CONNECTION =
    /^(ECONNRESET|ECONNABORTED|ETIMEDOUT|ESOCKETTIMEDOUT|EPIPE|EAI_AGAIN|PARSE_ERROR|REQUEST_SEND_ERROR|REQUEST_TIMEOUT)$/;

/** The proxy this process sends through, from the variables the Azure SDK reads, or undefined. */
function configuredProxy(): string | undefined {
    const env = process.env;
    const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
    return proxy ? proxy.replace(/\/\/[^@/]*@/, "//") : undefined;
}

const hostOf = (err: ArmFailure) => err.host ?? "the ARM endpoint";

/**
 * Every failure the program's own ARM calls meet, by class, first match wins: those no retry fixes
 * fail at once with a line naming the layer that failed and the fix; only ARM's documented transient
 * answers are retried (throttling, 5xx but 501/505, 408, a 409 while another operation runs, a broken
 * or timed-out connection, a 2xx cut short). A failure no row matches (400, 401, 403, 404, another
 * 409, 501, an unknown code) fails at once too, described by its status ({@link describeArmFailure}).
 * test/components/azure/failureClasses.test.ts holds a test for each row.
 */
export const FAILURE_CLASSES: readonly FailureClass[] = [
    {
        name: "untrusted certificate",
        layer: "network path",
        transient: false,
        matches: (err) => err.statusCode === undefined && UNTRUSTED_CERTIFICATE.test(err.code ?? ""),
        describe: (operation, err) =>
            `${operation} failed on the network path, before reaching ARM: the certificate presented for ${hostOf(err)} is not Microsoft's (${err.code}): ` +
            `a TLS-inspecting proxy? Set NODE_EXTRA_CA_CERTS to the PEM file of its CA, or have ${hostOf(err)} exempted from inspection.`,
    },
    {
        name: "certificate for another host",
        layer: "network path",
        transient: false,
        matches: (err) => err.statusCode === undefined && err.code === "ERR_TLS_CERT_ALTNAME_INVALID",
        describe: (operation, err) =>
            `${operation} failed on the network path, before reaching ARM: the certificate presented for ${hostOf(err)} is for another host (ERR_TLS_CERT_ALTNAME_INVALID): ` +
            `a TLS-inspecting proxy or a DNS entry sending ${hostOf(err)} elsewhere? Check HTTPS_PROXY and DNS, or have ${hostOf(err)} exempted from inspection.`,
    },
    {
        name: "expired certificate",
        layer: "network path",
        transient: false,
        matches: (err) => err.statusCode === undefined && /^CERT_(HAS_EXPIRED|NOT_YET_VALID)$/.test(err.code ?? ""),
        describe: (operation, err) =>
            `${operation} failed on the network path, before reaching ARM: the certificate presented for ${hostOf(err)} is out of its validity (${err.code}): ` +
            `Microsoft's are current, so this machine's clock or a TLS-inspecting proxy's certificate is wrong; fix the clock, or have the proxy's certificate renewed.`,
    },
    {
        name: "proxy authentication required",
        layer: "proxy",
        transient: false,
        matches: (err) => err.statusCode === 407,
        describe: (operation) =>
            `${operation} failed at the proxy, before reaching ARM: the proxy asked for authentication (HTTP 407 Proxy Authentication Required): ` +
            "put its credentials in HTTPS_PROXY (https://user:password@proxy:port) or have the ARM endpoint allowed without them.",
    },
    {
        name: "connection refused",
        layer: "proxy",
        transient: false,
        matches: (err) => err.statusCode === undefined && err.code === "ECONNREFUSED",
        describe: (operation, err) => {
            const proxy = configuredProxy();
            return proxy
                ? `${operation} failed at the proxy, before reaching ARM: the proxy ${proxy} refused the connection (ECONNREFUSED): check HTTPS_PROXY.`
                : `${operation} failed on the network path, before reaching ARM: the connection to ${hostOf(err)} was refused (ECONNREFUSED): ` +
                      "ARM does not refuse connections, so a firewall does, or this network needs a proxy (set HTTPS_PROXY).";
        },
    },
    {
        name: "host not found",
        layer: "network path",
        transient: false,
        matches: (err) => err.statusCode === undefined && err.code === "ENOTFOUND",
        describe: (operation, err) =>
            `${operation} failed on the network path, before reaching ARM: ${hostOf(err)} does not resolve (ENOTFOUND): ` +
            "check this machine's DNS, or the cloud the stack names (azure-native:environment).",
    },
    {
        name: "credential",
        layer: "credential",
        transient: false,
        matches: (err) => err.code === CREDENTIAL_FAILED,
        describe: (operation, err) =>
            `${operation} failed at the credential, before any request reached ARM: ${err.message ?? "no details"}`,
    },
    {
        name: "resource lock",
        layer: "ARM",
        transient: false,
        // Before the 409 "in progress" row: ScopeLocked's message ends "…remove the lock and try again".
        matches: (err) => err.statusCode === 409 && /^ScopeLocked$/i.test(err.code ?? ""),
        describe: (operation, err) =>
            `${operation} was refused by a resource lock (HTTP 409 ScopeLocked): ${(err.message ?? "").replace(/\.\s*$/, "")}. ` +
            "Remove the lock (az lock list shows it; a ReadOnly lock on the workspace or its resource group also blocks this) or have its owner lift it, then run pulumi up again.",
    },
    {
        name: "unexpected answer",
        layer: "ARM",
        transient: false,
        matches: (err) => err.code === UNEXPECTED_ANSWER,
        describe: (operation, err) =>
            `${operation} failed: ${err.message ?? "ARM's answer was not of the expected shape"}, not the answer its API version promises; nothing was written to state. ` +
            "Run pulumi up again; if it persists, something between this machine and ARM answers in its place (check HTTPS_PROXY).",
    },
    { name: "throttled", layer: "ARM", transient: true, matches: (err) => err.statusCode === 429 },
    { name: "request timeout", layer: "ARM", transient: true, matches: (err) => err.statusCode === 408 },
    {
        name: "server error",
        layer: "ARM",
        transient: true,
        matches: (err) => err.statusCode !== undefined && err.statusCode >= 500 && err.statusCode !== 501 && err.statusCode !== 505,
    },
    { name: "another operation in progress", layer: "ARM", transient: true, matches: (err) => isInProgressConflict(err) },
    {
        name: "connection broken or timed out",
        layer: "network path",
        transient: true,
        matches: (err) => err.statusCode === undefined && TRANSIENT_CONNECTION.test(err.code ?? ""),
    },
    { name: "answer cut short", layer: "ARM", transient: true, matches: (err) => err.code === MALFORMED_ANSWER },
];

/** The class of a failure ({@link FAILURE_CLASSES}), or undefined for one no row matches (it fails at once). */
export function classifyFailure(err: ArmFailure): FailureClass | undefined {
    return FAILURE_CLASSES.find((c) => c.matches(err));
}

/**
 * Passing failures, worth a retry: the transient rows of {@link FAILURE_CLASSES}. 400, 401, 403,
 * 404, a certificate, a proxy, a credential, a lock or an answer of the wrong shape will not pass.
 *
 * Why not the SDK's rules: its retry strategies' tests (@typespec/ts-http-runtime
 * retryStrategies/exponentialRetryStrategy.js `isExponentialRetryResponse`, `isSystemError`;
 * throttlingRetryStrategy.js) are not exported by @azure/core-rest-pipeline, only the policies built
 * on them; and they pass over a 409 while another operation runs, a connection broken mid-answer
 * (PARSE_ERROR), a request timed out here (REQUEST_TIMEOUT) and a 2xx that is not JSON.
 */
export function isTransient(err: ArmFailure): boolean {
    return classifyFailure(err)?.transient ?? false;
}

/**
 * The wait ARM asked for in Retry-After (seconds or an HTTP date, against `now` on the injected
 * clock), in milliseconds. Why not the SDK's parsers: @typespec/ts-http-runtime
 * throttlingRetryStrategy.js `getRetryAfterInMs` and @azure/core-lro http/operation.js
 * `parseRetryAfter` are not exported, both measure an HTTP date against `Date.now()`, and the first
 * reads the header only on 429 and 503 (ARM sends it on 202 and other 5xx too).
 */
export function retryAfterMs(err: ArmFailure, now: number): number | undefined {
    const header = err.response?.headers?.get("retry-after");
    if (!header) {
        return undefined;
    }
    const seconds = Number(header);
    if (Number.isFinite(seconds)) {
        return Math.max(0, seconds * 1_000);
    }
    const date = Date.parse(header);
    return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** What ARM answered, in the words a user reads: `HTTP 429 TooManyRequests`, `connection reset`, `no answer in time`. */
export function answerOf(err: ArmFailure): string {
    if (err.statusCode === undefined) {
        return transportAnswer(err);
    }
    return `HTTP ${err.statusCode}${err.code && err.code !== String(err.statusCode) ? ` ${err.code}` : ""}`;
}

function transportAnswer(err: ArmFailure): string {
    if (err.code === REQUEST_TIMEOUT) {
        return "no answer in time";
    }
    if (err.code === "ECONNRESET") {
        return "connection reset";
    }
    if (err.code === "PARSE_ERROR") {
        return "connection broken mid-answer";
    }
    return err.code ?? "error";
}

/** Counts the failed answers, so a final message can say what happened: "HTTP 429 ×14, HTTP 503 ×3". */
export class AnswerLog {
    private readonly counts: Map<string, number>;
    /** Each answer's status: undefined for no answer or a broken one, 0 for a 2xx that is not JSON. */
    private readonly statuses: Array<number | undefined>;

    constructor() {
        // Assigned here, not initialized in the class body: see the top of this file.
        this.counts = new Map();
        this.statuses = [];
    }

    record(err: ArmFailure): void {
        const answer =
            err.statusCode === undefined
                ? transportAnswer(err)
                : err.code === MALFORMED_ANSWER
                  ? `HTTP ${err.statusCode} not JSON`
                  : `HTTP ${err.statusCode}`;
        this.counts.set(answer, (this.counts.get(answer) ?? 0) + 1);
        this.statuses.push(err.code === MALFORMED_ANSWER ? 0 : err.statusCode);
    }

    get size(): number {
        return this.statuses.length;
    }

    summary(): string {
        return [...this.counts].map(([answer, n]) => `${answer} ×${n}`).join(", ");
    }

    /** What the answers say about ARM: throttling (429), failing (5xx, timeouts, broken connections), both, or busy (409). */
    diagnosis(): string {
        const throttled = this.statuses.some((s) => s === 429);
        const failing = this.statuses.some((s) => s === undefined || s === 0 || s === 408 || (s !== undefined && s >= 500));
        const busy = this.statuses.some((s) => s === 409);
        const load =
            throttled && failing
                ? "ARM was throttling and failing the requests"
                : throttled
                  ? "ARM was throttling the requests"
                  : failing
                    ? "Azure was failing the requests"
                    : undefined;
        const parts = [load, busy ? "another operation on the resource was still in progress" : undefined].filter(Boolean);
        return parts.join(", and ") || "ARM did not answer as expected";
    }
}

// ---------------------------------------------------------------------------------------------
// Retrying within a deadline

/** What to do about a failure that will not pass, by its kind. */
export interface Fixes {
    /** The fix for a 403: the permission the identity lacks. */
    readonly forbidden?: string;
    /** The fix for a 404. */
    readonly notFound?: string;
    /** The fix for a 400: which setting or request ARM refused. */
    readonly badRequest?: string;
}

/** What a retried operation is, for its messages, and how long it may take. */
export interface RetrySpec extends Fixes {
    /** E.g. "Setting the retention of <table id>". */
    readonly operation: string;
    /** Give up after this long, in milliseconds. */
    readonly timeoutMs: number;
    /** The setting the deadline comes from, named in messages, e.g. "registrationTimeoutMinutes". */
    readonly budget?: string;
    /** What to run once the deadline has passed, e.g. "run verify again". Defaults to "run pulumi up again". */
    readonly again?: string;
    /** Failures that pass in this operation's context besides the transient ones (e.g. a new workspace's 404). */
    readonly retryAlso?: (err: ArmFailure, elapsedMs: number) => boolean;
}

/** What retrying needs of {@link ArmDependencies}. */
type RetryDependencies = Pick<ArmDependencies, "clock" | "backoff" | "random" | "requestTimeoutMs">;

/** Why a wait was not started: it would have ended at or past the deadline. */
export interface WaitRefused {
    /** The wait that was due. */
    readonly waitMs: number;
    /** ARM's Retry-After, when it asked for one. */
    readonly retryAfterMs?: number;
    /** Time left before the deadline. */
    readonly leftMs: number;
}

/**
 * An operation's deadline, its backoff and what ARM answered on the way. Request timeouts are cut
 * to the time left; {@link Deadline.wait} never sleeps past the deadline, nor up to it just to fail.
 */
export class Deadline {
    readonly answers: AnswerLog;
    readonly startedAt: number;
    readonly at: number;
    private readonly clock: Clock;
    private readonly backoff: Backoff;
    private readonly random: () => number;
    private delay: number;

    constructor(
        readonly spec: RetrySpec,
        private readonly deps: RetryDependencies,
    ) {
        // Assigned here, not initialized in the class body: see the top of this file.
        this.answers = new AnswerLog();
        this.clock = deps.clock ?? SYSTEM_CLOCK;
        this.backoff = deps.backoff ?? DEFAULT_BACKOFF;
        this.random = deps.random ?? Math.random;
        this.startedAt = this.clock.now();
        this.at = this.startedAt + spec.timeoutMs;
        this.delay = this.backoff.initialMs;
    }

    get elapsedMs(): number {
        return this.clock.now() - this.startedAt;
    }

    get leftMs(): number {
        return this.at - this.clock.now();
    }

    /** The next request's timeout: the per-request timeout, cut to the time left. */
    requestTimeoutMs(): number {
        return Math.max(0, Math.min(this.deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, this.leftMs));
    }

    /**
     * Waits before the next attempt: the backoff's next delay (jittered), or ARM's Retry-After when
     * longer. Returns why not, without sleeping, when that wait would end at or past the deadline.
     * Why not the SDK's backoff (@azure/core-util `calculateRetryDelay`): it draws its jitter from
     * `Math.random` (`getRandomIntegerInclusive`) with no source to pass, so a test can't pin a wait.
     */
    async wait(retryAfter: number | undefined): Promise<WaitRefused | undefined> {
        const jittered = this.delay * (1 - JITTER + 2 * JITTER * this.random());
        this.delay = Math.min(this.delay * this.backoff.factor, this.backoff.maxMs);
        const waitMs = Math.max(jittered, retryAfter ?? 0);
        const leftMs = this.leftMs;
        if (waitMs >= leftMs) {
            return { waitMs, leftMs, ...(retryAfter !== undefined && retryAfter >= jittered ? { retryAfterMs: retryAfter } : {}) };
        }
        await this.clock.sleep(waitMs);
        return undefined;
    }

    /** The time allowed, for messages: `registrationTimeoutMinutes (20 min)`, or `10 min`. */
    get limit(): string {
        return this.spec.budget ? `${this.spec.budget} (${formatDuration(this.spec.timeoutMs)})` : formatDuration(this.spec.timeoutMs);
    }

    /** What ARM answered so far, for messages: `; ARM answered HTTP 429 ×3 in 40 s` (no time when at once), or nothing. */
    answered(): string {
        return this.answers.size > 0
            ? `; ARM answered ${this.answers.summary()}${this.elapsedMs >= 1000 ? ` in ${formatDuration(this.elapsedMs)}` : ""}`
            : "";
    }

    /** The message for giving up: ARM's Retry-After did not fit, or the time is up; what ARM answered; what to do. */
    giveUp(refused: WaitRefused): string {
        const again = this.spec.again ?? "run pulumi up again";
        if (refused.retryAfterMs !== undefined) {
            const left = formatDuration(refused.leftMs, "floor");
            return (
                `${this.spec.operation} stopped: ARM asked to wait ${formatDuration(refused.retryAfterMs)} (Retry-After) but only ${left} ${/^1 /.test(left) ? "is" : "are"} left of ` +
                `${this.spec.budget ? this.limit : `its ${this.limit}`}${this.answered()}. ${capitalize(again)} in ${formatDuration(refused.retryAfterMs)}` +
                `${this.spec.budget ? `, or raise ${this.spec.budget}` : ""}.`
            );
        }
        return `${this.spec.operation} did not succeed within ${this.limit}${this.answered()}; ${this.answers.diagnosis()}. ${capitalize(again)} later.`;
    }
}

function capitalize(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A failure that will not pass, in one line: which operation on what, what ARM answered (and before), and the fix for its kind. */
export function describeArmFailure(operation: string, err: ArmFailure, fixes: Fixes, answers: AnswerLog, elapsedMs: number): string {
    const known = classifyFailure(err);
    if (known?.describe && !known.transient) {
        return known.describe(operation, err);
    }
    if (err.statusCode === 403 && fixes.forbidden) {
        return `${operation} was refused (HTTP 403): ${fixes.forbidden}`;
    }
    if (err.statusCode === 401) {
        return `${operation} was refused (${answerOf(err)}): the credentials were not accepted; log in again (az login) or check the stack's azure-native:* config and the ARM_* variables, which the program reads as the azure-native provider does.`;
    }
    if (err.statusCode === undefined) {
        return `${operation} failed before reaching ARM: ${err.message ?? "no details"}`;
    }
    const before = answers.size > 0 ? `; ARM answered ${answers.summary()} in ${formatDuration(elapsedMs)}` : "";
    const fix = err.statusCode === 404 ? fixes.notFound : err.statusCode === 400 ? fixes.badRequest : undefined;
    return `${operation} failed (${answerOf(err)}): ${(err.message ?? "no details").replace(/\.\s*$/, "")}${before}${fix ? `. ${fix}` : ""}`;
}

/** One attempt as the retry loop sees it: finished (return or throw), or a passing failure to wait out. */
type Attempt<T> = { readonly finished: () => T } | { readonly transient: ArmFailure; readonly giveUp: (refused: WaitRefused) => T };

/**
 * The one retry policy: passing failures are retried with a jittered, growing wait, or Retry-After
 * when longer, within the deadline. Why not the pipeline's (@azure/core-rest-pipeline `retryPolicy`,
 * @typespec/ts-http-runtime policies/retryPolicy.js): it sleeps with util/helpers.js `delay`, a
 * `setTimeout` on the wall clock; a strategy's `retry` is synchronous, so it can't wait on the
 * injected clock instead; nothing in it knows a deadline (a Retry-After of an hour is slept until an
 * abort signal cuts it, not refused with a message); and it returns only the last answer, not what
 * ARM answered before.
 */
async function retryLoop<T>(deadline: Deadline, attempt: (requestTimeoutMs: number) => Promise<Attempt<T>>, clock: Clock): Promise<T> {
    for (;;) {
        const outcome = await attempt(deadline.requestTimeoutMs());
        if ("finished" in outcome) {
            return outcome.finished();
        }
        const err = outcome.transient;
        deadline.answers.record(err);
        const refused = await deadline.wait(retryAfterMs(err, clock.now()));
        if (refused) {
            return outcome.giveUp(refused);
        }
    }
}

/** The error a retried operation ends with when its time is up; `answered` says what Azure answered, in a few words. */
export class ArmGaveUp extends Error {
    readonly answered: string;

    constructor(message: string, answered: string) {
        super(message);
        // Serialized into a dynamic provider, `super(message)` becomes `Error.call(this, message)`,
        // which sets nothing on `this`: without these lines the engine showed the failure with no message.
        this.message = message;
        this.name = "ArmGaveUp";
        this.answered = answered;
        if (this.stack === undefined) {
            Error.captureStackTrace(this);
        }
    }

    /**
     * Error's own, restated: a member of its own is what makes the closure serializer write this
     * class's prototype, and with it its link to `Error.prototype` (`instanceof Error`).
     */
    override toString(): string {
        return `${this.name}: ${this.message}`;
    }
}

/** What Azure answered until the deadline, in a few words: `HTTP 503 ×7 in 2 min`, or the Retry-After that did not fit. */
function answeredBriefly(deadline: Deadline, refused: WaitRefused): string {
    const answers = `${deadline.answers.summary()}${deadline.elapsedMs >= 1000 ? ` in ${formatDuration(deadline.elapsedMs)}` : ""}`;
    return refused.retryAfterMs !== undefined
        ? `${answers}, then asked to wait ${formatDuration(refused.retryAfterMs)} (Retry-After), past the deadline`
        : answers;
}

/**
 * Runs `attempt` until it succeeds, retrying passing failures ({@link isTransient}, and
 * `spec.retryAlso`) with a jittered, growing wait, or Retry-After when longer, within the deadline;
 * never sleeps past it. Anything else fails at once. `attempt` gets the timeout its request may
 * take. Every failure message names the operation, what ARM answered, and the fix. A `deadline`
 * passed in is shared with the caller's other steps (an operation's polls).
 */
export async function retryArm<T>(
    spec: RetrySpec,
    attempt: (requestTimeoutMs: number) => Promise<T>,
    deps: RetryDependencies,
    deadline: Deadline = new Deadline(spec, deps),
): Promise<T> {
    return retryLoop<T>(
        deadline,
        async (timeoutMs) => {
            try {
                const value = await attempt(timeoutMs);
                return { finished: () => value };
            } catch (e) {
                const err = e as ArmFailure;
                if (e instanceof ArmGaveUp || !(isTransient(err) || spec.retryAlso?.(err, deadline.elapsedMs))) {
                    return {
                        finished: () => {
                            if (e instanceof ArmGaveUp) {
                                throw e;
                            }
                            throw new Error(describeArmFailure(spec.operation, err, spec, deadline.answers, deadline.elapsedMs));
                        },
                    };
                }
                return {
                    transient: err,
                    giveUp: (refused) => {
                        throw new ArmGaveUp(deadline.giveUp(refused), answeredBriefly(deadline, refused));
                    },
                };
            }
        },
        deps.clock ?? SYSTEM_CLOCK,
    );
}

/** The answer as a failure when it passes (408, 429, 5xx, a 409 while another operation runs, a 2xx cut short), so it can be waited out; else undefined. */
export function transientAnswer(answer: Omit<ArmAnswer, "body"> & { readonly body?: any }): ArmFailure | undefined {
    const failure = failureOf({ body: undefined, ...answer });
    return answer.status >= 300 && isTransient(failure) ? failure : undefined;
}

/**
 * {@link retryArm}'s policy for callers that read Azure's answers themselves (`verify`): passing
 * failures, thrown or returned as an answer `failureOf` recognizes (e.g. {@link transientAnswer}), are
 * retried with the same waits and deadline. Anything else is returned or rethrown as it is. When the
 * time is up, the last passing answer is returned with `gaveUp` (what Azure answered, in a few
 * words), or an {@link ArmGaveUp} thrown naming the operation, how long it was retried and what
 * Azure answered.
 */
export async function retryTransient<T>(
    spec: RetrySpec,
    attempt: (requestTimeoutMs: number) => Promise<T>,
    failureOf: (value: T) => ArmFailure | undefined,
    deps: RetryDependencies,
): Promise<{ readonly value: T; readonly gaveUp?: string }> {
    const deadline = new Deadline({ again: "run verify again", ...spec }, deps);
    const azure = (text: string) => text.replace(/ARM answered/g, "Azure answered");
    return retryLoop<{ value: T; gaveUp?: string }>(
        deadline,
        async (timeoutMs) => {
            let value: T;
            try {
                value = await attempt(timeoutMs);
            } catch (e) {
                const err = e as ArmFailure;
                if (!isTransient(err)) {
                    return {
                        finished: () => {
                            throw e;
                        },
                    };
                }
                return {
                    transient: err,
                    giveUp: (refused) => {
                        throw new ArmGaveUp(azure(deadline.giveUp(refused)), answeredBriefly(deadline, refused));
                    },
                };
            }
            const failure = failureOf(value);
            return failure
                ? { transient: failure, giveUp: (refused) => ({ value, gaveUp: answeredBriefly(deadline, refused) }) }
                : { finished: () => ({ value }) };
        },
        deps.clock ?? SYSTEM_CLOCK,
    );
}

/**
 * Follows a long-running operation ARM accepted (a 202 with Azure-AsyncOperation, Operation-Location
 * or Location) until it ends, then returns the resource as ARM reads it. @azure/core-lro's poller
 * (`createHttpPoller`) reads ARM's answers: which URL to poll (the header, or a newer one a poll
 * answers with), whether the operation still runs, succeeded, failed or was canceled, and where the
 * result is (the resource's own URL). Each poll is retried like any request, within the deadline;
 * every URL ARM hands out must be on the endpoint the credentials are for.
 */
export async function followOperation(
    arm: ArmClient,
    accepted: ArmAnswer,
    resource: { readonly path: string; readonly apiVersion: string },
    deadline: Deadline,
    deps: RetryDependencies,
): Promise<ArmAnswer> {
    const lro = requireDependency<typeof import("@azure/core-lro")>("@azure/core-lro");
    const spec = deadline.spec;
    const clock = deps.clock ?? SYSTEM_CLOCK;
    const resourceUrl = arm.url(resource.path, resource.apiVersion);
    const read = (url: string) => retryArm(spec, (timeoutMs) => armCall(arm, "GET", url, { timeoutMs }), deps, deadline);
    const onEndpoint = (url: string) => {
        if (new URL(url).origin !== new URL(arm.endpoint).origin) {
            throw new Error(
                `${spec.operation} failed: ARM pointed to ${new URL(url).origin} to follow the operation, not ${arm.endpoint}; the program does not send its credentials there.`,
            );
        }
    };
    /** An answer as core-lro reads it: the request it answers, the headers it looks at (lower case). */
    const asResponse = (answer: ArmAnswer, method: string, url: string) => {
        const headers: Record<string, string> = {};
        for (const name of ["azure-asyncoperation", "operation-location", "location", "retry-after"]) {
            const value = answer.headers.get(name);
            if (value !== undefined) {
                headers[name] = value;
            }
        }
        return {
            flatResponse: answer.body,
            rawResponse: { statusCode: answer.status, request: { method, url }, headers, body: answer.body },
        };
    };
    // Followed through a status URL (Azure-AsyncOperation, Operation-Location), each 200 must say the
    // operation's `status`: core-lro takes a 200 without one for an operation that ended (http/operation.js
    // `transformStatus` falls back to the status code), and the resource would be read as if it had.
    const byStatus = accepted.headers.get("azure-asyncoperation") !== undefined || accepted.headers.get("operation-location") !== undefined;
    let last = accepted;
    const poller = lro.createHttpPoller(
        {
            // The accepted request changed the resource: once the operation ends, the resource is read at its own URL.
            sendInitialRequest: async () => asResponse(accepted, "PATCH", resourceUrl),
            sendPollRequest: async (url) => {
                onEndpoint(url);
                last = await read(url);
                if (byStatus && url !== resourceUrl && last.status === 200 && typeof last.body?.status !== "string") {
                    throw new Error(
                        describeArmFailure(
                            spec.operation,
                            unexpectedAnswer(last, "no status for the operation it follows"),
                            spec,
                            deadline.answers,
                            deadline.elapsedMs,
                        ),
                    );
                }
                return asResponse(last, "GET", url);
            },
        },
        { resourceLocationConfig: "original-uri", resolveOnUnsuccessful: true, withOperationLocation: onEndpoint },
    );
    await poller.submitted();
    let polls = 0;
    let status = "InProgress";
    // One step of core-lro at a time, the waits here. Why not its `pollUntilDone` (poller/poller.js):
    // it waits with @azure/core-util `delay`, a `setTimeout` on the wall clock, for an interval it keeps
    // to itself (Retry-After, bounded only by 2^31-1 ms) and knows no deadline, only an abort signal.
    while (!poller.isDone) {
        const refused = await deadline.wait(retryAfterMs({ response: { headers: last.headers } }, clock.now()));
        if (refused) {
            throw new ArmGaveUp(
                refused.retryAfterMs !== undefined
                    ? deadline.giveUp(refused)
                    : `${spec.operation} did not finish within ${deadline.limit}: ARM's operation was still ${status} after ${polls} check${polls === 1 ? "" : "s"}${deadline.answered()}. ` +
                          `ARM goes on with it by itself; ${spec.again ?? "run pulumi up again"} later to confirm.`,
                answeredBriefly(deadline, refused),
            );
        }
        await poller.poll();
        polls++;
        status = String(last.body?.status ?? "InProgress");
    }
    if (poller.operationState?.status !== "succeeded") {
        const error = last.body?.error ?? {};
        throw new Error(
            `${spec.operation} failed: ARM's operation ended ${status}${error.code ? ` (${error.code})` : ""}: ${error.message ?? "no details"}`,
        );
    }
    // No URL to follow, or a Location that ended with no body: the resource is read.
    return last === accepted || last.body === undefined ? read(resourceUrl) : last;
}

/** The diff a dynamic provider returns. */
export interface InputDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: false;
}

/**
 * Compares old and new inputs: a change of a `replaceOn` key (ARM names, compared case-insensitively
 * as ARM does) replaces the resource; a change of an `updateOn` key updates it in place.
 */
export function diffInputs<T extends object>(
    before: T,
    after: T,
    replaceOn: readonly (keyof T)[],
    updateOn: readonly (keyof T)[],
): InputDiff {
    const text = (v: unknown) => String(v).toLowerCase();
    const replaces = replaceOn.filter((k) => text(before[k]) !== text(after[k])).map(String);
    const updates = updateOn.filter((k) => before[k] !== after[k]);
    return { changes: replaces.length > 0 || updates.length > 0, replaces, deleteBeforeReplace: false };
}

/**
 * A dynamic provider's dependencies once `configure` hands it the stack config: the cloud that
 * `azure-native:metadataHost` names is read here, once per process, as the provider reads it before
 * its first call.
 */
export async function configuredDependencies(
    deps: ArmDependencies,
    config: { get(key: string): unknown } | undefined,
): Promise<ArmDependencies> {
    return { ...deps, azure: deps.azure ?? (await discoverCloud({ config: azureNativeConfig(config), env: process.env })) };
}
