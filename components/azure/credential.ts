import type { TokenCredential } from "@azure/identity";
import { type AzureCloud, chooseCloud, CLOUDS } from "./cloud";
import { requireDependency } from "./dependencies";
import { providerFlag, type ProviderSetting, providerSetting, type ProviderSettingsInput } from "./providerConfig";

/** Copied by value into the serialized dynamic providers wherever the package is installed (see dependencies.ts). */
export const deploymentOnlyModule = true;

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
 * 2. `clientCertificatePath` / `ARM_CLIENT_CERTIFICATE_PATH`: a service principal's certificate, PEM
 *    or PFX (`clientCertificatePassword` / `ARM_CLIENT_CERTIFICATE_PASSWORD`), read as the provider
 *    reads it ({@link clientCertificatePem}).
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

/**
 * Builds the credential `chooseCredential` picks, for `cloud` (its Entra authority). Secrets are
 * read here, never kept in the choice. `@azure/identity` is required lazily: the dynamic providers
 * are closure-serialized.
 */
export function createCredential(input: ProviderSettingsInput & { readonly cloud?: AzureCloud } = { env: process.env }): TokenCredential {
    const identity = requireDependency<typeof import("@azure/identity")>("@azure/identity");
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
            const certificate = clientCertificatePem(content, {
                path: choice.certificatePath,
                from: choice.decidedBy,
                password: providerSetting(input, "clientCertificatePassword", "ARM_CLIENT_CERTIFICATE_PASSWORD"),
            });
            return new identity.ClientCertificateCredential(choice.tenantId, choice.clientId, { certificate }, options);
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
// The client certificate: PEM, or PFX (PKCS#12) turned into PEM in memory

/**
 * The certificate file the provider reads, as @azure/identity reads it: PEM with the certificates
 * first (the one matching the key leading: its thumbprint names the credential) and an unencrypted
 * key, because `ClientCertificateCredential` takes only "a PEM-encoded certificate" (@azure/identity
 * 4.14.1). Accepted and refused as the provider does: it reads the file with the Azure SDK for Go's
 * `azidentity.ParseCertificates` (provider/pkg/provider/auth_azidentity.go, `readCertificate`), which
 * reads PEM when no password is set, else PKCS#12, and "can't decrypt keys in PEM format or PKCS#12
 * certificates that use SHA256 for message authentication": its PKCS#12 reader, golang.org/x/crypto/pkcs12
 * (pkcs12.go `ToPEM` and `getSafeContents`, mac.go `verifyMac`, crypto.go `pbDecrypterFor`), takes
 * version 3, a SHA-1 MAC, two safes, 3DES or 40-bit RC2 encryption (what OpenSSL's `-legacy` and
 * Windows' TripleDES-SHA1 export write, not OpenSSL 3's AES default), certificate and shrouded key
 * bags; and Go's MSAL (microsoft-authentication-library-for-go, apps/confidential/confidential.go,
 * `NewCredFromCert`) wants an RSA key matching one of the certificates. Throws one line naming the
 * file, the setting and the fix.
 */
export function clientCertificatePem(content: Buffer, file: { path: string; from: string; password?: ProviderSetting }): string {
    const { path, from, password } = file;
    if (content.toString("latin1").includes("-----BEGIN")) {
        if (password) {
            throw credentialError(
                `${from} names ${path}, a PEM file, but ${password.from} is set: the azure-native provider then reads the file only as PFX (PKCS#12), and can't decrypt PEM keys. ` +
                    `Unset ${password.from} and give the key unencrypted (openssl pkey -in <key> -out <file>.pem), or give a PFX`,
            );
        }
        const text = content.toString("utf8");
        if (!/-----BEGIN CERTIFICATE-----/.test(text) || !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) {
            throw credentialError(
                `${from} names ${path}, a PEM file without ${/-----BEGIN CERTIFICATE-----/.test(text) ? "an unencrypted private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)" : "a certificate"}, ` +
                    "which the azure-native provider needs: put the certificate and its unencrypted key in the one file",
            );
        }
        return text;
    }
    try {
        return pemOfPfx(content, password?.value ?? "");
    } catch (e) {
        const problem = (e as { pfx?: PfxProblem }).pfx;
        if (!problem) {
            throw e;
        }
        throw credentialError(pfxMessage(problem, path, from, password));
    }
}

/** Why a PFX can't be read, as {@link pemOfPfx} finds it. */
type PfxProblem =
    | { readonly kind: "not-pfx"; readonly detail: string }
    | { readonly kind: "algorithm"; readonly what: string; readonly algorithm: string }
    | { readonly kind: "password" }
    | { readonly kind: "content"; readonly detail: string };

function pfxProblem(problem: PfxProblem): Error {
    return Object.assign(new Error(problem.kind), { pfx: problem });
}

function pfxMessage(problem: PfxProblem, path: string, from: string, password: ProviderSetting | undefined): string {
    const convert =
        `convert it to PEM (openssl pkcs12 -in ${path} -out <file>.pem -nodes), point ${from} at the PEM and unset the certificate password, ` +
        "or export it again with openssl pkcs12 -export -legacy";
    switch (problem.kind) {
        case "not-pfx":
            return `${from} names ${path}, which is neither PEM nor a PFX (PKCS#12) file (${problem.detail})`;
        case "algorithm":
            return (
                `${from} names ${path}, a PFX ${problem.what} ${problem.algorithm}, which the azure-native provider can't read (it reads a SHA-1 MAC and 3DES or RC2 ` +
                `encryption, as OpenSSL's -legacy and Windows' TripleDES-SHA1 export write them): ${convert}`
            );
        case "password":
            return password
                ? `${password.from} does not open ${path}, the PFX ${from} names (its integrity check fails): set it to the PFX's password`
                : `${from} names ${path}, a PFX with a password: set azure-native:clientCertificatePassword (pulumi config set --secret) or ARM_CLIENT_CERTIFICATE_PASSWORD`;
        case "content":
            return `${from} names ${path}, a PFX the azure-native provider can't sign in with: ${problem.detail}`;
    }
}

/** One DER element: its tag, its contents, where the next one starts. */
interface Der {
    readonly tag: number;
    readonly body: Buffer;
    readonly next: number;
}

const TAG = { integer: 0x02, octetString: 0x04, oid: 0x06, sequence: 0x30, explicit0: 0xa0, implicit0: 0x80 } as const;

/** The DER element at `at`; definite lengths only, as Go's encoding/asn1 reads them. */
function der(buf: Buffer, at = 0, tag?: number): Der {
    if (at + 2 > buf.length) {
        throw pfxProblem({ kind: "not-pfx", detail: "the DER ends early" });
    }
    if (tag !== undefined && buf[at] !== tag) {
        throw pfxProblem({ kind: "not-pfx", detail: `DER tag 0x${buf[at].toString(16)} where 0x${tag.toString(16)} belongs` });
    }
    let length = buf[at + 1];
    let start = at + 2;
    if (length & 0x80) {
        const bytes = length & 0x7f;
        if (bytes === 0 || bytes > 4 || start + bytes > buf.length) {
            throw pfxProblem({ kind: "not-pfx", detail: "not DER" });
        }
        length = buf.subarray(start, start + bytes).reduce((n, b) => n * 256 + b, 0);
        start += bytes;
    }
    if (start + length > buf.length) {
        throw pfxProblem({ kind: "not-pfx", detail: "the DER ends early" });
    }
    return { tag: buf[at], body: buf.subarray(start, start + length), next: start + length };
}

/** The elements of a SEQUENCE's or SET's contents. */
function derItems(body: Buffer): Der[] {
    const items: Der[] = [];
    for (let at = 0; at < body.length; at = items[items.length - 1].next) {
        items.push(der(body, at));
    }
    return items;
}

/** A SEQUENCE's elements, checking there are at least `min`. */
function sequence(element: Der | undefined, min: number): Der[] {
    if (!element || element.tag !== TAG.sequence) {
        throw pfxProblem({ kind: "not-pfx", detail: "a SEQUENCE is missing" });
    }
    const items = derItems(element.body);
    if (items.length < min) {
        throw pfxProblem({ kind: "not-pfx", detail: "a SEQUENCE is short" });
    }
    return items;
}

function oidOf(element: Der): string {
    if (element.tag !== TAG.oid || element.body.length === 0) {
        throw pfxProblem({ kind: "not-pfx", detail: "an OBJECT IDENTIFIER is missing" });
    }
    const arcs = [Math.floor(element.body[0] / 40), element.body[0] % 40];
    let arc = 0;
    for (const b of element.body.subarray(1)) {
        arc = arc * 128 + (b & 0x7f);
        if (!(b & 0x80)) {
            arcs.push(arc);
            arc = 0;
        }
    }
    return arcs.join(".");
}

function integerOf(element: Der): number {
    if (element.tag !== TAG.integer || element.body.length === 0 || element.body.length > 6) {
        throw pfxProblem({ kind: "not-pfx", detail: "an INTEGER is missing" });
    }
    return element.body.reduce((n, b) => n * 256 + b, 0);
}

function octetsOf(element: Der | undefined): Buffer {
    if (!element || element.tag !== TAG.octetString) {
        throw pfxProblem({ kind: "not-pfx", detail: "an OCTET STRING is missing" });
    }
    return element.body;
}

const OID = {
    data: "1.2.840.113549.1.7.1",
    encryptedData: "1.2.840.113549.1.7.6",
    sha1: "1.3.14.3.2.26",
    certBag: "1.2.840.113549.1.12.10.1.3",
    shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
    x509Certificate: "1.2.840.113549.1.9.22.1",
    pbeSha1TripleDes: "1.2.840.113549.1.12.1.3",
    pbeSha1Rc2Bits40: "1.2.840.113549.1.12.1.6",
} as const;

/** Names of the algorithms a PFX may use that the provider can't read, for messages. */
const ALGORITHM_NAMES: Readonly<Record<string, string>> = {
    "2.16.840.1.101.3.4.2.1": "SHA-256 (OpenSSL 3's default)",
    "2.16.840.1.101.3.4.2.2": "SHA-384",
    "2.16.840.1.101.3.4.2.3": "SHA-512",
    "1.2.840.113549.1.5.13": "PBES2 (AES, OpenSSL 3's default)",
    "1.2.840.113549.1.12.1.1": "RC4-128",
    "1.2.840.113549.1.12.1.2": "RC4-40",
    "1.2.840.113549.1.12.1.4": "two-key 3DES",
    "1.2.840.113549.1.12.1.5": "128-bit RC2",
};

/**
 * A PFX's certificates and key as PEM: the key's certificate first, then the others, then the key
 * (PKCS#8). Throws an error carrying a {@link PfxProblem}.
 */
function pemOfPfx(content: Buffer, password: string): string {
    const crypto: typeof import("crypto") = require("node:crypto");
    const top = der(content, 0, TAG.sequence);
    if (top.next !== content.length) {
        throw pfxProblem({ kind: "not-pfx", detail: "data follows the DER" });
    }
    const [version, authSafe, macData] = sequence(top, 2);
    if (integerOf(version) !== 3) {
        throw pfxProblem({ kind: "not-pfx", detail: "not version 3" });
    }
    const [authType, authContent] = sequence(authSafe, 2);
    if (oidOf(authType) !== OID.data || authContent.tag !== TAG.explicit0) {
        throw pfxProblem({ kind: "algorithm", what: "signed with", algorithm: "a public key rather than a password" });
    }
    const safes = octetsOf(der(authContent.body));
    if (!macData) {
        throw pfxProblem({ kind: "algorithm", what: "without", algorithm: "a MAC" });
    }
    const secret = macPassword(safes, macData, password);

    const certificates: import("crypto").X509Certificate[] = [];
    const keys: import("crypto").KeyObject[] = [];
    const safeList = sequence(der(safes), 0);
    if (safeList.length !== 2) {
        throw pfxProblem({
            kind: "content",
            detail: `it holds ${safeList.length} safes where the provider reads exactly two (certificates and key)`,
        });
    }
    for (const safe of safeList) {
        const [type, value] = sequence(safe, 2);
        let bags: Buffer;
        if (oidOf(type) === OID.data) {
            bags = octetsOf(der(value.body));
        } else if (oidOf(type) === OID.encryptedData) {
            const [, encryptedContentInfo] = sequence(der(value.body), 2);
            const [, algorithm, encrypted] = sequence(encryptedContentInfo, 3);
            if (encrypted.tag !== TAG.implicit0) {
                throw pfxProblem({ kind: "not-pfx", detail: "the encrypted content is not a plain OCTET STRING" });
            }
            bags = pbeDecrypt(algorithm, encrypted.body, secret, "whose certificates are encrypted with");
        } else {
            throw pfxProblem({ kind: "not-pfx", detail: `a safe of type ${oidOf(type)}` });
        }
        for (const bag of sequence(der(bags), 0)) {
            const [bagType, bagValue] = sequence(bag, 2);
            const inner = der(bagValue.body);
            if (oidOf(bagType) === OID.certBag) {
                const [certType, certValue] = sequence(inner, 2);
                if (oidOf(certType) !== OID.x509Certificate) {
                    throw pfxProblem({ kind: "content", detail: "it holds a certificate that is not X.509" });
                }
                certificates.push(readable("a certificate in it", () => new crypto.X509Certificate(octetsOf(der(certValue.body)))));
            } else if (oidOf(bagType) === OID.shroudedKeyBag) {
                const [algorithm, encrypted] = sequence(inner, 2);
                const plain = pbeDecrypt(algorithm, octetsOf(encrypted), secret, "whose key is encrypted with");
                keys.push(readable("its private key", () => crypto.createPrivateKey({ key: plain, format: "der", type: "pkcs8" })));
            } else {
                throw pfxProblem({ kind: "content", detail: `it holds a bag of type ${oidOf(bagType)}, which the provider does not read` });
            }
        }
    }
    if (keys.length !== 1) {
        throw pfxProblem({ kind: "content", detail: keys.length === 0 ? "it holds no private key" : "it holds more than one private key" });
    }
    const [key] = keys;
    if (key.asymmetricKeyType !== "rsa") {
        throw pfxProblem({ kind: "content", detail: `its private key is ${key.asymmetricKeyType?.toUpperCase()}, not RSA` });
    }
    const leaf = certificates.find((c) => c.checkPrivateKey(key));
    if (!leaf) {
        throw pfxProblem({
            kind: "content",
            detail: certificates.length === 0 ? "it holds no certificate" : "none of its certificates is the private key's",
        });
    }
    return (
        [leaf, ...certificates.filter((c) => c !== leaf)].map((c) => c.toString()).join("") + key.export({ type: "pkcs8", format: "pem" })
    );
}

/** What `read` returns, or a problem saying `what` in the PFX can't be read. */
function readable<T>(what: string, read: () => T): T {
    try {
        return read();
    } catch (e) {
        if ((e as { pfx?: PfxProblem }).pfx) {
            throw e;
        }
        throw pfxProblem({ kind: "content", detail: `${what} can't be read (${(e as Error).message})` });
    }
}

/**
 * The password as PKCS#12 hashes it (BMPString: UTF-16BE and two zero bytes) once the MAC proves it
 * right; for an empty password also none at all, which some writers use (Go's `getSafeContents`).
 */
function macPassword(safes: Buffer, macData: Der, password: string): Buffer {
    const crypto: typeof import("crypto") = require("node:crypto");
    const [digestInfo, salt, iterations] = sequence(macData, 2);
    const [digestAlgorithm, digest] = sequence(digestInfo, 2);
    const algorithm = oidOf(sequence(digestAlgorithm, 1)[0]);
    if (algorithm !== OID.sha1) {
        throw pfxProblem({ kind: "algorithm", what: "with a MAC of", algorithm: ALGORITHM_NAMES[algorithm] ?? algorithm });
    }
    if ([...password].some((c) => c.codePointAt(0)! > 0xffff)) {
        throw pfxProblem({ kind: "password" });
    }
    const bmp = Buffer.concat([Buffer.from(password, "utf16le").swap16(), Buffer.alloc(2)]);
    const rounds = iterations ? integerOf(iterations) : 1;
    for (const candidate of password === "" ? [bmp, Buffer.alloc(0)] : [bmp]) {
        const key = pkcs12Kdf(candidate, octetsOf(salt), rounds, 3, 20);
        const mac = crypto.createHmac("sha1", key).update(safes).digest();
        const expected = octetsOf(digest);
        if (mac.length === expected.length && crypto.timingSafeEqual(mac, expected)) {
            return candidate;
        }
    }
    throw pfxProblem({ kind: "password" });
}

/**
 * PKCS#12's key derivation with SHA-1 (RFC 7292, appendix B.2): `size` bytes of purpose `id`
 * (1 key, 2 IV, 3 MAC key).
 */
function pkcs12Kdf(password: Buffer, salt: Buffer, iterations: number, id: number, size: number): Buffer {
    const crypto: typeof import("crypto") = require("node:crypto");
    const v = 64;
    const fill = (b: Buffer) => {
        const out = Buffer.alloc(v * Math.ceil(b.length / v));
        for (let i = 0; i < out.length; i++) {
            out[i] = b[i % b.length];
        }
        return out;
    };
    const input = Buffer.concat([fill(salt), fill(password)]);
    const parts: Buffer[] = [];
    for (let made = 0; made < size; made += 20) {
        let a = crypto.createHash("sha1").update(Buffer.alloc(v, id)).update(input).digest();
        for (let r = 1; r < iterations; r++) {
            a = crypto.createHash("sha1").update(a).digest();
        }
        parts.push(a);
        const b = fill(a);
        for (let j = 0; j < input.length; j += v) {
            let carry = 1;
            for (let k = v - 1; k >= 0; k--) {
                const sum = input[j + k] + b[k] + carry;
                input[j + k] = sum & 0xff;
                carry = sum >> 8;
            }
        }
    }
    return Buffer.concat(parts).subarray(0, size);
}

/** Decrypts with the two PKCS#12 ciphers the provider reads; `what` says what for messages. */
function pbeDecrypt(algorithmIdentifier: Der, data: Buffer, password: Buffer, what: string): Buffer {
    const crypto: typeof import("crypto") = require("node:crypto");
    const [oid, params] = sequence(algorithmIdentifier, 1);
    const algorithm = oidOf(oid);
    if (algorithm !== OID.pbeSha1TripleDes && algorithm !== OID.pbeSha1Rc2Bits40) {
        throw pfxProblem({ kind: "algorithm", what, algorithm: ALGORITHM_NAMES[algorithm] ?? algorithm });
    }
    const [salt, iterations] = sequence(params, 2);
    const rounds = integerOf(iterations);
    const tripleDes = algorithm === OID.pbeSha1TripleDes;
    const key = pkcs12Kdf(password, octetsOf(salt), rounds, 1, tripleDes ? 24 : 5);
    const iv = pkcs12Kdf(password, octetsOf(salt), rounds, 2, 8);
    try {
        if (tripleDes) {
            const decipher = crypto.createDecipheriv("des-ede3-cbc", key, iv);
            return Buffer.concat([decipher.update(data), decipher.final()]);
        }
        return unpad(rc2CbcDecrypt(key, 40, iv, data), 8);
    } catch {
        // The MAC took the password, so another one protects this part.
        throw pfxProblem({ kind: "password" });
    }
}

/**
 * RC2's PITABLE (RFC 2268, section 2), which OpenSSL 3 and Node leave to the legacy provider. Text, so
 * the closure Pulumi serializes for a dynamic provider carries it as it is.
 */
const RC2_PITABLE_HEX =
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82" +
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb6266fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7" +
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731" +
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad";

/**
 * RC2-CBC decryption (RFC 2268), padding left in: 40-bit RC2 is what OpenSSL's `-legacy` encrypts a
 * PFX's certificates with, and Node's OpenSSL 3 can't run it. @internal Exported for tests.
 */
export function rc2CbcDecrypt(key: Buffer, effectiveBits: number, iv: Buffer, data: Buffer): Buffer {
    if (data.length === 0 || data.length % 8 !== 0 || iv.length !== 8) {
        throw new Error("RC2: the data is not whole blocks");
    }
    const pitable = Buffer.from(RC2_PITABLE_HEX, "hex");
    const l = new Uint8Array(128);
    l.set(key);
    for (let i = key.length; i < 128; i++) {
        l[i] = pitable[(l[i - 1] + l[i - key.length]) & 0xff];
    }
    const t8 = (effectiveBits + 7) >> 3;
    l[128 - t8] = pitable[l[128 - t8] & (0xff >> (8 * t8 - effectiveBits))];
    for (let i = 127 - t8; i >= 0; i--) {
        l[i] = pitable[l[i + 1] ^ l[i + t8]];
    }
    const k = Array.from({ length: 64 }, (_, i) => l[2 * i] | (l[2 * i + 1] << 8));
    const out = Buffer.alloc(data.length);
    let previous = iv;
    for (let at = 0; at < data.length; at += 8) {
        const block = data.subarray(at, at + 8);
        const r = [0, 1, 2, 3].map((i) => block.readUInt16LE(2 * i));
        let j = 63;
        for (let round = 0; round < 16; round++) {
            // An r-mixing round: R[i] rotated right by s[i], less K[j] and the mix of the other words.
            for (const [i, s] of [
                [3, 5],
                [2, 3],
                [1, 2],
                [0, 1],
            ]) {
                const rotated = ((r[i] >>> s) | (r[i] << (16 - s))) & 0xffff;
                r[i] = (rotated - k[j--] - (r[(i + 3) % 4] & r[(i + 2) % 4]) - (~r[(i + 3) % 4] & r[(i + 1) % 4])) & 0xffff;
            }
            // An r-mashing round after the 5th and the 11th.
            if (round === 4 || round === 10) {
                for (const i of [3, 2, 1, 0]) {
                    r[i] = (r[i] - k[r[(i + 3) % 4] & 63]) & 0xffff;
                }
            }
        }
        for (let i = 0; i < 4; i++) {
            out.writeUInt16LE(r[i] ^ previous.readUInt16LE(2 * i), at + 2 * i);
        }
        previous = block;
    }
    return out;
}

/** `data` without its PKCS#7 padding, as Go's `pbDecrypt` checks it. */
function unpad(data: Buffer, blockSize: number): Buffer {
    const pad = data[data.length - 1];
    if (pad < 1 || pad > blockSize || !data.subarray(data.length - pad).every((b) => b === pad)) {
        throw new Error("bad padding");
    }
    return data.subarray(0, data.length - pad);
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
