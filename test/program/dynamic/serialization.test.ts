import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createRegistrationProvider } from "../../../program/dynamic/resourceProviderRegistration";
import { createTableRetentionProvider } from "../../../program/dynamic/tableRetention";
import { PROJECT_DIR } from "../../../tools/stackFiles";
import { withTempDir } from "../../support/tempDir";

/**
 * Pulumi runs a dynamic provider from its serialized closure in another process. Serialize ours the
 * way `pulumi.dynamic.Resource` does, load the text in a fresh Node.js process, and call it.
 */
async function runSerialized(provider: pulumi.dynamic.ResourceProvider, script: string, env: Record<string, string> = {}): Promise<string> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return withTempDir((dir) => {
        const file = path.join(dir, "provider.js");
        fs.writeFileSync(file, serialized.text);
        // The provider host resolves packages from the program's node_modules; so does this process.
        return execFileSync(process.execPath, ["-e", `const p = require(${JSON.stringify(file)}).${serialized.exportName}(); ${script}`], {
            cwd: PROJECT_DIR,
            encoding: "utf8",
            env: { PATH: process.env.PATH, NODE_PATH: path.join(PROJECT_DIR, "node_modules"), ...env },
        });
    });
}

describe("the dynamic providers as Pulumi runs them", function () {
    this.timeout(120_000);

    it("loads the serialized registration provider in a fresh process and runs check and diff", async () => {
        const out = await runSerialized(
            createRegistrationProvider(),
            `(async () => {
                const check = await p.check({}, { subscriptionId: "x", namespace: "Microsoft.Insights" });
                const diff = await p.diff("id", { subscriptionId: "a", namespace: "Microsoft.Insights", timeoutMinutes: 20, registrationState: "Registered" },
                                                { subscriptionId: "a", namespace: "Microsoft.Insights", timeoutMinutes: 20 });
                console.log(JSON.stringify({ failures: check.failures, diff }));
            })()`,
        );
        assert.deepStrictEqual(JSON.parse(out), {
            failures: [{ property: "subscriptionId", reason: "must be a GUID (got x)" }],
            diff: { changes: false, replaces: [], deleteBeforeReplace: false },
        });
    });

    // OIDC without a token fails inside the credential set-up, before any network call (no IMDS probe).
    it("reaches the credential code from the serialized table provider, and fails clearly without a token", async () => {
        const out = await runSerialized(
            createTableRetentionProvider(),
            `p.create({ subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroupName: "rg", workspaceName: "ws",
                        tableName: "AADProvisioningLogs", retentionInDays: 30, totalRetentionInDays: 30 })
               .then(() => console.log("created?"), (e) => console.log(e.message.split("\\n")[0]));`,
            { ARM_USE_OIDC: "true", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c" },
        );
        assert.match(
            out,
            /^Setting the retention of \/subscriptions\/0{8}-0{4}-0{4}-0{4}-0{12}\/resourceGroups\/rg\/providers\/Microsoft.OperationalInsights\/workspaces\/ws\/tables\/AADProvisioningLogs failed before reaching ARM: ARM_USE_OIDC is true but no OIDC token is available/,
        );
    });

    // What `configure` gets is the stack's config as the engine hands it over, secrets decrypted, values typed.
    it("authenticates with the stack's azure-native config that configure hands it, over the process's variables", async () => {
        const stackConfig = {
            "entra-provisioning-logs:tenantId": "t",
            "azure-native:tenantId": "t",
            "azure-native:clientId": "c",
            "azure-native:clientCertificatePath": "/nonexistent/sp.pem",
        };
        const out = await runSerialized(
            createTableRetentionProvider(),
            `const config = ${JSON.stringify(stackConfig)};
             p.configure({ config: { get: (key) => config[key] } })
               .then(() => p.create({ subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroupName: "rg", workspaceName: "ws",
                                       tableName: "AADProvisioningLogs", retentionInDays: 30, totalRetentionInDays: 30 }))
               .then(() => console.log("created?"), (e) => console.log(e.message.split("\\n")[0]));`,
            // Lower in the provider's order than a certificate: not used.
            { ARM_USE_OIDC: "true", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c" },
        );
        assert.match(
            out,
            /failed before reaching ARM: azure-native:clientCertificatePath names \/nonexistent\/sp\.pem, which can't be read \(ENOENT\)$/m,
        );
    });

    it("reads the cloud from the configured azure-native:environment", async () => {
        const out = await runSerialized(
            createRegistrationProvider(),
            `p.configure({ config: { get: (key) => ({ "azure-native:environment": "mars" })[key] } })
               .then(() => p.create({ subscriptionId: "00000000-0000-0000-0000-000000000000", namespace: "Microsoft.Insights", timeoutMinutes: 1 }))
               .then(() => console.log("created?"), (e) => console.log(e.message.split("\\n")[0]));`,
        );
        assert.strictEqual(
            out.trim(),
            'azure-native:environment must be public, usgovernment or china (or an alias the azure-native provider accepts: public, azurecloud, china, azurechinacloud, usgov, usgovernment, azureusgovernment, azureusgovernmentcloud, usgovernmentl4) (got "mars")',
        );
    });

    it("carries the azure-native provider's identity in its closure, and no secret", async () => {
        const identity = {
            tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
            clientId: "0a1b2c3d-0000-4000-8000-000000000001",
            objectId: "9f8e7d6c-0000-4000-8000-000000000002",
        };
        const serialized = await pulumi.runtime.serializeFunction(
            () => createTableRetentionProvider({ providerIdentity: Promise.resolve(identity) }),
            { allowSecrets: true },
        );
        assert.ok(serialized.text.includes(identity.objectId), "the captured identity is in the closure");
        assert.strictEqual(serialized.containsSecrets, false);
    });

    it("refuses a retention decrease from the serialized table provider's check, as the engine calls it at preview", async () => {
        const table = {
            subscriptionId: "00000000-0000-0000-0000-000000000000",
            resourceGroupName: "rg",
            workspaceName: "ws",
            tableName: "AADProvisioningLogs",
            retentionInDays: 90,
            totalRetentionInDays: 730,
        };
        const out = await runSerialized(
            createTableRetentionProvider(),
            `p.check(${JSON.stringify(table)}, ${JSON.stringify({ ...table, totalRetentionInDays: 365 })}).then((r) => console.log(JSON.stringify(r.failures)));`,
        );
        assert.deepStrictEqual(JSON.parse(out), [
            {
                property: "totalRetentionInDays",
                reason:
                    "Lowering the retention of /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/tables/AADProvisioningLogs " +
                    "from 730 to 365 days deletes the older provisioning logs; set allowRetentionDecrease true for this run to do it on purpose",
            },
        ]);
    });
});
