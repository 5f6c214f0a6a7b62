import type { TokenCredential } from "@azure/identity";
import {
    ArmClient,
    ArmGaveUp,
    classifyFailure,
    CREDENTIAL_FAILED,
    credentialFailure,
    failureOf as answerFailure,
    formatDuration,
    tokenTimedOut,
    type ArmFailure,
    type Backoff,
    type Clock,
    DEFAULT_REQUEST_TIMEOUT_MS,
    REQUEST_TIMEOUT,
    retryTransient,
    SYSTEM_CLOCK,
    transientAnswer,
    withRequestTimeout,
} from "../../components/azure/armOperation";
import {
    type AzureCloud,
    chooseCloud,
    CLOUDS,
    type CloudEndpoints,
    DEFAULT_METADATA_TIMEOUT_MS,
    discoverCloud,
    metadataOrigin,
    scopeOf,
} from "../../components/azure/cloud";
import { createCredential, tokenIdentity } from "../../components/azure/credential";
import { type ProviderSettingsInput, providerSetting } from "../../components/azure/providerConfig";
import { ConfigError } from "../../program/settingsValidation";
import { DEADLINE_VARIABLE, DEFAULT_RUN_DEADLINE_MS, RunDeadline } from "./deadline";
import { type ProxyRoute, proxyFor, throughProxy } from "./proxy";

/** Where `verify` reads from; injectable so tests point it at loopback servers that behave like Azure. */
/** A Graph answer: its HTTP status and JSON body. */
export interface GraphResponse {
    readonly status: number;
    readonly body?: any;
}

/** What the provisioning-job checks need of a Microsoft Graph client: GET on an absolute URL, retries its own. */
export interface GraphReader {
    get(url: string): Promise<GraphResponse>;
}

export interface VerifyEndpoints {
    /**
     * The azure-native provider's settings: the stack's config (qualified keys; its `azure-native:*`
     * keys are read, the encrypted ones listed in `unreadable`) and the environment. The cloud and the
     * credential are chosen from them as the provider chooses (see `cloud.ts`, `credential.ts`).
     * Defaults to the environment alone.
     */
    readonly azure?: ProviderSettingsInput;
    /** ARM endpoint. Defaults to the cloud's (`https://management.azure.com` in the public cloud). */
    readonly arm?: string;
    /** Log Analytics query API, including its version. Defaults to the cloud's (`https://api.loganalytics.io/v1` in the public cloud). */
    readonly logs?: string;
    /** Microsoft Graph, including its version. Defaults to the cloud's (`https://graph.microsoft.com/v1.0` in the public cloud). */
    readonly graph?: string;
    /** Defaults to the credential the azure-native provider would use. */
    readonly credential?: TokenCredential;
    /** Extra trusted CA (PEM); only tests need it. */
    readonly trustedCa?: string;
    /** The clock retries wait on and request timeouts run on. Defaults to wall-clock time. */
    readonly clock?: Clock;
    /** Waits between retries; defaults to the dynamic resources' (`DEFAULT_BACKOFF`). */
    readonly backoff?: Backoff;
    /** Draws the jitter of each wait, in [0, 1). Defaults to `Math.random`. */
    readonly random?: () => number;
    /** How long one call may keep retrying throttling (429), 408, 5xx, a busy resource (409) and broken connections. Defaults to {@link DEFAULT_VERIFY_RETRY_TIMEOUT_MS}. */
    readonly retryTimeoutMs?: number;
    /** How long one request may go unanswered. Defaults to 60 s. */
    readonly requestTimeoutMs?: number;
    /**
     * The run's deadline, shared by every reader of one run: no read outlasts it. Defaults to one of
     * {@link DEFAULT_RUN_DEADLINE_MS} from the reader's creation, without progress lines.
     */
    readonly deadline?: RunDeadline;
}

/**
 * A read that failed on the way to Azure, not at Azure: the proxy that refused, asked for
 * credentials or never answered, named with the variable it comes from. One line and its fix, the
 * same for every read it stopped, so verify reports it once.
 */
