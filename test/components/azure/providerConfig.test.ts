import * as assert from "node:assert";
import { azureNativeConfig, providerFlag, providerSetting } from "../../../components/azure/providerConfig";

const TENANT = "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";

/** The stack's azure-native config, qualified as Pulumi hands it over. */
const cfg = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`azure-native:${k}`, v]));

describe("the azure-native provider's settings, as the program reads them", () => {
    it("takes the stack's config over the variable, and a configured empty value as unset", () => {
        assert.deepStrictEqual(
            providerSetting({ config: cfg({ clientId: "c" }), env: { ARM_CLIENT_ID: "e" } }, "clientId", "ARM_CLIENT_ID"),
            {
                value: "c",
                from: "azure-native:clientId",
            },
        );
        assert.deepStrictEqual(providerSetting({ env: { ARM_CLIENT_ID: "e" } }, "clientId", "ARM_CLIENT_ID"), {
            value: "e",
            from: "ARM_CLIENT_ID",
        });
        assert.strictEqual(
            providerSetting({ config: cfg({ clientId: "" }), env: { ARM_CLIENT_ID: "e" } }, "clientId", "ARM_CLIENT_ID"),
            undefined,
        );
    });

    it("reads a flag as true only when it is exactly true", () => {
        assert.strictEqual(providerFlag({ env: { ARM_USE_MSI: "True" } }, "useMsi", "ARM_USE_MSI"), undefined);
        assert.deepStrictEqual(providerFlag({ env: { ARM_USE_MSI: "true" } }, "useMsi", "ARM_USE_MSI"), {
            value: "true",
            from: "ARM_USE_MSI",
        });
    });

    it("keeps only the provider's keys of the config a dynamic provider gets, typed values as text", () => {
        const all: Record<string, unknown> = {
            "azure-native:useOidc": true,
            "azure-native:metadataHost": "management.azure.com",
            "azure-native:location": "westeurope",
            "entra-provisioning-logs:tenantId": TENANT,
        };
        assert.deepStrictEqual(azureNativeConfig({ get: (key) => all[key] }), {
            "azure-native:useOidc": "true",
            "azure-native:metadataHost": "management.azure.com",
        });
        assert.deepStrictEqual(azureNativeConfig(undefined), {});
    });
});
