import type { TokenCredential } from "@azure/identity";

/**
 * How the program authenticates when it calls Azure itself (the provider-registration waiter,
 * `verify`). It must pick the same identity as the azure-native provider, or `pulumi up` works on a
 * laptop and fails in CI, so the provider's `ARM_*` variables win, then `@azure/identity`'s own
 * chain (`AZURE_*` variables, workload identity, managed identity, Azure CLI login).
 */
export type CredentialChoice =
    | { readonly kind: "oidc-token"; readonly tenantId: string; readonly clientId: string }
    | { readonly kind: "oidc-request"; readonly tenantId: string; readonly clientId: string; readonly requestUrl: string }
    | { readonly kind: "managed-identity"; readonly clientId?: string }
    | { readonly kind: "client-secret"; readonly tenantId: string; readonly clientId: string }
    | { readonly kind: "default" };

type Env = Readonly<Record<string, string | undefined>>;

function isTrue(value: string | undefined): boolean {
    return value !== undefined && /^(1|true|yes)$/i.test(value.trim());
}

function required(env: Env, key: string, why: string): string {
    const value = env[key];
    if (!value) {
        throw new Error(`${key} must be set when ${why}`);
    }
    return value;
}

/** Decides which credential to build from the environment; pure so it can be tested directly. */
export function chooseCredential(env: Env): CredentialChoice {
    if (isTrue(env.ARM_USE_OIDC)) {
        const tenantId = required(env, "ARM_TENANT_ID", "ARM_USE_OIDC is true");
        const clientId = required(env, "ARM_CLIENT_ID", "ARM_USE_OIDC is true");
        if (env.ARM_OIDC_TOKEN || env.ARM_OIDC_TOKEN_FILE_PATH) {
            return { kind: "oidc-token", tenantId, clientId };
        }
        // GitHub Actions hands out its ID token through a request URL; the provider reads the same pair.
        const requestUrl = env.ARM_OIDC_REQUEST_URL ?? env.ACTIONS_ID_TOKEN_REQUEST_URL;
        const requestToken = env.ARM_OIDC_REQUEST_TOKEN ?? env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
        if (requestUrl && requestToken) {
            return { kind: "oidc-request", tenantId, clientId, requestUrl };
        }
        throw new Error(
            "ARM_USE_OIDC is true but no token is available: set ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, " +
                "or run in GitHub Actions with `permissions: id-token: write`",
        );
    }
    if (isTrue(env.ARM_USE_MSI)) {
        return env.ARM_CLIENT_ID ? { kind: "managed-identity", clientId: env.ARM_CLIENT_ID } : { kind: "managed-identity" };
    }
    if (env.ARM_CLIENT_SECRET) {
        return {
            kind: "client-secret",
            tenantId: required(env, "ARM_TENANT_ID", "ARM_CLIENT_SECRET is set"),
            clientId: required(env, "ARM_CLIENT_ID", "ARM_CLIENT_SECRET is set"),
        };
    }
    return { kind: "default" };
}

/** Builds the credential `chooseCredential` picked. `@azure/identity` is required lazily: dynamic providers are closure-serialized. */
export function createCredential(env: Env = process.env): TokenCredential {
    const identity: typeof import("@azure/identity") = require("@azure/identity");
    const choice = chooseCredential(env);
    switch (choice.kind) {
        case "oidc-token":
            return new identity.ClientAssertionCredential(choice.tenantId, choice.clientId, async () => {
                if (env.ARM_OIDC_TOKEN) {
                    return env.ARM_OIDC_TOKEN;
                }
                const fs: typeof import("fs") = require("fs");
                return fs.readFileSync(env.ARM_OIDC_TOKEN_FILE_PATH as string, "utf8").trim();
            });
        case "oidc-request":
            return new identity.ClientAssertionCredential(choice.tenantId, choice.clientId, async () => {
                const url = new URL(choice.requestUrl);
                url.searchParams.set("audience", "api://AzureADTokenExchange");
                const token = env.ARM_OIDC_REQUEST_TOKEN ?? env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
                const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
                if (!response.ok) {
                    throw new Error(`the CI's OIDC token endpoint answered ${response.status}`);
                }
                const body = (await response.json()) as { value?: string };
                if (!body.value) {
                    throw new Error("the CI's OIDC token endpoint returned no token");
                }
                return body.value;
            });
        case "managed-identity":
            return choice.clientId
                ? new identity.ManagedIdentityCredential({ clientId: choice.clientId })
                : new identity.ManagedIdentityCredential();
        case "client-secret":
            return new identity.ClientSecretCredential(choice.tenantId, choice.clientId, env.ARM_CLIENT_SECRET as string);
        case "default":
            return new identity.DefaultAzureCredential();
    }
}
