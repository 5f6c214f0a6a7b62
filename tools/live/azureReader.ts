import type { TokenCredential } from "@azure/identity";
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
    /** Retries on 429 (honouring Retry-After), 5xx and broken connections. Defaults to 3. */
    readonly retries?: number;
}

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
 * tokens, throttling and retry policies (Retry-After honoured), and the same credential as the
 * azure-native provider.
 */
export class AzureReader {
    private readonly credential: TokenCredential;
    private readonly arm: string;
    private readonly pipeline: import("@azure/core-rest-pipeline").Pipeline;
    private readonly http: import("@azure/core-rest-pipeline").HttpClient;
    /** Calls made, for tests and the benchmark. */
    public calls = 0;

    constructor(private readonly endpoints: VerifyEndpoints = {}) {
        const core: typeof import("@azure/core-rest-pipeline") = require("@azure/core-rest-pipeline");
        this.credential = endpoints.credential ?? createCredential();
        this.arm = endpoints.arm ?? "https://management.azure.com";
        this.pipeline = core.createPipelineFromOptions({
            retryOptions: { maxRetries: endpoints.retries ?? 3, retryDelayInMs: 500 },
            ...(endpoints.trustedCa ? { tlsOptions: { ca: endpoints.trustedCa } } : {}),
            userAgentOptions: { userAgentPrefix: "entra-provisioning-logs-verify" },
        });
        this.pipeline.addPolicy(core.bearerTokenAuthenticationPolicy({ credential: this.credential, scopes: "https://management.azure.com/.default" }));
        this.http = core.createDefaultHttpClient();
    }

    /** GET an ARM path (`/subscriptions/...`) at an API version. */
    async get(armPath: string, apiVersion: string): Promise<ArmResponse> {
        const core: typeof import("@azure/core-rest-pipeline") = require("@azure/core-rest-pipeline");
        this.calls++;
        const url = `${this.arm}${armPath}${armPath.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
        const response = await this.pipeline.sendRequest(this.http, core.createPipelineRequest({ url, method: "GET" }));
        const text = response.bodyAsText ?? "";
        let body: unknown;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = text;
        }
        return { status: response.status, body };
    }

    /** The tenant of the credentials, from an ARM token. */
    async credentialTenant(): Promise<string | undefined> {
        const token = await this.credential.getToken("https://management.azure.com/.default");
        return token ? tokenTenant(token.token) : undefined;
    }

    /** Runs a query against a workspace (by customer ID); rows as objects keyed by column name. */
    async query(workspaceCustomerId: string, query: string, duration: string): Promise<Array<Record<string, unknown>>> {
        const { LogsQueryClient, LogsQueryResultStatus }: typeof import("@azure/monitor-query-logs") = require("@azure/monitor-query-logs");
        const client = new LogsQueryClient(this.credential, {
            ...(this.endpoints.logs ? { endpoint: this.endpoints.logs } : {}),
            retryOptions: { maxRetries: this.endpoints.retries ?? 3, retryDelayInMs: 500 },
            ...(this.endpoints.trustedCa ? { tlsOptions: { ca: this.endpoints.trustedCa } } : {}),
        });
        this.calls++;
        const result = await client.queryWorkspace(workspaceCustomerId, query, { duration });
        if (result.status !== LogsQueryResultStatus.Success) {
            throw new Error(result.status === LogsQueryResultStatus.PartialFailure ? result.partialError.message : "the query failed");
        }
        const table = result.tables[0];
        return (table?.rows ?? []).map((row) => Object.fromEntries(table.columnDescriptors.map((c, i) => [c.name ?? `column${i}`, row[i]])));
    }
}
