import * as assert from "node:assert";
import { type Evaluation, evaluate } from "../../../tools/offline/recorder";
import { projectName, readStackConfig } from "../../../tools/stackFiles";

/** Hosts of the public cloud that a Government stack must never plan with (components/azure/cloud.ts). */
const PUBLIC_HOSTS = ["portal.azure.com", "management.azure.com", "graph.microsoft.com", "api.loganalytics.io"];

/** A Government region. */
const GOVERNMENT_REGION = "usgovvirginia";

describe("a stack in Azure Government (azure-native:environment usgovernment)", () => {
    const project = projectName();
    let gov: Evaluation;
    let planned: string;

    before(async () => {
        // The dev stack, moved to Azure Government: the provider's config, and a Government region.
        const { config } = readStackConfig("dev");
        gov = await evaluate("dev", { ...config, "azure-native:environment": "usgovernment", [`${project}:location`]: GOVERNMENT_REGION });
        planned = JSON.stringify({ inputs: gov.resources.map((r) => r.inputs), outputs: gov.outputs });
    });

    it("plans with no public-cloud host in any input or output", () => {
        assert.deepStrictEqual(
            PUBLIC_HOSTS.filter((host) => planned.includes(host)),
            [],
            `public hosts in: ${gov.resources
                .filter((r) => PUBLIC_HOSTS.some((h) => JSON.stringify(r.inputs).includes(h)))
                .map((r) => r.urn)
                .join(", ")}`,
        );
    });

    it("links to the Government portal from the alerts, the outputs and the dashboard", () => {
        const rules = gov.resources.filter((r) => r.type === "azure-native:monitor:ScheduledQueryRule");
        assert.ok(rules.length > 0);
        for (const rule of rules) {
            const links = (rule.inputs as { actions: { customProperties: Record<string, string> } }).actions.customProperties;
            assert.strictEqual(
                links.provisioningLogs,
                "https://portal.azure.us/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents",
            );
            assert.match(links.workspaceLogs, /^https:\/\/portal\.azure\.us\/#@/);
        }
        assert.match(
            String(gov.outputs.logsPortalUrl),
            /^https:\/\/portal\.azure\.us\/#@3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f\/resource\/subscriptions\//,
        );
        assert.match(String(gov.outputs.dashboardUrl), /^https:\/\/portal\.azure\.us\//);
        for (const url of Object.values(gov.outputs.workbookUrls as Record<string, string>)) {
            assert.match(url, /^https:\/\/portal\.azure\.us\//);
        }
    });

    it("deploys to a Government region", () => {
        // Action groups are global resources: their location is "Global" in every cloud.
        const located = gov.resources
            .filter((r) => typeof r.inputs.location === "string" && r.type !== "azure-native:monitor:ActionGroup")
            .map((r) => r.inputs.location);
        assert.ok(located.length > 0);
        assert.deepStrictEqual([...new Set(located)], [GOVERNMENT_REGION]);
    });

    it("refuses a public-cloud region in one line naming the setting", async () => {
        const { config } = readStackConfig("dev");
        await assert.rejects(evaluate("dev", { ...config, "azure-native:environment": "usgovernment" }), {
            message: '`location` must be a region of Azure Government; westeurope is a region of the Azure public cloud (got "westeurope")',
        });
    });
});