export class LiveFailure extends Error {
    constructor(
        message: string,
        readonly fix: string,
    ) {
        super(message);
        this.name = "LiveFailure";
    }
}

/** Carries one query attempt's timeout to {@link queryTimeoutPolicy}, which removes it before sending. */
const TIMEOUT_HEADER = "x-entra-provisioning-logs-timeout-ms";

/**
 * Gives each query request the timeout its attempt was given (the token request included). The
 * Log Analytics SDK keeps only `requestOptions` of a call's options (its `abortSignal` is dropped),
 * so the timeout travels in a header this policy removes.
 */
function queryTimeoutPolicy(clock: Clock, fallbackMs: number): import("@azure/core-rest-pipeline").PipelinePolicy {
    return {
        name: "entraProvisioningLogsQueryTimeout",
        sendRequest: async (request, next) => {
            const timeoutMs = Number(request.headers.get(TIMEOUT_HEADER) ?? fallbackMs);
            request.headers.delete(TIMEOUT_HEADER);
            const outer = request.abortSignal;
            try {
                return await withRequestTimeout(
                    timeoutMs,
                    clock,
                    (signal) => {
                        request.abortSignal = signal;
                        return next(request);
                    },
                    outer,
                );
            } finally {
                request.abortSignal = outer;
            }
        },
    };
}

/** How long `verify` keeps retrying one call: long enough to ride out a throttling burst, short enough for a command someone waits on. */
export const DEFAULT_VERIFY_RETRY_TIMEOUT_MS = 2 * 60_000;

/** A GET's status and parsed body; HTTP errors are answers, not exceptions. */
export interface ArmResponse {
    readonly status: number;
    readonly body: any;
    /** Set when the body is not JSON: its first characters. */
    readonly malformed?: string;
    /** Set when Azure kept answering a passing failure until verify's deadline: what it answered, in one sentence. */
    readonly gaveUp?: string;
}

/** The tenant a token was issued in (its `tid` claim), or undefined when it can't be read. */
export function tokenTenant(token: string): string | undefined {
    return tokenIdentity(token).tenantId;
}

/**
 * `input` with its metadataHost's cloud read ({@link discoverCloud}), within the run's deadline when
 * given; a host that can't be read is one line, exit 2.
 */
export async function providerSettings(input: ProviderSettingsInput, endpoints: VerifyEndpoints = {}): Promise<ProviderSettingsInput> {
    const left = endpoints.deadline?.leftMs;
    try {
        return await discoverCloud(
            input,
            left === undefined ? {} : { timeoutMs: Math.max(1, Math.min(DEFAULT_METADATA_TIMEOUT_MS, left)) },
        );
    } catch (e) {
        const route = metadataRoute(input);
        throw new ConfigError(`${(e as Error).message}${route ? `; it was asked${throughProxy(route)}` : ""}`);
    }
}

/** The proxy a metadata host is asked through, when one is set and on the way: a failure to read it may be the proxy's doing. */
function metadataRoute(input: ProviderSettingsInput): ProxyRoute | undefined {
    try {
        const setting = providerSetting(input, "metadataHost", "ARM_METADATA_HOSTNAME");
        const origin = setting && metadataOrigin(setting.value);
        return origin ? proxyFor(origin) : undefined;
    } catch {
        return undefined; // the setting itself is the problem, which the message says
    }
}

/** The cloud and the credential for `endpoints`, as the provider would choose them; a setting that can't be used is one line, exit 2. */
function resolve(endpoints: VerifyEndpoints): { cloud: CloudEndpoints; credential: TokenCredential } {
    const azure = endpoints.azure ?? { env: process.env };
    try {
        const cloud: AzureCloud = chooseCloud(azure);
        return { cloud: CLOUDS[cloud], credential: endpoints.credential ?? createCredential({ ...azure, cloud }) };
    } catch (e) {
        throw new ConfigError((e as Error).message);
    }
}

/** What a read waits for, for progress lines and messages: its URL, and the proxy the SDK sends it through. */
interface Target {
    readonly url: string;
    readonly route?: ProxyRoute;
}

