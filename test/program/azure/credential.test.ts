import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as identity from "@azure/identity";
import {
    chooseCredential,
    type CredentialChoice,
    createCredential,
    identityMismatch,
    type ProviderIdentity,
    tokenIdentity,
} from "../../../program/azure/credential";
import type { Env } from "../../../program/azure/providerConfig";
import { withTempDir } from "../../support/tempDir";

/** The stack's azure-native config, qualified as Pulumi hands it over. */
const cfg = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`azure-native:${k}`, v]));

const CONFIG_IDS = cfg({ tenantId: "t-config", clientId: "c-config" });
const ENV_IDS: Env = { ARM_TENANT_ID: "t-env", ARM_CLIENT_ID: "c-env" };

describe("choosing the credential the azure-native provider would use", () => {
    // [what, the stack's azure-native config, the environment, the choice]
    const cases: Array<[string, Record<string, string>, Env, CredentialChoice]> = [
        ["the Azure CLI login when nothing is set", {}, {}, { kind: "azure-cli" }],
        [
            "the Azure CLI login for the configured subscription",
            cfg({ subscriptionId: "s-config" }),
            { ARM_SUBSCRIPTION_ID: "s-env" },
            { kind: "azure-cli", subscription: "s-config" },
        ],
        ["the Azure CLI login for ARM_SUBSCRIPTION_ID", {}, { ARM_SUBSCRIPTION_ID: "s-env" }, { kind: "azure-cli", subscription: "s-env" }],
        [
            "the Azure SDK's chain first when useDefaultAzureCredential is true, over every other setting",
            cfg({ useDefaultAzureCredential: "true", clientSecret: "x" }),
            { ...ENV_IDS, ARM_CLIENT_CERTIFICATE_PATH: "/c.pem", ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" },
            { kind: "default-azure-credential", decidedBy: "azure-native:useDefaultAzureCredential" },
        ],
        [
            "the Azure SDK's chain for ARM_USE_DEFAULT_AZURE_CREDENTIAL",
            {},
            { ARM_USE_DEFAULT_AZURE_CREDENTIAL: "true" },
            { kind: "default-azure-credential", decidedBy: "ARM_USE_DEFAULT_AZURE_CREDENTIAL" },
        ],
        [
            "a configured certificate over a secret in the environment",
            { ...CONFIG_IDS, ...cfg({ clientCertificatePath: "/etc/sp.pem" }) },
            { ...ENV_IDS, ARM_CLIENT_SECRET: "s" },
            {
                kind: "client-certificate",
                tenantId: "t-config",
                clientId: "c-config",
                certificatePath: "/etc/sp.pem",
                decidedBy: "azure-native:clientCertificatePath",
            },
        ],
        [
            "a certificate from ARM_CLIENT_CERTIFICATE_PATH",
            {},
            { ...ENV_IDS, ARM_CLIENT_CERTIFICATE_PATH: "/etc/sp.pem" },
            {
                kind: "client-certificate",
                tenantId: "t-env",
                clientId: "c-env",
                certificatePath: "/etc/sp.pem",
                decidedBy: "ARM_CLIENT_CERTIFICATE_PATH",
            },
        ],
        [
            "a configured secret over OIDC in the environment",
            { ...CONFIG_IDS, ...cfg({ clientSecret: "s" }) },
            { ...ENV_IDS, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" },
            { kind: "client-secret", tenantId: "t-config", clientId: "c-config", decidedBy: "azure-native:clientSecret" },
        ],
        [
            "a secret from ARM_CLIENT_SECRET",
            {},
            { ...ENV_IDS, ARM_CLIENT_SECRET: "s" },
            { kind: "client-secret", tenantId: "t-env", clientId: "c-env", decidedBy: "ARM_CLIENT_SECRET" },
        ],
        [
            "the configured IDs over the environment's",
            { ...CONFIG_IDS },
            { ...ENV_IDS, ARM_CLIENT_SECRET: "s" },
            { kind: "client-secret", tenantId: "t-config", clientId: "c-config", decidedBy: "ARM_CLIENT_SECRET" },
        ],
        [
            "nothing from a variable whose config key is set, even empty",
            cfg({ clientSecret: "" }),
            { ...ENV_IDS, ARM_CLIENT_SECRET: "s" },
            { kind: "azure-cli" },
        ],
        [
            "the OIDC token given in config",
            { ...CONFIG_IDS, ...cfg({ useOidc: "true", oidcToken: "jwt" }) },
            { ARM_USE_MSI: "true" },
            { kind: "oidc-token", tenantId: "t-config", clientId: "c-config", decidedBy: "azure-native:useOidc" },
        ],
        [
            "the OIDC token file of ARM_OIDC_TOKEN_FILE_PATH",
            {},
            { ...ENV_IDS, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN_FILE_PATH: "/var/run/token" },
            { kind: "oidc-token-file", tenantId: "t-env", clientId: "c-env", tokenFilePath: "/var/run/token", decidedBy: "ARM_USE_OIDC" },
        ],
        [
            "a token from GitHub Actions' request URL, for the default audience",
            {},
            { ...ENV_IDS, ARM_USE_OIDC: "true", ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh/token", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "x" },
            {
                kind: "oidc-request",
                tenantId: "t-env",
                clientId: "c-env",
                requestUrl: "https://gh/token",
                audience: "api://AzureADTokenExchange",
                decidedBy: "ARM_USE_OIDC",
            },
        ],
        [
            "a token from the configured request URL, for the configured audience",
            {
                ...CONFIG_IDS,
                ...cfg({
                    useOidc: "true",
                    oidcRequestUrl: "https://ci/token",
                    oidcRequestToken: "x",
                    oidcAudience: "api://AzureADTokenExchangeUSGov",
                }),
            },
            { ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh/token", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "y" },
            {
                kind: "oidc-request",
                tenantId: "t-config",
                clientId: "c-config",
                requestUrl: "https://ci/token",
                audience: "api://AzureADTokenExchangeUSGov",
                decidedBy: "azure-native:useOidc",
            },
        ],
        [
            "ARM_OIDC_REQUEST_URL under the provider's older backend only (PULUMI_ENABLE_AZCORE_BACKEND=false)",
            {},
            {
                ...ENV_IDS,
                ARM_USE_OIDC: "true",
                ARM_OIDC_REQUEST_URL: "https://ado/token",
                ARM_OIDC_REQUEST_TOKEN: "x",
                PULUMI_ENABLE_AZCORE_BACKEND: "false",
            },
            {
                kind: "oidc-request",
                tenantId: "t-env",
                clientId: "c-env",
                requestUrl: "https://ado/token",
                audience: "api://AzureADTokenExchange",
                decidedBy: "ARM_USE_OIDC",
            },
        ],
        [
            "OIDC over a managed identity",
            {},
            { ...ENV_IDS, ARM_USE_MSI: "true", ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" },
            { kind: "oidc-token", tenantId: "t-env", clientId: "c-env", decidedBy: "ARM_USE_OIDC" },
        ],
        ["a system-assigned managed identity", cfg({ useMsi: "true" }), {}, { kind: "managed-identity", decidedBy: "azure-native:useMsi" }],
        [
            "a user-assigned managed identity named by the configured client ID",
            cfg({ clientId: "c-config" }),
            { ARM_USE_MSI: "true" },
            { kind: "managed-identity", clientId: "c-config", decidedBy: "ARM_USE_MSI" },
        ],
        [
            "nothing from a flag that is not exactly true, as the provider compares it",
            {},
            { ARM_USE_MSI: "True", ARM_USE_OIDC: "1" },
            { kind: "azure-cli" },
        ],
        ["nothing from a configured false over a true variable", cfg({ useMsi: "false" }), { ARM_USE_MSI: "true" }, { kind: "azure-cli" }],
        [
            "nothing from @azure/identity's own AZURE_* variables, which the provider does not read",
            {},
            { AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "s", AZURE_TENANT_ID: "t" },
            { kind: "azure-cli" },
        ],
    ];
    for (const [what, config, env, choice] of cases) {
        it(`chooses ${what}`, () => {
            assert.deepStrictEqual(chooseCredential({ config, env }), choice);
        });
    }

    const failures: Array<[string, Record<string, string>, Env, string]> = [
        [
            "a secret without a tenant",
            {},
            { ARM_CLIENT_SECRET: "s", ARM_CLIENT_ID: "c" },
            "azure-native:tenantId (or ARM_TENANT_ID) must be set when authenticating with a client secret (ARM_CLIENT_SECRET is set)",
        ],
        [
            "a certificate without a client",
            cfg({ clientCertificatePath: "/c.pem", tenantId: "t" }),
            {},
            "azure-native:clientId (or ARM_CLIENT_ID) must be set when authenticating with a client certificate (azure-native:clientCertificatePath is set)",
        ],
        [
            "OIDC without a token",
            { ...CONFIG_IDS, ...cfg({ useOidc: "true" }) },
            { ARM_OIDC_REQUEST_URL: "https://ado/token", ARM_OIDC_REQUEST_TOKEN: "x" },
            "azure-native:useOidc is true but no OIDC token is available: set azure-native:oidcToken or ARM_OIDC_TOKEN, azure-native:oidcTokenFilePath or ARM_OIDC_TOKEN_FILE_PATH, " +
                "or run in GitHub Actions with `permissions: id-token: write`",
        ],
    ];
    for (const [what, config, env, message] of failures) {
        it(`refuses ${what}, in one line naming the settings`, () => {
            assert.throws(() => chooseCredential({ config, env }), { name: "CredentialSettingsError", message });
        });
    }

    it("takes a variable as the stand-in for a key the offline tools can't decrypt, or says how to give one", () => {
        const unreadable = ["azure-native:clientSecret"];
        assert.deepStrictEqual(chooseCredential({ config: CONFIG_IDS, env: { ARM_CLIENT_SECRET: "s" }, unreadable }), {
            kind: "client-secret",
            tenantId: "t-config",
            clientId: "c-config",
            decidedBy: "ARM_CLIENT_SECRET",
        });
        assert.throws(() => chooseCredential({ config: CONFIG_IDS, env: {}, unreadable }), {
            message:
                "azure-native:clientSecret is encrypted in the stack file and can't be read here (no passphrase): set ARM_CLIENT_SECRET to its value for this run " +
                "(pulumi config get azure-native:clientSecret prints it), or run through the Pulumi CLI",
        });
    });
});

describe("building the chosen credential", () => {
    const build = (config: Record<string, string>, env: Env = {}) => createCredential({ config, env });

    it("builds each kind with @azure/identity", () => {
        assert.ok(build({}) instanceof identity.AzureCliCredential);
        assert.ok(build(cfg({ useDefaultAzureCredential: "true" })) instanceof identity.DefaultAzureCredential);
        assert.ok(build({ ...CONFIG_IDS, ...cfg({ clientSecret: "s" }) }) instanceof identity.ClientSecretCredential);
        assert.ok(
            build({ ...CONFIG_IDS, ...cfg({ clientSecret: "s", environment: "usgovernment" }) }) instanceof identity.ClientSecretCredential,
        );
        assert.ok(build({ ...CONFIG_IDS, ...cfg({ useOidc: "true", oidcToken: "jwt" }) }) instanceof identity.ClientAssertionCredential);
        assert.ok(build(cfg({ useMsi: "true" })) instanceof identity.ManagedIdentityCredential);
    });

    it("logs in with a PEM certificate, its password passed on", () =>
        withTempDir((dir) => {
            const file = path.join(dir, "sp.pem");
            fs.writeFileSync(
                file,
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
            );
            const credential = build({ ...CONFIG_IDS, ...cfg({ clientCertificatePath: file, clientCertificatePassword: "p" }) });
            assert.ok(credential instanceof identity.ClientCertificateCredential);
        }));

    it("refuses a PFX certificate, which @azure/identity can't read, saying how to convert it", () =>
        withTempDir((dir) => {
            const file = path.join(dir, "sp.pfx");
            // A PKCS#12 file is DER: a SEQUENCE, no PEM armour.
            fs.writeFileSync(file, Buffer.from([0x30, 0x82, 0x0a, 0x1c, 0x02, 0x01, 0x03, 0x30, 0x82]));
            assert.throws(() => build(CONFIG_IDS, { ARM_CLIENT_CERTIFICATE_PATH: file }), {
                name: "CredentialSettingsError",
                message:
                    `ARM_CLIENT_CERTIFICATE_PATH names ${file}, a PFX (PKCS#12) file: the azure-native provider reads it, but the program's own Azure calls (@azure/identity) read only PEM. ` +
                    `Convert it once (openssl pkcs12 -in ${file} -out <file>.pem -nodes), point ARM_CLIENT_CERTIFICATE_PATH at the PEM, which the provider reads too, and unset the certificate password`,
            });
        }));

    it("names a certificate file that can't be read", () =>
        withTempDir((dir) => {
            const file = path.join(dir, "missing.pem");
            assert.throws(() => build({ ...CONFIG_IDS, ...cfg({ clientCertificatePath: file }) }), {
                message: `azure-native:clientCertificatePath names ${file}, which can't be read (ENOENT)`,
            });
        }));
});

describe("checking whose token it is", () => {
    const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
    const provider: ProviderIdentity = {
        tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
        clientId: "0a1b2c3d-0000-4000-8000-000000000001",
        objectId: "9f8e7d6c-0000-4000-8000-000000000002",
    };

    it("reads the tenant, client and object from v1 (appid) and v2 (azp) tokens", () => {
        assert.deepStrictEqual(tokenIdentity(jwt({ tid: "t", appid: "a", oid: "o" })), { tenantId: "t", clientId: "a", objectId: "o" });
        assert.deepStrictEqual(tokenIdentity(jwt({ tid: "t", azp: "a", oid: "o" })), { tenantId: "t", clientId: "a", objectId: "o" });
        assert.deepStrictEqual(tokenIdentity("not a token"), {});
    });

    it("accepts the provider's own identity, in any letter case", () => {
        assert.strictEqual(
            identityMismatch(
                { tenantId: provider.tenantId.toUpperCase(), clientId: provider.clientId, objectId: provider.objectId },
                provider,
            ),
            undefined,
        );
    });

    it("refuses a token of another tenant in one line naming both identities and the fix", () => {
        assert.strictEqual(
            identityMismatch(
                {
                    tenantId: "11111111-1111-1111-1111-111111111111",
                    clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                    objectId: "22222222-2222-2222-2222-222222222222",
                },
                provider,
            ),
            "The program's own Azure calls got a token in tenant 11111111-1111-1111-1111-111111111111 (client 04b07795-8ddb-461a-bbee-02f9e1bf7b46, object 22222222-2222-2222-2222-222222222222) " +
                "but the azure-native provider, and the stack, are in tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f (client 0a1b2c3d-0000-4000-8000-000000000001, object 9f8e7d6c-0000-4000-8000-000000000002): " +
                "nothing was changed. Give both the same credentials: the stack's azure-native:* config, or ARM_* variables, which every process of the run reads " +
                "(an older Pulumi CLI does not hand dynamic providers the stack's config), then run again",
        );
    });

    it("refuses another identity of the same tenant in one line naming both identities and the fix", () => {
        assert.strictEqual(
            identityMismatch(
                {
                    tenantId: provider.tenantId,
                    clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                    objectId: "22222222-2222-2222-2222-222222222222",
                },
                provider,
            ),
            "The program's own Azure calls run as client 04b07795-8ddb-461a-bbee-02f9e1bf7b46, object 22222222-2222-2222-2222-222222222222 " +
                "but the azure-native provider runs as client 0a1b2c3d-0000-4000-8000-000000000001, object 9f8e7d6c-0000-4000-8000-000000000002, both in tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f: " +
                "nothing was changed. Give both the same credentials: the stack's azure-native:* config, or ARM_* variables, which every process of the run reads " +
                "(an older Pulumi CLI does not hand dynamic providers the stack's config), then run again",
        );
    });

    it("refuses a token that names nobody", () => {
        assert.match(
            identityMismatch({ tenantId: provider.tenantId }, provider) ?? "",
            /^The program's own Azure calls run as client \(none\), object \(none\) but/,
        );
        assert.match(identityMismatch({}, provider) ?? "", /^The program's own Azure calls got a token in tenant \(none\)/);
    });
});
