import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as identity from "@azure/identity";
import {
    chooseCredential,
    type CredentialChoice,
    clientCertificatePem,
    createCredential,
    identityMismatch,
    type ProviderIdentity,
    rc2CbcDecrypt,
    tokenIdentity,
} from "../../../components/azure/credential";
import type { Env } from "../../../components/azure/providerConfig";
import { withTempDir } from "../../support/tempDir";

/** The stack's azure-native config, qualified as Pulumi hands it over. */
const cfg = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`azure-native:${k}`, v]));

const CONFIG_IDS = cfg({ tenantId: "t-config", clientId: "c-config" });

/** A file shaped like a PEM certificate with its key; @azure/identity reads it at the first token. */
const FAKE_PEM =
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
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

    it("logs in with a PEM certificate and its unencrypted key", () =>
        withTempDir((dir) => {
            const file = path.join(dir, "sp.pem");
            fs.writeFileSync(file, FAKE_PEM);
            const credential = build({ ...CONFIG_IDS, ...cfg({ clientCertificatePath: file }) });
            assert.ok(credential instanceof identity.ClientCertificateCredential);
        }));

    it("names a certificate file that can't be read", () =>
        withTempDir((dir) => {
            const file = path.join(dir, "missing.pem");
            assert.throws(() => build({ ...CONFIG_IDS, ...cfg({ clientCertificatePath: file }) }), {
                message: `azure-native:clientCertificatePath names ${file}, which can't be read (ENOENT)`,
            });
        }));
});