/**
 * Read-only access to ARM and the Log Analytics query API with the Azure SDK's pipeline: bearer
 * tokens and the same credential as the azure-native provider. The SDK's own retries are off:
 * throttling (429, with or without Retry-After), 408, 5xx, a busy resource (409) and broken
 * connections (also mid-answer) are retried with the dynamic resources' policy (`retryTransient`),
 * on the injected clock and within a deadline, and every request has a timeout. Every read is cut to
 * the time left of the run's deadline, and named in its progress lines while it is pending. Requests
 * go through the proxy the environment names, as the SDK decides (proxy.ts); a read stopped by that
 * proxy (it refused, asked for credentials, or never answered) ends in a {@link LiveFailure} naming it.
 */
export class AzureReader {
    private readonly credential: TokenCredential;
    private readonly clock: Clock;
    private readonly retryTimeoutMs: number;
    private readonly requestTimeoutMs: number;
    private readonly deadline: RunDeadline;
    private readonly arm: ArmClient;
    private graphClient?: ArmClient;
    private logs?: import("@azure/monitor-query-logs").LogsQueryClient;
    private tokenPath?: Promise<(ArmFailure & Error) | undefined>;
    private queries = 0;
    /** The cloud's hosts (public cloud unless the provider's settings say otherwise). */
    readonly cloud: CloudEndpoints;
    /** Log Analytics query API, with its version. */
    readonly logsEndpoint: string;
    /** Microsoft Graph, with its version: the root of the URLs {@link graphGet} accepts. */
    readonly graphEndpoint: string;

    constructor(private readonly endpoints: VerifyEndpoints = {}) {
        const { cloud, credential } = resolve(endpoints);
        this.cloud = cloud;
        this.credential = credential;
        this.clock = endpoints.clock ?? SYSTEM_CLOCK;
        this.retryTimeoutMs = endpoints.retryTimeoutMs ?? DEFAULT_VERIFY_RETRY_TIMEOUT_MS;
        this.requestTimeoutMs = endpoints.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
        this.deadline = endpoints.deadline ?? new RunDeadline({ totalMs: DEFAULT_RUN_DEADLINE_MS, clock: this.clock });
        this.logsEndpoint = (endpoints.logs ?? `${cloud.logsQuery}/v1`).replace(/\/+$/, "");
        this.graphEndpoint = (endpoints.graph ?? `${cloud.microsoftGraph}/v1.0`).replace(/\/+$/, "");
        this.arm = new ArmClient(
            {
                endpoint: endpoints.arm ?? cloud.resourceManager,
                credential: this.credential,
                trustedCa: endpoints.trustedCa,
                clock: this.clock,
            },
            "entra-provisioning-logs-verify",
        );
    }

    /** Requests made, retries included, for tests and the benchmark. */
    get calls(): number {
        return this.arm.calls + (this.graphClient?.calls ?? 0) + this.queries;
    }

    /**
     * Runs one read within the run's deadline, named `what` in progress lines while pending; a read
     * due after the deadline is not sent. What stopped it on the way (the proxy) is explained.
     */
    private async read<T>(what: string, url: string, work: (leftMs: number, seen: { last?: ArmFailure }) => Promise<T>): Promise<T> {
        const target: Target = { url, route: proxyFor(url) };
        return this.deadline.track(`${what}${throughProxy(target.route)}`, async () => {
            const leftMs = this.deadline.leftMs;
            if (leftMs <= 0) {
                throw new LiveFailure(
                    `not read: the run's deadline of ${this.deadline.limit} had passed`,
                    `run it again, or give it more time with ${DEADLINE_VARIABLE}`,
                );
            }
            const seen: { last?: ArmFailure } = {};
            try {
                return await work(leftMs, seen);
            } catch (e) {
                throw await this.explain(e as ArmFailure & Error, target, leftMs, seen.last);
            }
        });
    }

