import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    AZURE_NATIVE_SCHEMA_KEYS,
    azureNativeConfigProblems,
    checkAzureNativeConfig,
    type StackIds,
} from "../../program/azureNativeConfig";
import { ENCRYPTED_PLACEHOLDER } from "../../program/settingsValidation";

const TENANT = "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";
const SUBSCRIPTION = "0a1b2c3d-0000-4000-8000-000000000001";
const OTHER = "11111111-1111-1111-1111-111111111111";
const STACK: StackIds = { tenantId: TENANT, subscriptionId: SUBSCRIPTION };

/** The stack's azure-native config, qualified as Pulumi hands it over. */
const cfg = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`azure-native:${k}`, v]));

describe("checking the stack's azure-native settings", () => {
    it("knows the settings the installed @pulumi/azure-native declares, no more and no fewer", () => {
        const vars = fs.readFileSync(
            path.join(path.dirname(require.resolve("@pulumi/azure-native/package.json")), "config", "vars.d.ts"),
            "utf8",
        );
        const declared = [...vars.matchAll(/export declare const (\w+):/g)].map((m) => m[1]);
        assert.deepStrictEqual([...AZURE_NATIVE_SCHEMA_KEYS].sort(), declared.sort());
    });

    it("passes a stack that authenticates as the stack's own service principal, its secret encrypted", () => {
        const config = {
            ...cfg({
                tenantId: TENANT.toUpperCase(),
                subscriptionId: SUBSCRIPTION,
                clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                clientSecret: "s3cret",
                environment: "USGovernment",
                useMsi: "false",
                auxiliaryTenantIds: JSON.stringify([OTHER]),
                metadataHost: "management.usgovcloudapi.net",
                oidcAudience: "api://AzureADTokenExchangeUSGov",
                location: "usgovvirginia",
            }),
            "azuread:tenantId": TENANT,
            "pulumi:disable-default-providers": '["azuread"]',
            "entra-provisioning-logs:tenantId": TENANT,
        };
        assert.deepStrictEqual(azureNativeConfigProblems(config, ["azure-native:clientSecret"], STACK), []);
        checkAzureNativeConfig(config, ["azure-native:clientSecret"], STACK);
    });

    // [what, the whole stack config, the keys set as secrets (undefined: unknown), the problems]
    const cases: Array<[string, Record<string, string>, readonly string[] | undefined, string[]]> = [
        [
            "a namespace one letter off, which the provider never reads",
            { "azure-natve:environment": "usgovernment" },
            [],
            [
                "`azure-natve:environment` is in namespace azure-natve, not azure-native, so the azure-native provider never reads it (did you mean `azure-native:environment`?)",
            ],
        ],
        [
            "a namespace without its hyphen, or with an underscore, or in capitals, with the key corrected too",
            { "azurenative:enviroment": "china", "azure_native:clientId": OTHER, "Azure-Native:tenantId": TENANT },
            [],
            [
                "`azurenative:enviroment` is in namespace azurenative, not azure-native, so the azure-native provider never reads it (did you mean `azure-native:environment`?)",
                "`azure_native:clientId` is in namespace azure_native, not azure-native, so the azure-native provider never reads it (did you mean `azure-native:clientId`?)",
                "`Azure-Native:tenantId` is in namespace Azure-Native, not azure-native, so the azure-native provider never reads it (did you mean `azure-native:tenantId`?)",
            ],
        ],
        [
            "the classic Azure provider's namespace",
            { "azure:environment": "usgovernment" },
            [],
            [
                "`azure:environment` is in namespace azure, the classic Azure provider's, which this project doesn't use, so the azure-native provider never reads it (did you mean `azure-native:environment`?)",
            ],
        ],
        [
            "a key that is none of the provider's settings, with the closest",
            cfg({ enviroment: "usgovernment", subscription: SUBSCRIPTION, pulumiPartnerName: "x" }),
            [],
            [
                "`azure-native:enviroment` is not a setting of the azure-native provider, which never reads it (did you mean `azure-native:environment`?); " +
                    "its settings are listed at https://www.pulumi.com/registry/packages/azure-native/installation-configuration/",
                "`azure-native:subscription` is not a setting of the azure-native provider, which never reads it (did you mean `azure-native:subscriptionId`?); " +
                    "its settings are listed at https://www.pulumi.com/registry/packages/azure-native/installation-configuration/",
                "`azure-native:pulumiPartnerName` is not a setting of the azure-native provider, which never reads it; " +
                    "its settings are listed at https://www.pulumi.com/registry/packages/azure-native/installation-configuration/",
            ],
        ],
        [
            "IDs that are not GUIDs",
            cfg({ clientId: "my-app", tenantId: "contoso.onmicrosoft.com", subscriptionId: `${SUBSCRIPTION} `, partnerId: "pid-1" }),
            [],
            [
                '`azure-native:clientId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "my-app")',
                '`azure-native:partnerId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "pid-1")',
                `\`azure-native:subscriptionId\` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "${SUBSCRIPTION} ")`,
                '`azure-native:tenantId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "contoso.onmicrosoft.com")',
            ],
        ],
        [
            "an ID set as a secret, without echoing it",
            cfg({ clientId: "my-app" }),
            ["azure-native:clientId"],
            ["`azure-native:clientId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (value hidden)"],
        ],
        [
            "auxiliary tenants that are not a list of GUIDs",
            { ...cfg({ auxiliaryTenantIds: OTHER }), "azure-natve:x": "" },
            [],
            [
                "`azure-natve:x` is in namespace azure-natve, not azure-native, so the azure-native provider never reads it (did you mean `azure-native:x`?)",
                `\`azure-native:auxiliaryTenantIds\` must be a list of tenant GUIDs, which the provider reads as JSON (["72f988bf-86f1-41af-91ab-2d7cd011db47"]) (got "${OTHER}")`,
            ],
        ],
        [
            "an auxiliary tenant that is not a GUID, by its index",
            cfg({ auxiliaryTenantIds: JSON.stringify([OTHER, "fabrikam", 7]) }),
            [],
            [
                '`azure-native:auxiliaryTenantIds[1]` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "fabrikam")',
                "`azure-native:auxiliaryTenantIds[2]` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got 7)",
            ],
        ],
        [
            "flags that the provider would read as false",
            cfg({
                useMsi: "True",
                useOidc: "yes",
                useDefaultAzureCredential: "1",
                disableInstanceDiscovery: "false",
                disablePulumiPartnerId: "on",
            }),
            [],
            [
                '`azure-native:disablePulumiPartnerId` must be true or false: the azure-native provider reads anything but true as false (got "on")',
                '`azure-native:useDefaultAzureCredential` must be true or false: the azure-native provider reads anything but true as false (got "1")',
                '`azure-native:useMsi` must be true or false: the azure-native provider reads anything but true as false (got "True")',
                '`azure-native:useOidc` must be true or false: the azure-native provider reads anything but true as false (got "yes")',
            ],
        ],
        [
            "a cloud the provider doesn't know",
            cfg({ environment: "usgovermnent" }),
            [],
            [
                "`azure-native:environment` must be public, usgovernment or china (or an alias the azure-native provider accepts: public, azurecloud, china, azurechinacloud, " +
                    'usgov, usgovernment, azureusgovernment, azureusgovernmentcloud, usgovernmentl4) (got "usgovermnent")',
            ],
        ],
        [
            "a metadata host given as a plain-http URL",
            cfg({ metadataHost: "http://management.azure.com" }),
            [],
            [
                "`azure-native:metadataHost` must be the host name of an Azure Resource Manager, such as management.azure.com, or its https:// URL " +
                    '(got "http://management.azure.com")',
            ],
        ],
        [
            "credentials in plain text, without echoing them",
            cfg({ clientSecret: "s3cret", clientCertificatePassword: "pw", oidcToken: "jwt", oidcRequestToken: "gh" }),
            ["azure-native:oidcToken"],
            [
                "`azure-native:clientSecret` holds credentials, so it must be set with `pulumi config set --secret azure-native:clientSecret '<value>'`: it is plain text in the stack file (value hidden)",
                "`azure-native:clientCertificatePassword` holds credentials, so it must be set with `pulumi config set --secret azure-native:clientCertificatePassword '<value>'`: " +
                    "it is plain text in the stack file (value hidden)",
                "`azure-native:oidcRequestToken` holds credentials, so it must be set with `pulumi config set --secret azure-native:oidcRequestToken '<value>'`: " +
                    "it is plain text in the stack file (value hidden)",
            ],
        ],
        ["nothing for being plain text when the secret keys are unknown", cfg({ clientSecret: "s3cret" }), undefined, []],
        [
            "a tenant and a subscription other than the stack's own",
            cfg({ tenantId: OTHER, subscriptionId: OTHER }),
            [],
            [
                `\`azure-native:tenantId\` must be the stack's own \`tenantId\` (${TENANT}), or the azure-native provider works in another tenant than this stack configures (got "${OTHER}")`,
                `\`azure-native:subscriptionId\` must be the stack's own \`subscriptionId\` (${SUBSCRIPTION}), or the azure-native provider works in another subscription than this stack configures (got "${OTHER}")`,
            ],
        ],
        [
            "nothing for empty values, which the provider reads as unset, nor for values the offline tools can't decrypt",
            cfg({ clientId: "", useMsi: "", environment: "", tenantId: ENCRYPTED_PLACEHOLDER, clientSecret: ENCRYPTED_PLACEHOLDER }),
            [],
            [],
        ],
    ];
    for (const [what, config, secretKeys, problems] of cases) {
        it(`finds ${what}`, () => {
            assert.deepStrictEqual(azureNativeConfigProblems(config, secretKeys, STACK), problems);
        });
    }

    it("passes other providers' namespaces and the project's own, which are checked elsewhere", () => {
        assert.deepStrictEqual(
            azureNativeConfigProblems(
                {
                    "azuread:tenantId": TENANT,
                    "pulumi:tags": "{}",
                    "entra-provisioning-log:location": "westeurope",
                    "azuredevops:orgServiceUrl": "x",
                    noNamespace: "x",
                },
                [],
                STACK,
            ),
            [],
        );
    });

    it("refuses in one line, the first problem and how many more", () => {
        assert.throws(
            () =>
                checkAzureNativeConfig(
                    { "azure-natve:environment": "usgovernment", ...cfg({ useMsi: "True", tenantId: OTHER }) },
                    [],
                    STACK,
                ),
            {
                name: "ConfigError",
                message:
                    "`azure-natve:environment` is in namespace azure-natve, not azure-native, so the azure-native provider never reads it (did you mean `azure-native:environment`?) " +
                    "(and 2 more problems)",
            },
        );
        assert.throws(() => checkAzureNativeConfig(cfg({ useMsi: "True" }), [], STACK), {
            name: "ConfigError",
            message: '`azure-native:useMsi` must be true or false: the azure-native provider reads anything but true as false (got "True")',
        });
    });
});
