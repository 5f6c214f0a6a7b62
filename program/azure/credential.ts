import type { TokenCredential } from "@azure/identity";
import { type AzureCloud, chooseCloud, CLOUDS } from "./cloud";
import { providerFlag, type ProviderSetting, providerSetting, type ProviderSettingsInput } from "./providerConfig";

/**
 * How the program authenticates when it calls Azure itself (the dynamic resources, `verify`,
 * `discover`): with the identity the azure-native provider uses, or `pulumi up` works on a laptop and
 * fails in CI, or registers providers as someone else. The settings are the provider's own, read its
 * way (the stack's `azure-native:*` config first, then the `ARM_*` variables; see providerConfig.ts),
 * and the first method configured wins, in the provider's order (pulumi/pulumi-azure-native,
 * provider/pkg/provider/auth_azidentity.go, `newSingleMethodAuthCredential` and `readAuthConfig`, at
 * commit 34d8ff31867e55351b4f1c32bc8074fcb91f4fc3; the azidentity backend is the default in 3.x,
 * provider/pkg/util `EnableAzcoreBackend`):
 *
 * 1. `useDefaultAzureCredential` / `ARM_USE_DEFAULT_AZURE_CREDENTIAL` is `true`: the Azure SDK's chain.
 * 2. `clientCertificatePath` / `ARM_CLIENT_CERTIFICATE_PATH`: a service principal's certificate
 *    (`clientCertificatePassword` / `ARM_CLIENT_CERTIFICATE_PASSWORD`).
 * 3. `clientSecret` / `ARM_CLIENT_SECRET`: a service principal's secret.
 * 4. `useOidc` / `ARM_USE_OIDC` is `true`: workload identity federation, with `oidcToken` /
 *    `ARM_OIDC_TOKEN`, else `oidcTokenFilePath` / `ARM_OIDC_TOKEN_FILE_PATH`, else a token requested
 *    from `oidcRequestUrl` / `ACTIONS_ID_TOKEN_REQUEST_URL` with `oidcRequestToken` /
 *    `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (GitHub Actions sets both), for `oidcAudience` / `ARM_OIDC_AUDIENCE`
 *    (default api://AzureADTokenExchange).
 * 5. `useMsi` / `ARM_USE_MSI` is `true`: a managed identity, user-assigned when `clientId` is set.
 * 6. Otherwise the Azure CLI's login (`az login`), for `subscriptionId` when set.
 *
 * Methods 2-4 need `clientId` / `ARM_CLIENT_ID` and `tenantId` / `ARM_TENANT_ID`. A configured method
 * that can't be built is an error, never a fall-through, as in the provider. With
 * `PULUMI_ENABLE_AZCORE_BACKEND=false` the provider runs its older backend, which also reads
 * `ARM_OIDC_REQUEST_URL` / `ARM_OIDC_REQUEST_TOKEN` (provider/pkg/provider/auth.go, `determineOidcConfig`);
 * so does the program then.
 */
export type CredentialChoice =
    | { readonly kind: "default-azure-credential"; readonly decidedBy: string }
    | {
          readonly kind: "client-certificate";
          readonly tenantId: string;
          readonly clientId: string;
          readonly certificatePath: string;
          readonly decidedBy: string;
      }
    | { readonly kind: "client-secret"; readonly tenantId: string; readonly clientId: string; readonly decidedBy: string }
    | { readonly kind: "oidc-token"; readonly tenantId: string; readonly clientId: string; readonly decidedBy: string }
    | {
          readonly kind: "oidc-token-file";
          readonly tenantId: string;
          readonly clientId: string;
          readonly tokenFilePath: string;
          readonly decidedBy: string;
      }
    | {
          readonly kind: "oidc-request";
          readonly tenantId: string;
          readonly clientId: string;
          readonly requestUrl: string;
          readonly audience: string;
          readonly decidedBy: string;
      }
    | { readonly kind: "managed-identity"; readonly clientId?: string; readonly decidedBy: string }
    | { readonly kind: "azure-cli"; readonly subscription?: string };

/** The audience of the token a CI hands out for workload identity federation, unless `oidcAudience` says otherwise. */
export const DEFAULT_OIDC_AUDIENCE = "api://AzureADTokenExchange";

