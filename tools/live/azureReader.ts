import type { TokenCredential } from "@azure/identity";
import { ArmFailure, Backoff, Clock, DEFAULT_REQUEST_TIMEOUT_MS, requestTimeoutPolicy, retryTransient, SYSTEM_CLOCK, transientAnswer } from "../../program/azure/armOperation";
import { createCredential } from "../../program/azure/credential";

/** Where `verify` reads from; injectable so tests point it at loopback servers that behave like Azure. */
export interface VerifyEndpoints {
    /** ARM endpoint. Defaults to `https://management.azure.com`. */
    readonly arm?: string;
    /** Log Analytics query API, including its version. Defaults to `https://api.loganalytics.io/v1`. */
    readonly logs?: string;
    /** Defaults to the credential the azure-native provider would use. */
    readonly credential?: TokenCredential;
    /** Extra trusted CA (PEM); only tests need it. */
    readonly trustedCa?: string;
    /** The clock retries wait on and request timeouts run on. Defaults to wall-clock time. */
    readonly clock?: Clock;
    /** Waits between retries; defaults to the dynamic resources' (`DEFAULT_BACKOFF`). */
    readonly backoff?: Backoff;
    /** How long one call may keep retrying throttling (429), 408, 5xx and broken connections. Defaults to {@link DEFAULT_VERIFY_RETRY_TIMEOUT_MS}. */
    readonly retryTimeoutMs?: number;
    /** How long one request may go unanswered. Defaults to 60 s. */
    readonly requestTimeoutMs?: number;
}

/** How long `verify` keeps retrying one call: long enough to ride out a throttling burst, short enough for a command someone waits on. */
export const DEFAULT_VERIFY_RETRY_TIMEOUT_MS = 2 * 60_000;

/** A GET's status and parsed body; HTTP errors are answers, not exceptions. */
export interface ArmResponse {
    readonly status: number;
    readonly body: any;
}

/** The tenant a token was issued in (its `tid` claim), or undefined when it can't be read. */
export function tokenTenant(token: string): string | undefined {
    const payload = token.split(".")[1];
    if (!payload) {
        return undefined;
    }
    try {
        return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).tid;
    } catch {
        return undefined;
    }
}

/**
 * Read-only access to ARM and the Log Analytics query API with the Azure SDK's pipeline: bearer
 * tokens and the same credential as the azure-native provider. The SDK's own retries are off:
 * throttling (Retry-After honoured), 408, 5xx and broken connections are retried with the dynamic
 * resources' policy (`retryTransient`), on the injected clock and within a deadline, and every
 * request has a timeout.
 */
export class AzureReader {
    private readonly credential: TokenCredential;
    private readonly arm: string;
    private readonly clock: Clock;
    private readonly retryTimeoutMs: number;
    private readonly timeout: import("@azure/core-rest-pipeline").PipelinePolicy;
    private readonly pipeline: import("@azure/core-rest-pipeline").Pipeline;
    private readonly http: import("@azure/core-rest-pipeline").HttpClient;
    private logs?: import("@azure/monitor-query-logs").LogsQueryClient;
    /** Requests made, retries included, for tests and the benchmark. */
    public calls = 0;

    constructor(private readonly endpoints: VerifyEndpoints = {}) {
        const core: typeof import("@azure/core-rest-pipeline") = require("@azure/core-rest-pipeline");
        this.credential = endpoints.credential ?? createCredential();
        this.arm = endpoints.arm ?? "https://management.azure.com";
        this.clock = endpoints.clock ?? SYSTEM_CLOCK;
        this.retryTimeoutMs = endpoints.retryTimeoutMs ?? DEFAULT_VERIFY_RETRY_TIMEOUT_MS;
        this.timeout = requestTimeoutPolicy(endpoints.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, this.clock);
        this.pipeline = core.createPipelineFromOptions({
            retryOptions: { maxRetries: 0 },
            ...(endpoints.trustedCa ? { tlsOptions: { ca: endpoints.trustedCa } } : {}),
            userAgentOptions: { userAgentPrefix: "entra-provisioning-logs-verify" },
        });
        this.pipeline.addPolicy(core.bearerTokenAuthenticationPolicy({ credential: this.credential, scopes: "https://management.azure.com/.default" }), { phase: "Sign" });
        this.pipeline.addPolicy(this.timeout, { afterPhase: "Sign" });
        this.http = core.createDefaultHttpClient();
    }

    private retrying<T>(operation: string, attempt: () => Promise<T>, failureOf: (value: T) => ArmFailure | undefined): Promise<T> {
        return retryTransient({ operation, timeoutMs: this.retryTimeoutMs }, attempt, failureOf, { clock: this.clock, backoff: this.endpoints.backoff });
    }

    /** GET an ARM path (`/subscriptions/...`) at an API version. */
    async get(armPath: string, apiVersion: string): Promise<ArmResponse> {
        const core: typeof import("@azure/core-rest-pipeline") = require("@azure/core-rest-pipeline");
        const url = `${this.arm}${armPath}${armPath.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
        const { status, body } = await this.retrying(
            `GET ${armPath}`,
            async () => {
                this.calls++;
                const response = await this.pipeline.sendRequest(this.http, core.createPipelineRequest({ url, method: "GET" }));
                const text = response.bodyAsText ?? "";
                let parsed: unknown;
                try {
                    parsed = text ? JSON.parse(text) : undefined;
                } catch {
                    parsed = text;
                }
                return { status: response.status, headers: response.headers, body: parsed };
            },
            transientAnswer,
        );
        return { status, body };
    }

    /** The tenant of the credentials, from an ARM token. */
    async credentialTenant(): Promise<string | undefined> {
        const token = await this.credential.getToken("https://management.azure.com/.default");
        return token ? tokenTenant(token.token) : undefined;
    }

    /** Runs a query against a workspace (by customer ID); rows as objects keyed by column name. */
    async query(workspaceCustomerId: string, query: string, duration: string): Promise<Array<Record<string, unknown>>> {
        const { LogsQueryClient, LogsQueryResultStatus }: typeof import("@azure/monitor-query-logs") = require("@azure/monitor-query-logs");
        if (!this.logs) {
            this.logs = new LogsQueryClient(this.credential, {
                ...(this.endpoints.logs ? { endpoint: this.endpoints.logs } : {}),
                retryOptions: { maxRetries: 0 },
                ...(this.endpoints.trustedCa ? { tlsOptions: { ca: this.endpoints.trustedCa } } : {}),
            });
            this.logs.pipeline.addPolicy(this.timeout, { afterPhase: "Sign" });
        }
        const client = this.logs;
        // HTTP errors are thrown (RestError): the transient ones are retried, the others reported by the caller.
        const result = await this.retrying(
            `Querying workspace ${workspaceCustomerId}`,
            () => {
                this.calls++;
                return client.queryWorkspace(workspaceCustomerId, query, { duration });
            },
            () => undefined,
        );
        if (result.status !== LogsQueryResultStatus.Success) {
            throw new Error(result.status === LogsQueryResultStatus.PartialFailure ? result.partialError.message : "the query failed");
        }
        const table = result.tables[0];
        return (table?.rows ?? []).map((row) => Object.fromEntries(table.columnDescriptors.map((c, i) => [c.name ?? `column${i}`, row[i]])));
    }
}
