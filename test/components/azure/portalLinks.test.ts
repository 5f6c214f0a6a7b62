import * as assert from "node:assert";
import * as path from "node:path";
import { type Evaluation, evaluate } from "../../../tools/offline/recorder";

/** A program that builds the alerts, workbooks and dashboard components, with `portalUrl` when given. */
const PROGRAM = path.join(__dirname, "fixtures", "portal-links");
const TENANT = "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";
/** The recorder's fake IDs put resources in the all-zero subscription when the program sets none. */
const RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-links";

/** The provisioning-logs link of every alert rule. */
function alertLinks(e: Evaluation): string[] {
    return e.resources
        .filter((r) => r.type === "azure-native:monitor:ScheduledQueryRule")
        .map(
            (r) => (r.inputs as { actions: { customProperties: { provisioningLogs: string } } }).actions.customProperties.provisioningLogs,
        );
}

describe("portal links of the components", () => {
    let publicCloud: Evaluation;
    let government: Evaluation;
    before(async () => {
        publicCloud = await evaluate("links", {}, { programDir: PROGRAM });
        government = await evaluate("links", { "portal-links:portalUrl": "https://portal.azure.us/" }, { programDir: PROGRAM });
    });

    it("link to the public portal by default, as they always have", () => {
        const links = alertLinks(publicCloud);
        assert.ok(links.length > 0);
        assert.deepStrictEqual(
            [...new Set(links)],
            ["https://portal.azure.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents"],
        );
        assert.deepStrictEqual(publicCloud.outputs, {
            workbookUrls: {
                "provisioning-overview": `https://portal.azure.com/#@${TENANT}/resource${RG}/providers/microsoft.insights/workbooks/${workbookName(publicCloud, "provisioning-overview")}/workbook`,
                "identity-troubleshooting": `https://portal.azure.com/#@${TENANT}/resource${RG}/providers/microsoft.insights/workbooks/${workbookName(publicCloud, "identity-troubleshooting")}/workbook`,
            },
            dashboardUrl: `https://portal.azure.com/#@${TENANT}/dashboard/arm${RG}/providers/Microsoft.Portal/dashboards/links`,
        });
    });

    it("link to the portal given, here Azure Government's, and to no other", () => {
        assert.deepStrictEqual(
            [...new Set(alertLinks(government))],
            ["https://portal.azure.us/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents"],
        );
        assert.deepStrictEqual(government.outputs, {
            workbookUrls: {
                "provisioning-overview": `https://portal.azure.us/#@${TENANT}/resource${RG}/providers/microsoft.insights/workbooks/${workbookName(government, "provisioning-overview")}/workbook`,
                "identity-troubleshooting": `https://portal.azure.us/#@${TENANT}/resource${RG}/providers/microsoft.insights/workbooks/${workbookName(government, "identity-troubleshooting")}/workbook`,
            },
            dashboardUrl: `https://portal.azure.us/#@${TENANT}/dashboard/arm${RG}/providers/Microsoft.Portal/dashboards/links`,
        });
        assert.ok(!JSON.stringify([government.resources, government.outputs]).includes("portal.azure.com"));
    });

    it("change no other input: only the links differ from the public cloud's", () => {
        const strip = (e: Evaluation) => JSON.stringify(e.resources).replace(/https:\/\/portal\.azure\.(com|us)/g, "<portal>");
        assert.strictEqual(strip(government), strip(publicCloud));
    });
});

/** A workbook's resource name (its GUID), as recorded. */
function workbookName(e: Evaluation, file: string): string {
    const workbook = e.resources.find((r) => r.type === "azure-native:applicationinsights:Workbook" && r.name.endsWith(`-${file}`));
    assert.ok(workbook, file);
    return String(workbook.inputs.resourceName);
}