describe("reading a client certificate as the azure-native provider reads it", () => {
    // Certificates and PFX files made by OpenSSL, the way users make them, in a folder removed afterwards.
    let dir: string;
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    /** A PFX of sp.pem and sp.key (and `extra` arguments), as `openssl pkcs12 -export` writes it. */
    const pfx = (name: string, password: string, ...extra: string[]) => {
        const args = ["pkcs12", "-export", "-in", "sp.pem", "-inkey", "sp.key", "-out", name, "-passout", `pass:${password}`, ...extra];
        try {
            openssl(...args, "-legacy"); // OpenSSL 3 needs its legacy provider for RC2; 1.1 writes these without the flag
        } catch {
            openssl(...args);
        }
    };
    const read = (name: string, password?: string) =>
        clientCertificatePem(fs.readFileSync(file(name)), {
            path: file(name),
            from: "ARM_CLIENT_CERTIFICATE_PATH",
            ...(password === undefined ? {} : { password: { value: password, from: "azure-native:clientCertificatePassword" } }),
        });
    const der = (pem: string) => crypto.createPrivateKey(pem).export({ type: "pkcs8", format: "der" });

    before(function () {
        this.timeout(60_000);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-test-"));
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "sp.key", "-out", "sp.pem", "-subj", "/CN=sp", "-days", "2");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=ca", "-days", "2");
        openssl(
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ec.key",
            "-out",
            "ec.pem",
            "-subj",
            "/CN=ec",
            "-days",
            "2",
        );
        const legacy = ["-certpbe", "PBE-SHA1-RC2-40", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"];
        pfx("legacy.pfx", "pa55 wörd", ...legacy);
        pfx("windows.pfx", "pw", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1");
        pfx("nopassword.pfx", "", ...legacy);
        pfx("chain.pfx", "pw", "-certfile", "ca.pem", ...legacy);
        pfx("openssl3.pfx", "pw", "-certpbe", "AES-256-CBC", "-keypbe", "AES-256-CBC", "-macalg", "sha256");
        pfx("aes.pfx", "pw", "-certpbe", "AES-256-CBC", "-keypbe", "AES-256-CBC", "-macalg", "sha1");
        openssl("pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec.key", "-out", "ec.pfx", "-passout", "pass:pw", ...legacy, "-legacy");
        fs.writeFileSync(file("garbage.pfx"), "not a certificate");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    // [what, file, password, certificates expected in order]
    const readable: Array<[string, string, string | undefined, string[]]> = [
        [
            "a PFX as OpenSSL's -legacy writes it (RC2 certificates, 3DES key, SHA-1 MAC), its password in UTF-16",
            "legacy.pfx",
            "pa55 wörd",
            ["sp.pem"],
        ],
        ["a PFX as Windows exports it (TripleDES-SHA1)", "windows.pfx", "pw", ["sp.pem"]],
        ["a PFX without a password", "nopassword.pfx", undefined, ["sp.pem"]],
        ["a PFX with its CA, the key's certificate first", "chain.pfx", "pw", ["sp.pem", "ca.pem"]],
    ];
    for (const [what, name, password, certificates] of readable) {
        it(`turns ${what} into the PEM @azure/identity reads`, () => {
            const pem = read(name, password);
            const found = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? [];
            assert.deepStrictEqual(
                found.map((c) => new crypto.X509Certificate(c).fingerprint256),
                certificates.map((c) => new crypto.X509Certificate(fs.readFileSync(file(c))).fingerprint256),
            );
            assert.ok(der(pem).equals(der(fs.readFileSync(file("sp.key"), "utf8"))));
            assert.ok(!pem.includes("ENCRYPTED"));
        });
    }

    it("logs in with a PFX named in the stack's config, its password from the environment", () => {
        const credential = createCredential({
            config: { ...CONFIG_IDS, ...cfg({ clientCertificatePath: file("windows.pfx") }) },
            env: { ARM_CLIENT_CERTIFICATE_PASSWORD: "pw" },
        });
        assert.ok(credential instanceof identity.ClientCertificateCredential);
    });

    const convert = (name: string) =>
        `convert it to PEM (openssl pkcs12 -in ${file(name)} -out <file>.pem -nodes), point ARM_CLIENT_CERTIFICATE_PATH at the PEM and unset the certificate password, ` +
        "or export it again with openssl pkcs12 -export -legacy";
    // [what, file, password, message]
    const refused: Array<[string, string, string | undefined, () => string]> = [
        [
            "a PFX with OpenSSL 3's default SHA-256 MAC, which the provider can't read",
            "openssl3.pfx",
            "pw",
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("openssl3.pfx")}, a PFX with a MAC of SHA-256 (OpenSSL 3's default), which the azure-native provider can't read ` +
                `(it reads a SHA-1 MAC and 3DES or RC2 encryption, as OpenSSL's -legacy and Windows' TripleDES-SHA1 export write them): ${convert("openssl3.pfx")}`,
        ],
        [
            "a PFX encrypted with AES, which the provider can't read",
            "aes.pfx",
            "pw",
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("aes.pfx")}, a PFX whose certificates are encrypted with PBES2 (AES, OpenSSL 3's default), which the azure-native provider ` +
                `can't read (it reads a SHA-1 MAC and 3DES or RC2 encryption, as OpenSSL's -legacy and Windows' TripleDES-SHA1 export write them): ${convert("aes.pfx")}`,
        ],
        [
            "a wrong password",
            "legacy.pfx",
            "password",
            () =>
                `azure-native:clientCertificatePassword does not open ${file("legacy.pfx")}, the PFX ARM_CLIENT_CERTIFICATE_PATH names (its integrity check fails): ` +
                "set it to the PFX's password",
        ],
        [
            "a missing password",
            "legacy.pfx",
            undefined,
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("legacy.pfx")}, a PFX with a password: set azure-native:clientCertificatePassword (pulumi config set --secret) ` +
                "or ARM_CLIENT_CERTIFICATE_PASSWORD",
        ],
        [
            "a PFX with an EC key, which the provider's MSAL can't sign with",
            "ec.pfx",
            "pw",
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("ec.pfx")}, a PFX the azure-native provider can't sign in with: its private key is EC, not RSA`,
        ],
        [
            "a file that is neither PEM nor PFX",
            "garbage.pfx",
            undefined,
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("garbage.pfx")}, which is neither PEM nor a PFX (PKCS#12) file (DER tag 0x6e where 0x30 belongs)`,
        ],
        [
            "a PEM file with a password, which the provider reads only as PFX",
            "sp.pem",
            "pw",
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("sp.pem")}, a PEM file, but azure-native:clientCertificatePassword is set: the azure-native provider then reads ` +
                "the file only as PFX (PKCS#12), and can't decrypt PEM keys. Unset azure-native:clientCertificatePassword and give the key unencrypted " +
                "(openssl pkey -in <key> -out <file>.pem), or give a PFX",
        ],
        [
            "a PEM file without its key",
            "ca.pem",
            undefined,
            () =>
                `ARM_CLIENT_CERTIFICATE_PATH names ${file("ca.pem")}, a PEM file without an unencrypted private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY), ` +
                "which the azure-native provider needs: put the certificate and its unencrypted key in the one file",
        ],
    ];
    for (const [what, name, password, message] of refused) {
        it(`refuses ${what}, in one line saying what to do`, () => {
            assert.throws(() => read(name, password), { name: "CredentialSettingsError", message: message() });
        });
    }

    // RFC 2268, section 5: [key, effective key bits, plaintext, ciphertext], one block each.
    const vectors: Array<[string, number, string, string]> = [
        ["0000000000000000", 63, "0000000000000000", "ebb773f993278eff"],
        ["ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"],
        ["3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"],
        ["88", 64, "0000000000000000", "61a8a244adacccf0"],
        ["88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"],
        ["88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"],
        ["88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"],
    ];
    for (const [key, bits, plaintext, ciphertext] of vectors) {
        it(`decrypts RC2 as RFC 2268 does: key ${key}, ${bits} effective bits`, () => {
            const hex = (h: string) => Buffer.from(h, "hex");
            assert.strictEqual(rc2CbcDecrypt(hex(key), bits, Buffer.alloc(8), hex(ciphertext)).toString("hex"), plaintext);
        });
    }
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
