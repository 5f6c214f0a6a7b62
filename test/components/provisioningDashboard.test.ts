import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ProvisioningDashboard, type ProvisioningDashboardArgs } from "../../components/provisioningDashboard";
import { type Built, componentMocks, inputsOf, resolved, SUBSCRIPTION, TENANT } from "../support/componentMocks";

/**
 * The contract of ProvisioningDashboard under `pulumi.runtime.setMocks`: the dashboard it registers,
 * with its parent and the inputs the engine receives, and the portal link it returns.
 */

const mocks = componentMocks();
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const COMPONENT = "entra-provisioning-logs:monitoring:ProvisioningDashboard";
const DASHBOARD = "azure-native:portal:Dashboard";
const LOGS_PART = "Extension/Microsoft_OperationsManagementSuite_Workspace/PartType/LogsDashboardPart";
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit`;
const OVERVIEW_URL = `https://portal.azure.cn/#@${TENANT}/resource/overview/workbook`;

const kql = (file: string) => fs.readFileSync(path.join(__dirname, "..", "..", "queries", `${file}.kql`), "utf8");

type Args = ProvisioningDashboardArgs & { readonly tenantId: string };

function minimalArgs(): Args {
    return {
        identity: ["test", SUBSCRIPTION, "rg-audit", "log-audit"],
        dashboardName: "dash-entra-test",
        title: "Entra provisioning (test)",
        resourceGroupName: "rg-audit",
        location: "westeurope",
        workspaceId: WORKSPACE_ID,
        tenantId: TENANT,
    };
}

function maximalArgs(): Args {
    return {
        ...minimalArgs(),
        links: {
            "Workspace logs": `https://portal.azure.cn/#@${TENANT}/resource${WORKSPACE_ID}/logs`,
            "Provisioning overview workbook": OVERVIEW_URL,
        },
        portalUrl: "https://portal.azure.cn/",
        tags: { owner: "identity-team" },
    };
}

/** The header tile, with the given markdown list of links. */
function header(links: string) {
    return {
        position: { x: 0, y: 0, colSpan: 12, rowSpan: 2 },
        metadata: {
            type: "Extension/HubsExtension/PartType/MarkdownPart",
            inputs: [],
            settings: {
                content: {
                    settings: {
                        content: `Entra ID application provisioning, from the Log Analytics workspace.\n${links}`,
                        title: "Entra provisioning",
                        subtitle: "",
                        markdownSource: 1,
                        markdownUri: "",
                    },
                },
            },
        },
    };
}

/** A Logs part: its position, then its inputs in the order the portal writes them. */
function logsPart(
    position: { x: number; y: number },
    query: string,
    partId: string,
    control: string,
    title: string,
    chart?: { specificChart: string; dimensions: unknown },
) {
    const optional = (name: string, value?: unknown) =>
        value === undefined ? { name, isOptional: true } : { name, value, isOptional: true };
    return {
        position: { ...position, colSpan: 6, rowSpan: 4 },
        metadata: {
            type: LOGS_PART,
            inputs: [
                optional("resourceTypeMode", "workspace"),
                optional("ComponentId"),
                optional("Scope", { resourceIds: [WORKSPACE_ID] }),
                optional("PartId", partId),
                optional("Version", "2.0"),
                optional("TimeRange", "P7D"),
                optional("DashboardId"),
                optional("DraftRequestParameters", { scope: "hierarchy" }),
                optional("Query", kql(query)),
                optional("ControlType", control),
                optional("SpecificChart", chart?.specificChart),
                optional("PartTitle", title),
                optional("PartSubTitle", "Entra provisioning logs"),
                optional("Dimensions", chart?.dimensions),
                optional("LegendOptions", chart ? { isEnabled: true, position: "Bottom" } : undefined),
                optional("IsQueryContainTimeRange", true),
            ],
            settings: {},
        },
    };
}

/**
 * The three charts, two per row under the header. Part IDs are UUID v5 of the identity, so a change
 * to their derivation (which makes the portal lose a part's customisations) shows here.
 */
const CHARTS = [
    logsPart(
        { x: 0, y: 2 },
        "dashboard-events-by-action",
        "1e04ca6b-7623-5b62-abb8-0899a0f3cdf8",
        "FrameControlChart",
        "Provisioning events per day by action",
        {
            specificChart: "StackedColumn",
            dimensions: {
                xAxis: { name: "TimeGenerated", type: "datetime" },
                yAxis: [{ name: "Events", type: "long" }],
                splitBy: [{ name: "Action", type: "string" }],
                aggregation: "Sum",
            },
        },
    ),
    logsPart(
        { x: 6, y: 2 },
        "dashboard-failures-by-app",
        "ba8720ac-a1c2-550e-8f3a-aba0a011da46",
        "FrameControlChart",
        "Provisioning failures by application",
        {
            specificChart: "Bar",
            dimensions: {
                xAxis: { name: "App", type: "string" },
                yAxis: [{ name: "Failures", type: "long" }],
                splitBy: [],
                aggregation: "Sum",
            },
        },
    ),
    logsPart(
        { x: 0, y: 6 },
        "dashboard-top-errors",
        "169170e7-b319-58c1-b51f-33f5c75493db",
        "AnalyticsGrid",
        "Top provisioning error codes",
    ),
];