const CLIENT_ID = { key: "clientId", env: "ARM_CLIENT_ID" };
const TENANT_ID = { key: "tenantId", env: "ARM_TENANT_ID" };

/**
 * A setting that makes the credential impossible to build: one line naming it. Its name says
 * "Credential", which is how `verify` tells a credential problem from a network one.
 */
function credentialError(message: string): Error {
    return Object.assign(new Error(message), { name: "CredentialSettingsError" });
}

/** The IDs a service principal or federated login needs; one line naming both places when one is missing. */
function principal(input: ProviderSettingsInput, method: ProviderSetting, how: string): { tenantId: string; clientId: string } {
    const ids = [TENANT_ID, CLIENT_ID].map((id) => {
        const setting = providerSetting(input, id.key, id.env);
        if (!setting) {
            throw credentialError(`azure-native:${id.key} (or ${id.env}) must be set when authenticating ${how} (${method.from} is set)`);
        }
        return setting.value;
    });
    return { tenantId: ids[0], clientId: ids[1] };
}

/** Decides which credential the provider would build; pure, so the precedence is tested directly. */
export function chooseCredential(input: ProviderSettingsInput): CredentialChoice {
    const useDefault = providerFlag(input, "useDefaultAzureCredential", "ARM_USE_DEFAULT_AZURE_CREDENTIAL");
    if (useDefault) {
        return { kind: "default-azure-credential", decidedBy: useDefault.from };
    }
    const certificate = providerSetting(input, "clientCertificatePath", "ARM_CLIENT_CERTIFICATE_PATH");
    if (certificate) {
        return {
            kind: "client-certificate",
            ...principal(input, certificate, "with a client certificate"),
            certificatePath: certificate.value,
            decidedBy: certificate.from,
        };
    }
    const secret = providerSetting(input, "clientSecret", "ARM_CLIENT_SECRET");
    if (secret) {
        return { kind: "client-secret", ...principal(input, secret, "with a client secret"), decidedBy: secret.from };
    }
    const oidc = providerFlag(input, "useOidc", "ARM_USE_OIDC");
    if (oidc) {
        const ids = principal(input, oidc, "with OIDC");
        if (providerSetting(input, "oidcToken", "ARM_OIDC_TOKEN")) {
            return { kind: "oidc-token", ...ids, decidedBy: oidc.from };
        }
        const file = providerSetting(input, "oidcTokenFilePath", "ARM_OIDC_TOKEN_FILE_PATH");
        if (file) {
            return { kind: "oidc-token-file", ...ids, tokenFilePath: file.value, decidedBy: oidc.from };
        }
        const request = oidcRequest(input);
        if (request) {
            const audience = providerSetting(input, "oidcAudience", "ARM_OIDC_AUDIENCE")?.value ?? DEFAULT_OIDC_AUDIENCE;
            return { kind: "oidc-request", ...ids, requestUrl: request.url.value, audience, decidedBy: oidc.from };
        }
        throw credentialError(
            `${oidc.from} is true but no OIDC token is available: set azure-native:oidcToken or ARM_OIDC_TOKEN, azure-native:oidcTokenFilePath or ARM_OIDC_TOKEN_FILE_PATH, ` +
                "or run in GitHub Actions with `permissions: id-token: write`",
        );
    }
    const msi = providerFlag(input, "useMsi", "ARM_USE_MSI");
    if (msi) {
        const clientId = providerSetting(input, CLIENT_ID.key, CLIENT_ID.env)?.value;
        return { kind: "managed-identity", ...(clientId ? { clientId } : {}), decidedBy: msi.from };
    }
    const subscription = providerSetting(input, "subscriptionId", "ARM_SUBSCRIPTION_ID")?.value;
    return { kind: "azure-cli", ...(subscription ? { subscription } : {}) };
}

