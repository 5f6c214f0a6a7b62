import * as pulumi from "@pulumi/pulumi";
import * as portal from "@pulumi/azure-native/portal";
import type * as inputs from "@pulumi/azure-native/types/input";
import { PUBLIC_PORTAL } from "./azure/cloud";
import { loadQuery } from "./support/queries";
import { stableGuid } from "./support/naming";

/** A chart or grid pinned from the workspace: its query file, how it is drawn, and its axes. */
export interface DashboardChart {
    readonly query: string;
    readonly title: string;
    /** FrameControlChart draws a chart; AnalyticsGrid a table. */
    readonly control: "FrameControlChart" | "AnalyticsGrid";
    readonly chart?: "StackedColumn" | "Bar" | "Line" | "Pie";
    /** Chart axes: result columns of the query (the KQL check verifies them). */
    readonly x?: { readonly name: string; readonly type: string };
    readonly y?: ReadonlyArray<{ readonly name: string; readonly type: string }>;
    readonly splitBy?: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

const DASHBOARD_CHARTS: readonly DashboardChart[] = [
    {
        query: "dashboard-events-by-action",
        title: "Provisioning events per day by action",
        control: "FrameControlChart",
        chart: "StackedColumn",
        x: { name: "TimeGenerated", type: "datetime" },
        y: [{ name: "Events", type: "long" }],
        splitBy: [{ name: "Action", type: "string" }],
    },
    {
        query: "dashboard-failures-by-app",
        title: "Provisioning failures by application",
        control: "FrameControlChart",
        chart: "Bar",
        x: { name: "App", type: "string" },
        y: [{ name: "Failures", type: "long" }],
        splitBy: [],
    },
    { query: "dashboard-top-errors", title: "Top provisioning error codes", control: "AnalyticsGrid" },
];

export const LOGS_PART = "Extension/Microsoft_OperationsManagementSuite_Workspace/PartType/LogsDashboardPart";
const MARKDOWN_PART = "Extension/HubsExtension/PartType/MarkdownPart";

/** Inputs of {@link ProvisioningDashboard}. */
export interface ProvisioningDashboardArgs {
    /** Required. Strings that identify the stack (components/support/naming.ts, `resourceIdentity`); part IDs are derived from them. */
    readonly identity: pulumi.Input<readonly string[]>;
    /** Required. Dashboard name (3-24 letters, digits, hyphens). */
    readonly dashboardName: string;
    /** Required. Title shown in the portal. */
    readonly title: string;
    /** Required. Resource group of the dashboard. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Required. Region of the dashboard. */
    readonly location: pulumi.Input<string>;
    /** Required. Tenant, for the dashboard's portal link. */
    readonly tenantId: pulumi.Input<string>;
    /** Required. ARM ID of the workspace the charts query. */
    readonly workspaceId: pulumi.Input<string>;
    /** Optional. Links (title → URL) shown in the dashboard's header tile, e.g. the workbooks. */
    readonly links?: Record<string, pulumi.Input<string>>;
    /**
     * Optional. The Azure portal of the cloud the dashboard is in, for its link (`url`):
     * `https://portal.azure.us` in Azure Government, `https://portal.azure.cn` in Azure China
     * (components/azure/cloud.ts). Defaults to `https://portal.azure.com`, the public cloud's.
     */
    readonly portalUrl?: string;
    /** Optional. Tags of the dashboard, besides the title tag the portal shows. Defaults to none. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The parts of the dashboard: a header with links, then one Logs part per chart, two per row. */
function dashboardParts(args: {
    identity: readonly string[];
    workspaceId: string;
    links: Record<string, string>;
}): inputs.portal.DashboardPartsArgs[] {
    const header = Object.entries(args.links)
        .map(([title, url]) => `- [${title}](${url})`)
        .join("\n");
    const parts: inputs.portal.DashboardPartsArgs[] = [
        {
            position: { x: 0, y: 0, colSpan: 12, rowSpan: 2 },
            metadata: {
                type: MARKDOWN_PART,
                inputs: [],
                settings: {
                    content: {
                        settings: {
                            content: `Entra ID application provisioning, from the Log Analytics workspace.\n${header}`,
                            title: "Entra provisioning",
                            subtitle: "",
                            markdownSource: 1,
                            markdownUri: "",
                        },
                    },
                },
            },
        },
    ];
    DASHBOARD_CHARTS.forEach((c, i) => {
        const input = (name: string, value?: unknown) =>
            value === undefined ? { name, isOptional: true } : { name, value, isOptional: true };
        parts.push({
            position: { x: (i % 2) * 6, y: 2 + Math.floor(i / 2) * 4, colSpan: 6, rowSpan: 4 },
            metadata: {
                type: LOGS_PART,
                inputs: [
                    input("resourceTypeMode", "workspace"),
                    input("ComponentId"),
                    input("Scope", { resourceIds: [args.workspaceId] }),
                    input("PartId", stableGuid(...args.identity, "dashboard-part", c.query)),
                    input("Version", "2.0"),
                    input("TimeRange", "P7D"),
                    input("DashboardId"),
                    input("DraftRequestParameters", { scope: "hierarchy" }),
                    input("Query", loadQuery(c.query)),
                    input("ControlType", c.control),
                    input("SpecificChart", c.chart),
                    input("PartTitle", c.title),
                    input("PartSubTitle", "Entra provisioning logs"),
                    input("Dimensions", c.x ? { xAxis: c.x, yAxis: c.y, splitBy: c.splitBy, aggregation: "Sum" } : undefined),
                    input("LegendOptions", c.x ? { isEnabled: true, position: "Bottom" } : undefined),
                    // The queries filter TimeGenerated themselves.
                    input("IsQueryContainTimeRange", true),
                ],
                settings: {},
            },
        });
    });
    return parts;
}

/** A dashboard's name as Azure takes it: 3-24 letters, digits or hyphens. */
export const DASHBOARD_NAME = /^[a-zA-Z0-9-]{3,24}$/;

/** An Azure portal dashboard with the key provisioning charts pinned from the workspace. */
export class ProvisioningDashboard extends pulumi.ComponentResource {
    public readonly dashboard: portal.Dashboard;
    /** Portal link to the dashboard. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: ProvisioningDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:ProvisioningDashboard", name, {}, opts);
        if (!DASHBOARD_NAME.test(args.dashboardName)) {
            throw new Error(
                `ProvisioningDashboard ${name}: dashboardName must be 3-24 letters, digits or hyphens (got "${args.dashboardName}")`,
            );
        }
        const links = pulumi.output(args.links ?? {});
        this.dashboard = new portal.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName: args.dashboardName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                properties: {
                    lenses: pulumi.all([args.workspaceId, links, args.identity]).apply(([workspaceId, l, identity]) => [
                        {
                            order: 0,
                            parts: dashboardParts({ identity, workspaceId, links: l as Record<string, string> }),
                        },
                    ]),
                    metadata: { model: {} },
                },
                // The portal shows this tag as the dashboard's title.
                tags: pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, "hidden-title": args.title })),
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.url = pulumi.interpolate`${(args.portalUrl ?? PUBLIC_PORTAL).replace(/\/+$/, "")}/#@${args.tenantId}/dashboard/arm${this.dashboard.id}`;
        this.registerOutputs({ dashboard: this.dashboard, url: this.url });
    }
}