// ---------------------------------------------------------------------------------------------

describe("ProvisioningDashboard (contract under mocks)", () => {
    let minimal: Built<ProvisioningDashboard>;
    let maximal: Built<ProvisioningDashboard>;
    before(async () => {
        await mocks.use();
        minimal = await construct((opts) => new ProvisioningDashboard("dashboard", minimalArgs(), opts));
        maximal = await construct((opts) => new ProvisioningDashboard("dashboard", maximalArgs(), opts));
    });

    describe("children", () => {
        const expected = [
            [COMPONENT, "dashboard", undefined],
            [DASHBOARD, "dashboard-dashboard", "dashboard"],
        ];

        it("registers one portal dashboard, named after the component and parented to it, with the minimal args", () => {
            assert.deepStrictEqual(
                minimal.made.map((m) => [m.type, m.name, m.parent]),
                expected,
            );
        });

        it("registers the same dashboard with every arg given", () => {
            assert.deepStrictEqual(
                maximal.made.map((m) => [m.type, m.name, m.parent]),
                expected,
            );
        });

        it("derives the child's name from the component's name", async () => {
            const other = await construct((opts) => new ProvisioningDashboard("other", minimalArgs(), opts));
            assert.deepStrictEqual(
                other.made.map((m) => [m.type, m.name, m.parent]),
                [
                    [COMPONENT, "other", undefined],
                    [DASHBOARD, "other-dashboard", "other"],
                ],
            );
        });
    });

    describe("inputs", () => {
        it("pins a header with the links, then the three charts from queries/, two per row, each scoped to the workspace", () => {
            assert.deepStrictEqual(inputsOf(maximal.made, "dashboard-dashboard"), {
                dashboardName: "dash-entra-test",
                resourceGroupName: "rg-audit",
                location: "westeurope",
                properties: {
                    lenses: [
                        {
                            order: 0,
                            parts: [
                                header(
                                    `- [Workspace logs](https://portal.azure.cn/#@${TENANT}/resource${WORKSPACE_ID}/logs)\n` +
                                        `- [Provisioning overview workbook](${OVERVIEW_URL})`,
                                ),
                                ...CHARTS,
                            ],
                        },
                    ],
                    metadata: { model: {} },
                },
                tags: { owner: "identity-team", "hidden-title": "Entra provisioning (test)" },
            });
        });

        it("accepts links that are outputs of other resources", async () => {
            const built = await construct(
                (opts) =>
                    new ProvisioningDashboard("dashboard", { ...minimalArgs(), links: { Overview: pulumi.output(OVERVIEW_URL) } }, opts),
            );
            assert.deepStrictEqual(
                inputsOf(built.made, "dashboard-dashboard").properties.lenses[0].parts[0],
                header(`- [Overview](${OVERVIEW_URL})`),
            );
        });

        it("links the dashboard in the given portal, without its trailing slash", async () => {
            assert.strictEqual(
                await resolved(maximal.component.url),
                `https://portal.azure.cn/#@${TENANT}/dashboard/armdashboard-dashboard-id`,
            );
        });
    });

    describe("validation", () => {
        it("passes dashboard names of 3 and 24 letters, digits and hyphens", async () => {
            for (const dashboardName of ["d-1", "Dash-Entra-Provisioning1"]) {
                const built = await construct((opts) => new ProvisioningDashboard("dashboard", { ...minimalArgs(), dashboardName }, opts));
                assert.strictEqual(inputsOf(built.made, "dashboard-dashboard").dashboardName, dashboardName);
            }
        });

        for (const dashboardName of ["db", "dash-entra-provisioning-1", "dash_entra", "dash entra", ""]) {
            it(`fails when dashboardName is ${JSON.stringify(dashboardName)}, having made nothing but itself`, async () => {
                const { error, made } = await mocks.refused(
                    (opts) => new ProvisioningDashboard("dashboard", { ...minimalArgs(), dashboardName }, opts),
                );
                assert.deepStrictEqual(
                    [error instanceof Error, (error as Error).message, made.map((m) => m.name)],
                    [
                        true,
                        `ProvisioningDashboard dashboard: dashboardName must be 3-24 letters, digits or hyphens (got "${dashboardName}")`,
                        ["dashboard"],
                    ],
                );
            });
        }
    });

    describe("defaults", () => {
        it("shows no links in the header when none are given, and the same charts", () => {
            assert.deepStrictEqual(inputsOf(minimal.made, "dashboard-dashboard").properties, {
                lenses: [{ order: 0, parts: [header(""), ...CHARTS] }],
                metadata: { model: {} },
            });
        });

        it("tags the dashboard with its title alone when no tags are given", () => {
            assert.deepStrictEqual(inputsOf(minimal.made, "dashboard-dashboard").tags, { "hidden-title": "Entra provisioning (test)" });
        });

        it("links the dashboard in the public cloud's portal when portalUrl is left out", async () => {
            assert.strictEqual(
                await resolved(minimal.component.url),
                `https://portal.azure.com/#@${TENANT}/dashboard/armdashboard-dashboard-id`,
            );
        });
    });
});