/** Where a CI's OIDC token is requested: the URL and the bearer token for it, both set, or nothing. */
function oidcRequest(input: ProviderSettingsInput): { url: ProviderSetting; token: ProviderSetting } | undefined {
    const legacy = input.env?.PULUMI_ENABLE_AZCORE_BACKEND === "false";
    const pairs = [
        ...(legacy ? [{ url: "ARM_OIDC_REQUEST_URL", token: "ARM_OIDC_REQUEST_TOKEN" }] : []),
        { url: "ACTIONS_ID_TOKEN_REQUEST_URL", token: "ACTIONS_ID_TOKEN_REQUEST_TOKEN" },
    ];
    for (const pair of pairs) {
        const url = providerSetting(input, "oidcRequestUrl", pair.url);
        const token = providerSetting(input, "oidcRequestToken", pair.token);
        if (url && token) {
            return { url, token };
        }
    }
    return undefined;
}

/** Why a certificate file can't be used by @azure/identity, or undefined when it is PEM. */
export function certificateProblem(content: Buffer, path: string, from: string): string | undefined {
    if (content.toString("latin1").includes("-----BEGIN")) {
        return undefined;
    }
    // The provider reads PFX (PKCS#12) as well as PEM (azidentity.ParseCertificates: "PEM or PKCS#12";
    // with a password it tries only PKCS#12, and it "can't decrypt keys in PEM format").
    // @azure/identity's ClientCertificateCredential reads only PEM ("a PEM-encoded certificate",
    // @azure/identity 4.13.1, ClientCertificateCredential): a PEM file with an unencrypted key is
    // what both can read.
    return (
        `${from} names ${path}, a PFX (PKCS#12) file: the azure-native provider reads it, but the program's own Azure calls (@azure/identity) read only PEM. ` +
        `Convert it once (openssl pkcs12 -in ${path} -out <file>.pem -nodes), point ${from} at the PEM, which the provider reads too, and unset the certificate password`
    );
}

/**
 * Builds the credential `chooseCredential` picks, for `cloud` (its Entra authority). Secrets are
 * read here, never kept in the choice. `@azure/identity` is required lazily: the dynamic providers
 * are closure-serialized.
 */
export function createCredential(input: ProviderSettingsInput & { readonly cloud?: AzureCloud } = { env: process.env }): TokenCredential {
    const identity: typeof import("@azure/identity") = require("@azure/identity");
    const choice = chooseCredential(input);
    const authorityHost = CLOUDS[input.cloud ?? chooseCloud(input)].authorityHost;
    const value = (key: string, env: string) => providerSetting(input, key, env)?.value;
    // The provider passes DisableInstanceDiscovery to the secret and certificate credentials only.
    const disableInstanceDiscovery = providerFlag(input, "disableInstanceDiscovery", "ARM_DISABLE_INSTANCE_DISCOVERY") !== undefined;
    const options = { authorityHost, ...(disableInstanceDiscovery ? { disableInstanceDiscovery } : {}) };
    switch (choice.kind) {
        case "default-azure-credential":
            return new identity.DefaultAzureCredential({ authorityHost });
        case "client-certificate": {
            const fs: typeof import("fs") = require("node:fs");
            let content: Buffer;
            try {
                content = fs.readFileSync(choice.certificatePath);
            } catch (e) {
                throw credentialError(
                    `${choice.decidedBy} names ${choice.certificatePath}, which can't be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
                );
            }
            const problem = certificateProblem(content, choice.certificatePath, choice.decidedBy);
            if (problem) {
                throw credentialError(problem);
            }
            const password = value("clientCertificatePassword", "ARM_CLIENT_CERTIFICATE_PASSWORD");
            return new identity.ClientCertificateCredential(
                choice.tenantId,
                choice.clientId,
                { certificate: content.toString("utf8"), ...(password ? { certificatePassword: password } : {}) },
                options,
            );
        }
        case "client-secret":
            return new identity.ClientSecretCredential(
                choice.tenantId,
                choice.clientId,
                value("clientSecret", "ARM_CLIENT_SECRET") as string,
                options,
            );
        case "oidc-token": {
            const token = value("oidcToken", "ARM_OIDC_TOKEN") as string;
            return new identity.ClientAssertionCredential(choice.tenantId, choice.clientId, async () => token, { authorityHost });
        }
        case "oidc-token-file":
            return new identity.ClientAssertionCredential(
                choice.tenantId,
                choice.clientId,
                async () => {
                    const fs: typeof import("fs") = require("node:fs");
                    return fs.readFileSync(choice.tokenFilePath, "utf8").trim();
                },
                { authorityHost },
            );
        case "oidc-request": {
            const bearer = oidcRequest(input)?.token.value;
            return new identity.ClientAssertionCredential(
                choice.tenantId,
                choice.clientId,
                async () => {
                    const url = new URL(choice.requestUrl);
                    url.searchParams.set("audience", choice.audience);
                    const response = await fetch(url, { headers: { Authorization: `Bearer ${bearer}`, Accept: "application/json" } });
                    if (!response.ok) {
                        throw new Error(`the CI's OIDC token endpoint answered ${response.status}`);
                    }
                    const body = (await response.json()) as { value?: string };
                    if (!body.value) {
                        throw new Error("the CI's OIDC token endpoint returned no token");
                    }
                    return body.value;
                },
                { authorityHost },
            );
        }
        case "managed-identity":
            return choice.clientId
                ? new identity.ManagedIdentityCredential({ clientId: choice.clientId })
                : new identity.ManagedIdentityCredential();
        case "azure-cli":
            // The CLI's active cloud decides the authority (`az cloud set`), as it does for the provider.
            return new identity.AzureCliCredential(choice.subscription ? { subscription: choice.subscription } : {});
    }
}

