import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProvisioningWorkbooks, type ProvisioningWorkbooksArgs } from "../../components/provisioningWorkbooks";
import { canonicalJson } from "../../components/support/canonicalJson";
import { type Built, componentMocks, inputsOf, resolved, SUBSCRIPTION, TENANT } from "../support/componentMocks";

/**
 * The contract of ProvisioningWorkbooks under `pulumi.runtime.setMocks`: every resource it registers,
 * with its parent and the inputs the engine receives, and the portal links it returns.
 */

const mocks = componentMocks();
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const COMPONENT = "entra-provisioning-logs:monitoring:ProvisioningWorkbooks";
const WORKBOOK = "azure-native:applicationinsights:Workbook";
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/RG-Audit/providers/Microsoft.OperationalInsights/workspaces/Log-Audit`;
/**
 * The workbooks' names for this identity: UUID v5 of the identity, so a change to the derivation
 * (which would replace every deployed workbook) shows here.
 */
const GUIDS = {
    "provisioning-overview": "b2579979-fbab-5fff-aa75-8d09afe730df",
    "identity-troubleshooting": "87a61004-ed8e-5919-ba0d-c063b645ad29",
};

const workbookFile = (file: string) =>
    JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "workbooks", `${file}.workbook.json`), "utf8"));

function minimalArgs(): ProvisioningWorkbooksArgs {
    return {
        identity: ["test", SUBSCRIPTION, "rg-audit", "log-audit"],
        resourceGroupName: "rg-audit",
        location: "westeurope",
        workspaceId: WORKSPACE_ID,
        tenantId: TENANT,
        auditLogsEnabled: false,
    };
}

function maximalArgs(): ProvisioningWorkbooksArgs {
    return { ...minimalArgs(), auditLogsEnabled: true, portalUrl: "https://portal.azure.us/", tags: { owner: "identity-team" } };
}

// ---------------------------------------------------------------------------------------------

describe("ProvisioningWorkbooks (contract under mocks)", () => {
    let minimal: Built<ProvisioningWorkbooks>;
    let maximal: Built<ProvisioningWorkbooks>;
    before(async () => {
        await mocks.use();
        minimal = await construct((opts) => new ProvisioningWorkbooks("workbooks", minimalArgs(), opts));
        maximal = await construct((opts) => new ProvisioningWorkbooks("workbooks", maximalArgs(), opts));
    });

    describe("children", () => {
        const expected = [
            [COMPONENT, "workbooks", undefined],
            [WORKBOOK, "workbooks-provisioning-overview", "workbooks"],
            [WORKBOOK, "workbooks-identity-troubleshooting", "workbooks"],
        ];

        it("registers one workbook per file in workbooks/, named after the component and parented to it, with the minimal args", () => {
            assert.deepStrictEqual(
                minimal.made.map((m) => [m.type, m.name, m.parent]),
                expected,
            );
        });

        it("makes the same children with every arg given", () => {
            assert.deepStrictEqual(
                maximal.made.map((m) => [m.type, m.name, m.parent]),
                expected,
            );
        });

        it("exposes the workbooks by file stem", () => {
            assert.deepStrictEqual(Object.keys(minimal.component.workbooks), ["provisioning-overview", "identity-troubleshooting"]);
        });
    });

    describe("inputs", () => {
        it("deploys the overview as a shared workbook named by a GUID of the identity, linked to the workspace's lower-case ID, without the AuditLogs tab", () => {
            const doc = workbookFile("provisioning-overview");
            const { serializedData, ...rest } = inputsOf(minimal.made, "workbooks-provisioning-overview");
            assert.deepStrictEqual(rest, {
                resourceName: GUIDS["provisioning-overview"],
                resourceGroupName: "rg-audit",
                location: "westeurope",
                kind: "shared",
                category: "workbook",
                displayName: "Entra provisioning: overview",
                sourceId: WORKSPACE_ID.toLowerCase(),
                version: "Notebook/1.0",
            });
            const tabs = doc.items.find((i: { name: string }) => i.name === "tabs");
            assert.strictEqual(
                serializedData,
                canonicalJson({
                    ...doc,
                    items: doc.items
                        .filter((i: { name: string }) => i.name !== "audit")
                        .map((i: { name: string }) =>
                            i === tabs
                                ? {
                                      ...tabs,
                                      content: {
                                          ...tabs.content,
                                          links: tabs.content.links.filter((l: { subTarget: string }) => l.subTarget !== "audit"),
                                      },
                                  }
                                : i,
                        ),
                    fallbackResourceIds: [WORKSPACE_ID],
                }),
            );
        });

        it("keeps the overview's AuditLogs section and its tab when AuditLogs reach the workspace", () => {
            const doc = workbookFile("provisioning-overview");
            assert.ok(
                doc.items.some((i: { name: string }) => i.name === "audit"),
                "the file has an audit section to leave out",
            );
            assert.strictEqual(
                inputsOf(maximal.made, "workbooks-provisioning-overview").serializedData,
                canonicalJson({ ...doc, fallbackResourceIds: [WORKSPACE_ID] }),
            );
        });

        it("deploys the troubleshooting workbook as it is in its file, linked to the workspace", () => {
            const { serializedData, ...rest } = inputsOf(minimal.made, "workbooks-identity-troubleshooting");
            assert.deepStrictEqual(rest, {
                resourceName: GUIDS["identity-troubleshooting"],
                resourceGroupName: "rg-audit",
                location: "westeurope",
                kind: "shared",
                category: "workbook",
                displayName: "Entra provisioning: troubleshoot a user or group",
                sourceId: WORKSPACE_ID.toLowerCase(),
                version: "Notebook/1.0",
            });
            assert.strictEqual(
                serializedData,
                canonicalJson({ ...workbookFile("identity-troubleshooting"), fallbackResourceIds: [WORKSPACE_ID] }),
            );
        });

        it("tags every workbook with the given tags", () => {
            for (const name of ["workbooks-provisioning-overview", "workbooks-identity-troubleshooting"]) {
                assert.deepStrictEqual(inputsOf(maximal.made, name).tags, { owner: "identity-team" }, name);
            }
        });

        it("names the workbooks after the identity alone: a component of another name deploys the same GUIDs", async () => {
            const other = await construct((opts) => new ProvisioningWorkbooks("other", minimalArgs(), opts));
            assert.deepStrictEqual(
                other.made.slice(1).map((m) => [m.name, m.inputs.resourceName]),
                [
                    ["other-provisioning-overview", GUIDS["provisioning-overview"]],
                    ["other-identity-troubleshooting", GUIDS["identity-troubleshooting"]],
                ],
            );
        });
    });

    describe("defaults", () => {
        it("links each workbook in the public cloud's portal when portalUrl is left out", async () => {
            assert.deepStrictEqual(
                {
                    overview: await resolved(minimal.component.urls["provisioning-overview"]),
                    troubleshooting: await resolved(minimal.component.urls["identity-troubleshooting"]),
                },
                {
                    overview: `https://portal.azure.com/#@${TENANT}/resourceworkbooks-provisioning-overview-id/workbook`,
                    troubleshooting: `https://portal.azure.com/#@${TENANT}/resourceworkbooks-identity-troubleshooting-id/workbook`,
                },
            );
        });

        it("links each workbook in the given portal, without its trailing slash", async () => {
            assert.strictEqual(
                await resolved(maximal.component.urls["provisioning-overview"]),
                `https://portal.azure.us/#@${TENANT}/resourceworkbooks-provisioning-overview-id/workbook`,
            );
        });

        it("sends no tags when none are given", () => {
            for (const name of ["workbooks-provisioning-overview", "workbooks-identity-troubleshooting"]) {
                assert.strictEqual("tags" in inputsOf(minimal.made, name), false, name);
            }
        });
    });
});
