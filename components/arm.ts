import type { TokenCredential } from "@azure/identity";
import { createCredential } from "./azureCredential";

/**
 * How the program's own Azure calls reach ARM. Everything is injectable so tests drive the real
 * provider code against a loopback server that behaves like ARM.
 */
export interface ArmDependencies {
    /** ARM endpoint. Defaults to `https://management.azure.com`. */
    readonly endpoint?: string;
    /** Defaults to the credential the azure-native provider would use (see `azureCredential.ts`). */
    readonly credential?: TokenCredential;
    /** Extra trusted CA (PEM) for the endpoint; only tests need it. */
    readonly trustedCa?: string;
    /** Retries the ARM client itself makes on 429, 5xx and broken connections. Defaults to 3. */
    readonly clientRetries?: number;
}

/**
 * The official ARM client, with its built-in throttling (Retry-After) and exponential retry policies.
 * Required lazily: dynamic providers are closure-serialized and run in another process.
 */
export function createArmClient(subscriptionId: string, deps: ArmDependencies): import("@azure/arm-resources").ResourceManagementClient {
    const { ResourceManagementClient }: typeof import("@azure/arm-resources") = require("@azure/arm-resources");
    return new ResourceManagementClient(deps.credential ?? createCredential(), subscriptionId, {
        endpoint: deps.endpoint ?? "https://management.azure.com",
        retryOptions: { maxRetries: deps.clientRetries ?? 3, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000 },
        ...(deps.trustedCa ? { tlsOptions: { ca: deps.trustedCa } } : {}),
        userAgentOptions: { userAgentPrefix: "entra-provisioning-logs" },
    });
}

/** The shape of an error thrown by the Azure SDK (RestError), as far as this program reads it. */
export interface ArmFailure {
    readonly statusCode?: number;
    readonly code?: string;
    readonly message?: string;
    readonly response?: { readonly headers?: { get(name: string): string | undefined } };
}

/** Throttling, server errors and broken connections may pass; 400, 403 and 404 will not. */
export function isTransient(err: ArmFailure): boolean {
    if (err.statusCode === undefined) {
        return err.code !== undefined; // REQUEST_SEND_ERROR, ECONNRESET and friends: no response at all
    }
    return err.statusCode === 408 || err.statusCode === 429 || err.statusCode >= 500;
}

/** The wait ARM asked for in Retry-After, in milliseconds. */
export function retryAfterMs(err: ArmFailure): number | undefined {
    const header = err.response?.headers?.get("retry-after");
    if (!header) {
        return undefined;
    }
    const seconds = Number(header);
    if (Number.isFinite(seconds)) {
        return seconds * 1_000;
    }
    const date = Date.parse(header);
    return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