// ---------------------------------------------------------------------------------------------
// Whose token it is

/** The identity an access token was issued to, from its claims. */
export interface TokenIdentity {
    /** `tid`. */
    readonly tenantId?: string;
    /** `appid` (v1 tokens), else `azp` (v2). */
    readonly clientId?: string;
    /** `oid`. */
    readonly objectId?: string;
}

/**
 * The identity the azure-native provider runs as, as `authorization.getClientConfig()` reports it:
 * the `tid`, `appid` and `oid` claims of its own token (provider/pkg/provider/auth_getclientconfig.go,
 * `GetClientConfig`, commit 1de7602df79a83a40ac10d3914fde346c0db700d).
 */
export interface ProviderIdentity {
    readonly tenantId: string;
    readonly clientId: string;
    readonly objectId: string;
}

/** The identity claims of a JWT access token; empty when it can't be read. */
export function tokenIdentity(token: string): TokenIdentity {
    const payload = token.split(".")[1];
    if (!payload) {
        return {};
    }
    try {
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
        const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
        const clientId = text(claims.appid) ?? text(claims.azp);
        return {
            ...(text(claims.tid) ? { tenantId: text(claims.tid) } : {}),
            ...(clientId ? { clientId } : {}),
            ...(text(claims.oid) ? { objectId: text(claims.oid) } : {}),
        };
    } catch {
        return {};
    }
}

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** The fix for a token that is not the provider's. */
const SAME_CREDENTIALS =
    "nothing was changed. Give both the same credentials: the stack's azure-native:* config, or ARM_* variables, which every process of the run reads " +
    "(an older Pulumi CLI does not hand dynamic providers the stack's config), then run again";

/**
 * Why the program must not write with a token of this identity, in one line naming both identities
 * and the fix; undefined when it is the provider's own: same tenant (the stack's, which the program
 * checked against the provider's before anything else), same client (`appid`) and same object (`oid`).
 */
export function identityMismatch(token: TokenIdentity, provider: ProviderIdentity): string | undefined {
    const who = (i: TokenIdentity) => `client ${i.clientId ?? "(none)"}, object ${i.objectId ?? "(none)"}`;
    if (!same(token.tenantId, provider.tenantId)) {
        return (
            `The program's own Azure calls got a token in tenant ${token.tenantId ?? "(none)"} (${who(token)}) but the azure-native provider, and the stack, ` +
            `are in tenant ${provider.tenantId} (${who(provider)}): ${SAME_CREDENTIALS}`
        );
    }
    const sameClient = token.clientId === undefined || same(token.clientId, provider.clientId);
    const sameObject = token.objectId === undefined || same(token.objectId, provider.objectId);
    if (!sameClient || !sameObject || (token.clientId === undefined && token.objectId === undefined)) {
        return (
            `The program's own Azure calls run as ${who(token)} but the azure-native provider runs as ${who(provider)}, both in tenant ${provider.tenantId}: ` +
            SAME_CREDENTIALS
        );
    }
    return undefined;
}
