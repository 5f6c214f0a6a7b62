import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
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
            /^Setting the retention of \/subscriptions\/0{8}-0{4}-0{4}-0{4}-0{12}\/resourceGroups\/rg\/providers\/Microsoft.OperationalInsights\/workspaces\/ws\/tables\/AADProvisioningLogs failed before reaching ARM: ARM_USE_OIDC is true but no token is available/,
        );
    });

    it("refuses a retention decrease from the serialized table provider's check, as the engine calls it at preview", async () => {
        const table = { subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroupName: "rg", workspaceName: "ws", tableName: "AADProvisioningLogs", retentionInDays: 90, totalRetentionInDays: 730 };
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
