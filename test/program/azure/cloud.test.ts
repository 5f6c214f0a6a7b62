import * as assert from "node:assert";
import {
    AZURE_CLOUDS,
    type AzureCloud,
    chooseCloud,
    CLOUDS,
    ENVIRONMENT_NAMES,
    PUBLIC_PORTAL,
    scopeOf,
} from "../../../program/azure/cloud";
import { CLOUD_NAMES, regionsOf, validateRegion } from "../../../program/regions";
import { ConfigError } from "../../../program/settingsValidation";

describe("the Azure clouds", () => {
    it("has every host of each cloud, as Microsoft documents them", () => {
        assert.deepStrictEqual(CLOUDS, {
            AzureCloud: {
                name: "AzureCloud",
                displayName: "the Azure public cloud",
                resourceManager: "https://management.azure.com",
                authorityHost: "https://login.microsoftonline.com",
                logsQuery: "https://api.loganalytics.io",
                microsoftGraph: "https://graph.microsoft.com",
                portal: "https://portal.azure.com",
            },
            AzureUSGovernment: {
                name: "AzureUSGovernment",
                displayName: "Azure Government",
                resourceManager: "https://management.usgovcloudapi.net",
                authorityHost: "https://login.microsoftonline.us",
                logsQuery: "https://api.loganalytics.us",
                microsoftGraph: "https://graph.microsoft.us",
                portal: "https://portal.azure.us",
            },
            AzureChinaCloud: {
                name: "AzureChinaCloud",
                displayName: "Azure operated by 21Vianet (China)",
                resourceManager: "https://management.chinacloudapi.cn",
                authorityHost: "https://login.chinacloudapi.cn",
                logsQuery: "https://api.loganalytics.azure.cn",
                microsoftGraph: "https://microsoftgraph.chinacloudapi.cn",
                portal: "https://portal.azure.cn",
            },
        });
        assert.strictEqual(PUBLIC_PORTAL, "https://portal.azure.com");
        assert.deepStrictEqual(Object.keys(CLOUDS), [...AZURE_CLOUDS]);
    });

    it("never sends a sovereign cloud's calls or links to a public-cloud host", () => {
        const publicHosts = Object.entries(CLOUDS.AzureCloud)
            .filter(([key]) => !["name", "displayName"].includes(key))
            .map(([, url]) => new URL(url).host);
        for (const cloud of ["AzureUSGovernment", "AzureChinaCloud"] as const) {
            const hosts = Object.entries(CLOUDS[cloud])
                .filter(([key]) => !["name", "displayName"].includes(key))
                .map(([, url]) => new URL(url).host);
            assert.deepStrictEqual(
                hosts.filter((h) => publicHosts.includes(h)),
                [],
                cloud,
            );
        }
    });

    it("names a token's scope from the resource's origin", () => {
        assert.strictEqual(scopeOf("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default");
        assert.strictEqual(scopeOf("https://graph.microsoft.us/"), "https://graph.microsoft.us/.default");
    });

    it("uses the region names and display names of the same clouds for messages", () => {
        for (const cloud of AZURE_CLOUDS) {
            assert.strictEqual(CLOUD_NAMES[cloud], CLOUDS[cloud].displayName);
        }
    });
});

describe("choosing the cloud the azure-native provider deploys to", () => {
    const cases: Array<[string, Record<string, string>, Record<string, string>, AzureCloud]> = [
        ["the public cloud when nothing is set", {}, {}, "AzureCloud"],
        ["azure-native:environment", { "azure-native:environment": "usgovernment" }, {}, "AzureUSGovernment"],
        [
            "azure-native:environment over ARM_ENVIRONMENT",
            { "azure-native:environment": "china" },
            { ARM_ENVIRONMENT: "usgovernment" },
            "AzureChinaCloud",
        ],
        ["ARM_ENVIRONMENT", {}, { ARM_ENVIRONMENT: "usgovernment" }, "AzureUSGovernment"],
        ["ARM_ENVIRONMENT over AZURE_ENVIRONMENT", {}, { ARM_ENVIRONMENT: "china", AZURE_ENVIRONMENT: "usgovernment" }, "AzureChinaCloud"],
        ["AZURE_ENVIRONMENT when it is the only one", {}, { AZURE_ENVIRONMENT: "AzureUSGovernment" }, "AzureUSGovernment"],
        [
            "the public cloud for a configured empty value, whatever the variables say",
            { "azure-native:environment": "" },
            { ARM_ENVIRONMENT: "usgovernment" },
            "AzureCloud",
        ],
        ["any letter case", { "azure-native:environment": "USGovernment" }, {}, "AzureUSGovernment"],
    ];
    for (const [what, config, env, cloud] of cases) {
        it(`reads ${what}`, () => {
            assert.strictEqual(chooseCloud({ config, env }), cloud);
        });
    }

    it("accepts the provider's aliases", () => {
        assert.deepStrictEqual(
            Object.fromEntries(
                Object.keys(ENVIRONMENT_NAMES).map((name) => [name, chooseCloud({ config: { "azure-native:environment": name } })]),
            ),
            {
                public: "AzureCloud",
                azurecloud: "AzureCloud",
                china: "AzureChinaCloud",
                azurechinacloud: "AzureChinaCloud",
                usgov: "AzureUSGovernment",
                usgovernment: "AzureUSGovernment",
                azureusgovernment: "AzureUSGovernment",
                azureusgovernmentcloud: "AzureUSGovernment",
                usgovernmentl4: "AzureUSGovernment",
            },
        );
    });

    it("refuses a name the provider does not know, where the provider would quietly use the public cloud", () => {
        assert.throws(() => chooseCloud({ env: { ARM_ENVIRONMENT: "usgovermnent" } }), {
            message:
                'ARM_ENVIRONMENT must be public, usgovernment or china (or an alias the azure-native provider accepts: public, azurecloud, china, azurechinacloud, usgov, usgovernment, azureusgovernment, azureusgovernmentcloud, usgovernmentl4) (got "usgovermnent")',
        });
    });

    it("refuses a private cloud's endpoints, which it can't follow", () => {
        assert.throws(() => chooseCloud({ config: { "azure-native:metadataHost": "management.azurestack.local" } }), {
            message:
                "azure-native:metadataHost is set (management.azurestack.local): the azure-native provider then uses that private cloud's endpoints, which the program's own Azure calls can't follow; " +
                "use azure-native:environment (public, usgovernment or china) instead",
        });
    });
});

describe("a region of the stack's cloud", () => {
    it("passes a region of the cloud", () => {
        validateRegion("usgovvirginia", "AzureUSGovernment");
        validateRegion("chinanorth3", "AzureChinaCloud");
        validateRegion("westeurope", "AzureCloud");
    });

    it("refuses a region of another cloud in one line naming the setting and both clouds", () => {
        assert.throws(
            () => validateRegion("westeurope", "AzureUSGovernment"),
            (e: Error) =>
                e instanceof ConfigError &&
                e.message ===
                    '`location` must be a region of Azure Government; westeurope is a region of the Azure public cloud (got "westeurope")',
        );
        assert.throws(() => validateRegion("usgovvirgina", "AzureUSGovernment"), {
            message: '`location` must be the name of a region of Azure Government; did you mean usgovvirginia? (got "usgovvirgina")',
        });
    });

    it("knows the Government regions", () => {
        assert.ok(regionsOf("AzureUSGovernment").some((r) => r.name === "usgovvirginia"));
    });
});