    private retrying<T>(
        operation: string,
        leftMs: number,
        seen: { last?: ArmFailure },
        attempt: (timeoutMs: number) => Promise<T>,
        failureOf: (value: T) => ArmFailure | undefined,
    ) {
        return retryTransient(
            { operation, timeoutMs: Math.min(this.retryTimeoutMs, leftMs) },
            async (timeoutMs) => {
                try {
                    return await attempt(timeoutMs);
                } catch (e) {
                    seen.last = e as ArmFailure;
                    throw e;
                }
            },
            failureOf,
            { clock: this.clock, backoff: this.endpoints.backoff, random: this.endpoints.random, requestTimeoutMs: this.requestTimeoutMs },
        );
    }

    /**
     * How long a read waited, as the limit that stopped it: `limitMs`, or the run's deadline when
     * that cut it shorter. The same words for every read one cause stopped, so it is reported once.
     */
    private within(limitMs: number, leftMs: number): string {
        return limitMs <= leftMs ? formatDuration(limitMs) : `the run's deadline of ${this.deadline.limit}`;
    }

    /**
     * The failure of a read as the user should read it: a proxy that refused, asked for credentials
     * or never answered, classed by FAILURE_CLASSES, becomes a {@link LiveFailure} naming the proxy;
     * anything else is left as it is, for the checks to report with their own fixes.
     */
    private async explain(e: ArmFailure & Error, target: Target, leftMs: number, last: ArmFailure | undefined): Promise<Error> {
        if (e.code === CREDENTIAL_FAILED) {
            return (await this.explainToken(e, leftMs)) ?? e;
        }
        if (e instanceof ArmGaveUp && last?.code === REQUEST_TIMEOUT && target.route) {
            return noAnswer(target.route, this.within(this.retryTimeoutMs, leftMs));
        }
        return (target.route && proxyProblem(e, target.route, this.within(this.requestTimeoutMs, leftMs), new URL(target.url).host)) || e;
    }

    /**
     * A token the credential did not get. @azure/identity's requests go through the same proxy
     * (its IdentityClient is a ServiceClient), but it hides why they failed ("network_error", or the
     * proxy's 407 in its message text): the token endpoint's host is asked once, without a
     * credential, through the SDK's pipeline, and FAILURE_CLASSES classes what the way there does.
     * Undefined when the token endpoint answered, or no proxy is on the way.
     */
    private async explainToken(e: ArmFailure & Error, leftMs: number): Promise<LiveFailure | undefined> {
        const route = proxyFor(this.cloud.authorityHost);
        const cause = (e as { cause?: ArmFailure & { errorResponse?: { error?: string } } }).cause;
        if (!route || cause?.errorResponse?.error) {
            return undefined;
        }
        if (cause?.code === REQUEST_TIMEOUT) {
            return noAnswer(route, this.within(this.requestTimeoutMs, leftMs));
        }
        this.tokenPath ??= this.askTokenHost();
        const failure = await this.tokenPath;
        return failure && proxyProblem(failure, route, this.within(this.requestTimeoutMs, leftMs), new URL(this.cloud.authorityHost).host);
    }

