import type { TokenCredential } from "@azure/identity";
import {
    ArmClient,
    credentialFailure,
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
import { type AzureCloud, chooseCloud, CLOUDS, type CloudEndpoints, discoverCloud, scopeOf } from "../../components/azure/cloud";
import { createCredential, tokenIdentity } from "../../components/azure/credential";
import type { ProviderSettingsInput } from "../../components/azure/providerConfig";
import { ConfigError } from "../../program/settingsValidation";

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

/** `input` with its metadataHost's cloud read ({@link discoverCloud}); a host that can't be read is one line, exit 2. */
export async function providerSettings(input: ProviderSettingsInput): Promise<ProviderSettingsInput> {
    try {
        return await discoverCloud(input);
    } catch (e) {
        throw new ConfigError((e as Error).message);
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

/**
 * Read-only access to ARM and the Log Analytics query API with the Azure SDK's pipeline: bearer
 * tokens and the same credential as the azure-native provider. The SDK's own retries are off:
 * throttling (429, with or without Retry-After), 408, 5xx, a busy resource (409) and broken
 * connections (also mid-answer) are retried with the dynamic resources' policy (`retryTransient`),
 * on the injected clock and within a deadline, and every request has a timeout.
 */
export class AzureReader {
    private readonly credential: TokenCredential;
    private readonly clock: Clock;
    private readonly retryTimeoutMs: number;
    private readonly arm: ArmClient;
    private graphClient?: ArmClient;
    private logs?: import("@azure/monitor-query-logs").LogsQueryClient;
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

    private retrying<T>(operation: string, attempt: (timeoutMs: number) => Promise<T>, failureOf: (value: T) => ArmFailure | undefined) {
        return retryTransient({ operation, timeoutMs: this.retryTimeoutMs }, attempt, failureOf, {
            clock: this.clock,
            backoff: this.endpoints.backoff,
            random: this.endpoints.random,
            requestTimeoutMs: this.endpoints.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        });
    }

    /** GET an ARM path (`/subscriptions/...`) at an API version. */
    async get(armPath: string, apiVersion: string): Promise<ArmResponse> {
        const { value, gaveUp } = await this.retrying(
            `GET ${armPath}`,
            (timeoutMs) => this.arm.send("GET", armPath, { apiVersion, timeoutMs }),
            transientAnswer,
        );
        return {
            status: value.status,
            body: value.body,
            ...(value.malformed === undefined ? {} : { malformed: value.malformed }),
            ...(gaveUp ? { gaveUp } : {}),
        };
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
        const { value } = await this.retrying(`GET ${url}`, (timeoutMs) => graph.send("GET", url, { timeoutMs }), transientAnswer);
        return { status: value.status, body: value.body };
    }

    /** This reader as the Graph client `provisioningJobFindings` takes. */
    get graph(): GraphReader {
        return { get: (url) => this.graphGet(url) };
    }

    /** The tenant of the credentials, from an ARM token; the request for it is bounded like any other. */
    async credentialTenant(): Promise<string | undefined> {
        const timeoutMs = this.endpoints.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
        const token = await withRequestTimeout(timeoutMs, this.clock, (abortSignal) =>
            this.credential.getToken(scopeOf(this.arm.endpoint), { abortSignal }),
        ).catch((e: ArmFailure & Error) => {
            // Worded as every other request's token failure (armOperation.ts), so verify reports it once.
            throw e.code === REQUEST_TIMEOUT ? tokenTimedOut(timeoutMs) : credentialFailure(e);
        });
        return token ? tokenTenant(token.token) : undefined;
    }

    /**
     * Runs a query against a workspace (by customer ID); rows as objects keyed by column name. HTTP
     * errors are thrown (the SDK's RestError, with its status): the passing ones are retried, the
     * others reported by the caller.
     */
    async query(workspaceCustomerId: string, query: string, duration: string): Promise<Array<Record<string, unknown>>> {
        const { LogsQueryClient, LogsQueryResultStatus }: typeof import("@azure/monitor-query-logs") = require("@azure/monitor-query-logs");
        if (!this.logs) {
            this.logs = new LogsQueryClient(this.credential, {
                endpoint: this.logsEndpoint,
                // @azure/monitor-query-logs 1.0.0 asks for api.loganalytics.io tokens unless told the scope
                // (its `audience` option is not read: dist/commonjs/api/monitorQueryLogsContext.js).
                credentials: { scopes: [scopeOf(new URL(this.logsEndpoint).origin)] },
                retryOptions: { maxRetries: 0 },
                ...(this.endpoints.trustedCa ? { tlsOptions: { ca: this.endpoints.trustedCa } } : {}),
            });
            this.logs.pipeline.addPolicy(queryTimeoutPolicy(this.clock, this.endpoints.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS));
        }
        const client = this.logs;
        const { value: result } = await this.retrying(
            `Querying workspace ${workspaceCustomerId}`,
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
        if (result.status !== LogsQueryResultStatus.Success) {
            throw new Error(result.status === LogsQueryResultStatus.PartialFailure ? result.partialError.message : "the query failed");
        }
        const table = result.tables[0];
        return (table?.rows ?? []).map((row) =>
            Object.fromEntries(table.columnDescriptors.map((c, i) => [c.name ?? `column${i}`, row[i]])),
        );
    }
}
