import * as assert from "assert";
import { chooseCredential } from "../../../program/azure/credential";

describe("choosing the credential the azure-native provider would use", () => {
    const ids = { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c" };

    it("uses the OIDC token CI hands over when ARM_USE_OIDC is true", () => {
        assert.deepStrictEqual(chooseCredential({ ...ids, ARM_USE_OIDC: "true", ARM_OIDC_TOKEN: "jwt" }), { kind: "oidc-token", tenantId: "t", clientId: "c" });
    });

    it("asks GitHub Actions for a token when only its request URL is there", () => {
        assert.deepStrictEqual(
            chooseCredential({ ...ids, ARM_USE_OIDC: "true", ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh/token", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "x" }),
            { kind: "oidc-request", tenantId: "t", clientId: "c", requestUrl: "https://gh/token" },
        );
    });

    it("fails clearly when OIDC is on but no token can be had", () => {
        assert.throws(() => chooseCredential({ ...ids, ARM_USE_OIDC: "true" }), {
            message:
                "ARM_USE_OIDC is true but no token is available: set ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, or run in GitHub Actions with `permissions: id-token: write`",
        });
    });

    it("uses a managed identity, user-assigned when ARM_CLIENT_ID is set", () => {
        assert.deepStrictEqual(chooseCredential({ ARM_USE_MSI: "true" }), { kind: "managed-identity" });
        assert.deepStrictEqual(chooseCredential({ ARM_USE_MSI: "true", ARM_CLIENT_ID: "c" }), { kind: "managed-identity", clientId: "c" });
    });

    it("uses a client secret when ARM_CLIENT_SECRET is set", () => {
        assert.deepStrictEqual(chooseCredential({ ...ids, ARM_CLIENT_SECRET: "s" }), { kind: "client-secret", tenantId: "t", clientId: "c" });
        assert.throws(() => chooseCredential({ ARM_CLIENT_SECRET: "s", ARM_CLIENT_ID: "c" }), { message: "ARM_TENANT_ID must be set when ARM_CLIENT_SECRET is set" });
    });

    it("falls back to @azure/identity's chain (AZURE_* variables, Azure CLI login) otherwise", () => {
        assert.deepStrictEqual(chooseCredential({ AZURE_CLIENT_ID: "c", ARM_USE_OIDC: "false" }), { kind: "default" });
    });
});