    /** One GET of the token endpoint's host (the instance discovery MSAL itself asks for) through the SDK's pipeline: its failure, or undefined when it answers. */
    private async askTokenHost(): Promise<(ArmFailure & Error) | undefined> {
        const core: typeof import("@azure/core-rest-pipeline") = require("@azure/core-rest-pipeline");
        const host = this.cloud.authorityHost;
        const url = `${host}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${host}/common/oauth2/v2.0/authorize`)}`;
        const pipeline = core.createPipelineFromOptions({
            retryOptions: { maxRetries: 0 },
            ...(this.endpoints.trustedCa ? { tlsOptions: { ca: this.endpoints.trustedCa } } : {}),
            userAgentOptions: { userAgentPrefix: "entra-provisioning-logs-verify" },
        });
        const timeoutMs = Math.max(1, Math.min(this.requestTimeoutMs, this.deadline.leftMs));
        try {
            const response = await withRequestTimeout(timeoutMs, this.clock, (abortSignal) =>
                pipeline.sendRequest(core.createDefaultHttpClient(), core.createPipelineRequest({ url, method: "GET", abortSignal })),
            );
            return response.status === 407 ? answerFailure({ status: 407, headers: response.headers, body: undefined }) : undefined;
        } catch (e) {
            return e as ArmFailure & Error;
        }
    }

    /** GET an ARM path (`/subscriptions/...`) at an API version. */
    async get(armPath: string, apiVersion: string): Promise<ArmResponse> {
        const url = this.arm.url(armPath);
        return this.read(`GET ${shortUrl(url)}`, url, async (leftMs, seen) => {
            const { value, gaveUp } = await this.retrying(
                `GET ${armPath}`,
                leftMs,
                seen,
                (timeoutMs) => this.arm.send("GET", armPath, { apiVersion, timeoutMs }),
                transientAnswer,
            );
            // Through a proxy, the proxy's answer, not ARM's.
            if (value.status === 407 && proxyFor(url)) {
                throw answerFailure(value);
            }
            return {
                status: value.status,
                body: value.body,
                ...(value.malformed === undefined ? {} : { malformed: value.malformed }),
                ...(gaveUp ? { gaveUp } : {}),
            };
        });
    }

    /**
     * GET on Microsoft Graph (an absolute URL under {@link graphEndpoint}, such as a page's
     * `@odata.nextLink`), with a Graph token and the same retries as ARM reads; any HTTP status is an
     * answer. A URL on another host is refused: the token is not sent there.
     */
    async graphGet(url: string): Promise<GraphResponse> {
        if (new URL(url).origin !== new URL(this.graphEndpoint).origin) {
            throw new Error(
                `refusing to send a Microsoft Graph token to ${new URL(url).origin}: the Graph of this cloud is ${new URL(this.graphEndpoint).origin}`,
            );
        }
        this.graphClient ??= new ArmClient(
            {
                endpoint: new URL(this.graphEndpoint).origin,
                credential: this.credential,
                trustedCa: this.endpoints.trustedCa,
                clock: this.clock,
            },
            "entra-provisioning-logs-verify",
        );
        const graph = this.graphClient;
        return this.read(`GET ${shortUrl(url)}`, url, async (leftMs, seen) => {
            const { value } = await this.retrying(
                `GET ${url}`,
                leftMs,
                seen,
                (timeoutMs) => graph.send("GET", url, { timeoutMs }),
                transientAnswer,
            );
            if (value.status === 407 && proxyFor(url)) {
                throw answerFailure(value);
            }
            return { status: value.status, body: value.body };
        });
    }

    /** This reader as the Graph client `provisioningJobFindings` takes. */
    get graph(): GraphReader {
        return { get: (url) => this.graphGet(url) };
    }

    /** The tenant of the credentials, from an ARM token; the request for it is bounded like any other. */
    async credentialTenant(): Promise<string | undefined> {
        return this.read(`a token from ${new URL(this.cloud.authorityHost).host}`, this.cloud.authorityHost, async (leftMs) => {
            const timeoutMs = Math.min(this.requestTimeoutMs, leftMs);
            const token = await withRequestTimeout(timeoutMs, this.clock, (abortSignal) =>
                this.credential.getToken(scopeOf(this.arm.endpoint), { abortSignal }),
            ).catch((e: ArmFailure & Error) => {
                // Worded as every other request's token failure (armOperation.ts), so verify reports it once.
                throw e.code === REQUEST_TIMEOUT ? tokenTimedOut(timeoutMs) : credentialFailure(e);
            });
            return token ? tokenTenant(token.token) : undefined;
        });
    }

    /**
     * Runs a query against a workspace (by customer ID); rows as objects keyed by column name. HTTP
     * errors are thrown (the SDK's RestError, with its status): the passing ones are retried, the
     * others reported by the caller.
     */
    async query(workspaceCustomerId: string, query: string, duration: string): Promise<Array<Record<string, unknown>>> {
        const { LogsQueryClient, LogsQueryResultStatus }: typeof import("@azure/monitor-query-logs") = require("@azure/monitor-query-logs");
        if (!this.logs) {
            const credential = this.credential;
            this.logs = new LogsQueryClient(
                // A token failure worded as ArmClient words it, so it is explained and reported alike.
                {
                    getToken: (scopes, options) =>
                        credential.getToken(scopes, options).catch((e) => {
                            throw credentialFailure(e);
                        }),
                },
                {
                    endpoint: this.logsEndpoint,
                    // @azure/monitor-query-logs 1.0.0 asks for api.loganalytics.io tokens unless told the scope
                    // (its `audience` option is not read: dist/commonjs/api/monitorQueryLogsContext.js).
                    credentials: { scopes: [scopeOf(new URL(this.logsEndpoint).origin)] },
                    retryOptions: { maxRetries: 0 },
                    ...(this.endpoints.trustedCa ? { tlsOptions: { ca: this.endpoints.trustedCa } } : {}),
                },
            );
            this.logs.pipeline.addPolicy(queryTimeoutPolicy(this.clock, this.requestTimeoutMs));
        }
        const client = this.logs;
        const url = `${this.logsEndpoint}/workspaces/${workspaceCustomerId}/query`;
        const result = await this.read(`a query of workspace ${workspaceCustomerId} at ${new URL(url).host}`, url, async (leftMs, seen) => {
            const { value } = await this.retrying(
                `Querying workspace ${workspaceCustomerId}`,
                leftMs,
                seen,
                (timeoutMs) => {
                    this.queries++;
                    return client.queryWorkspace(
                        workspaceCustomerId,
                        query,
                        { duration },
                        { requestOptions: { headers: { [TIMEOUT_HEADER]: String(timeoutMs) } } },
                    );
                },
                () => undefined,
            );
            return value;
        });
        if (result.status !== LogsQueryResultStatus.Success) {
            throw new Error(result.status === LogsQueryResultStatus.PartialFailure ? result.partialError.message : "the query failed");
        }
        const table = result.tables[0];
        return (table?.rows ?? []).map((row) =>
            Object.fromEntries(table.columnDescriptors.map((c, i) => [c.name ?? `column${i}`, row[i]])),
        );
    }
}

/** A URL for progress lines: its host and path, without the query. */
function shortUrl(url: string): string {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
}

/** The fix when the proxy never answered. */
const NO_ANSWER_FIX =
    "check that the proxy runs and lets these hosts through, or list in NO_PROXY the hosts this network reaches without it";

/** No answer through the proxy within `within`. */
function noAnswer(route: ProxyRoute, within: string): LiveFailure {
    return new LiveFailure(`no answer through the proxy ${route.url} (${route.variable}) within ${within}`, NO_ANSWER_FIX);
}

/**
 * A failure the proxy caused, by its class in FAILURE_CLASSES (armOperation.ts): the proxy asked for
 * credentials (407), refused the connection, did not answer in time, or presented a certificate of
 * its own (it inspects TLS). Undefined for any other.
 */
function proxyProblem(e: ArmFailure, route: ProxyRoute, within: string, host: string): LiveFailure | undefined {
    switch (classifyFailure(e)?.name) {
        case "untrusted certificate":
            return new LiveFailure(
                `the certificate presented for ${host} through the proxy ${route.url} (${route.variable}) is not from a CA Node trusts (${e.code}): the proxy inspects TLS`,
                `give Node the proxy's CA: NODE_EXTRA_CA_CERTS=<its PEM file>, or have ${host} exempted from inspection`,
            );
        case "proxy authentication required":
            return new LiveFailure(
                `the proxy ${route.url} (${route.variable}) asked for credentials (HTTP 407 Proxy Authentication Required)`,
                `put them in ${route.variable} (http://user:password@host:port), or have the proxy let these hosts through without them`,
            );
        case "connection refused":
            return new LiveFailure(
                `the proxy ${route.url} (${route.variable}) refused the connection (ECONNREFUSED)`,
                `check the proxy's host and port in ${route.variable}, and that the proxy runs`,
            );
        case "connection broken or timed out":
            return e.code === REQUEST_TIMEOUT ? noAnswer(route, within) : undefined;
        default:
            return undefined;
    }
}
