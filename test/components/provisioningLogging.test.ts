import * as assert from "node:assert";
import { ProvisioningLogging, type ProvisioningLoggingArgs } from "../../components/provisioningLogging";
import {
    type Built,
    type Call,
    componentMocks,
    type FunctionAnswer,
    inputsOf,
    madeAs,
    resolved,
    SUBSCRIPTION,
    TENANT,
} from "../support/componentMocks";

/**
 * The contract of ProvisioningLogging under `pulumi.runtime.setMocks`: the whole tree of resources
 * it registers (its own children and theirs), with parents, ordering and the inputs the engine
 * receives, what it maps its args onto, every argument it refuses, and the defaults it applies.
 */

/** What `aadiam.getDiagnosticSetting` answers: the live setting, or the provider's failure. */
type LiveSetting = FunctionAnswer;

/** The tenant's diagnostic setting, for the next build. */
let live: LiveSetting | undefined;

const mocks = componentMocks({ functions: { "azure-native:aadiam:getDiagnosticSetting": () => live }, dynamicProviders: true });
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const LOGGING = "entra-provisioning-logs:index:ProvisioningLogging";
const REGISTRATION = "pulumi-nodejs:dynamic:ResourceProviderRegistration";
const LOGS = "entra-provisioning-logs:monitoring:ProvisioningLogsWorkspace";
const DIAGNOSTICS = "entra-provisioning-logs:monitoring:TenantDiagnosticSetting";
const WORKBOOKS = "entra-provisioning-logs:monitoring:ProvisioningWorkbooks";
const QUERIES = "entra-provisioning-logs:monitoring:ProvisioningQueries";
const DASHBOARD = "entra-provisioning-logs:monitoring:ProvisioningDashboard";
const ALERTS = "entra-provisioning-logs:monitoring:ProvisioningAlerts";
const GROUP = "azure-native:resources:ResourceGroup";
const WORKSPACE = "azure-native:operationalinsights:Workspace";
const GUARD = "pulumi-nodejs:dynamic:WorkspaceRetentionGuard";
const TABLE = "pulumi-nodejs:dynamic:TableRetention";
const SETTING = "azure-native:aadiam:DiagnosticSetting";
const WORKBOOK = "azure-native:applicationinsights:Workbook";
const PACK = "azure-native:operationalinsights:QueryPack";
const QUERY = "azure-native:operationalinsights:Query";
const PORTAL_DASHBOARD = "azure-native:portal:Dashboard";
const ACTION_GROUP = "azure-native:monitor:ActionGroup";
const RULE = "azure-native:monitor:ScheduledQueryRule";

/** The ID the mocks give the created workspace. */
const CREATED_ID = "logging-logs-workspace-id";
/** A central workspace in another subscription. */
const CENTRAL_ID =
    "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/log-sentinel";
const EVENT_HUB = {
    eventHubAuthorizationRuleId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-siem/providers/Microsoft.EventHub/namespaces/ehn-siem/authorizationRules/send`,
    eventHubName: "entra-logs",
};
const KEEP = { protect: true, retainOnDelete: true };
/** The saved queries' file names, in the order the pack lists them. */
const SAVED_QUERIES = [
    "user-by-source-id",
    "count-per-error-code",
    "events-per-day-by-action",
    "group-events-key-properties",
    "group-members-skipped",
    "last-step-per-job",
    "operation-spikes",
    "failure-spike",
    "provisioning-stopped",
    "app-silent",
    "disable-delete-spike",
    "quarantine",
    "logs-at-risk",
];

function minimalArgs(): ProvisioningLoggingArgs {
    return {
        instanceName: "test",
        tenantId: TENANT,
        subscriptionId: SUBSCRIPTION,
        location: "westeurope",
        resourceGroupName: "rg-audit",
        workspaceName: "log-audit",
        diagnosticSettingName: "entra-provisioning-test",
    };
}

/** Every arg, for a workspace to create. */
function maximalArgs(): ProvisioningLoggingArgs {
    return {
        ...minimalArgs(),
        createResourceGroup: true,
        retentionInDays: 90,
        provisioningLogsRetentionInDays: 180,
        provisioningLogsTotalRetentionInDays: 2557,
        dailyQuotaGb: 5,
        disableLocalAuth: false,
        protectData: false,
        allowRetentionDecrease: true,
        diagnosticLogCategories: ["AuditLogs"],
        adoptDiagnosticSetting: true,
        diagnosticSettingDestinations: EVENT_HUB,
        portalUrl: "https://portal.azure.us",
        registrationTimeoutMinutes: 45,
        workbooksEnabled: true,
        savedQueriesEnabled: true,
        dashboardName: "dash-entra-test",
        alerts: { team: { emails: ["identity-team@contoso.com"] }, oncall: { emails: ["oncall@contoso.com"] } },
        tags: { owner: "identity-team" },
    };
}

/** The live setting the maximal args adopt: the same workspace, categories and destinations. */
const LIVE = { workspaceId: CREATED_ID, logs: [{ category: "AuditLogs", enabled: true }], ...EVENT_HUB };

/** An existing workspace, used as it is. */
function existingArgs(): ProvisioningLoggingArgs {
    const { workspaceName, ...rest } = minimalArgs();
    return { ...rest, existingWorkspaceId: CENTRAL_ID };
}

/** An existing workspace whose table retention the stack manages. */
function existingManagedArgs(): ProvisioningLoggingArgs {
    return {
        ...existingArgs(),
        manageExistingWorkspaceRetention: true,
        provisioningLogsRetentionInDays: 90,
        provisioningLogsTotalRetentionInDays: 730,
        alerts: { team: { emails: ["identity-team@contoso.com"] } },
    };
}

/** The tree under the component, by type, name and parent, for a created workspace with the minimal args. */
const MINIMAL_TREE = [
    [LOGGING, "logging", undefined],
    [REGISTRATION, "logging-insights-registration", "logging"],
    [REGISTRATION, "logging-operationalinsights-registration", "logging"],
    [LOGS, "logging-logs", "logging"],
    [GROUP, "logging-logs-rg", "logging-logs"],
    [GUARD, "logging-logs-workspace-retention-guard", "logging-logs"],
    [WORKSPACE, "logging-logs-workspace", "logging-logs"],
    [TABLE, "logging-logs-provisioning-logs-retention", "logging-logs"],
    [DIAGNOSTICS, "logging-diagnostics", "logging"],
    [SETTING, "logging-diagnostics-setting", "logging-diagnostics"],
    [WORKBOOKS, "logging-workbooks", "logging"],
    [WORKBOOK, "logging-workbooks-provisioning-overview", "logging-workbooks"],
    [WORKBOOK, "logging-workbooks-identity-troubleshooting", "logging-workbooks"],
    [QUERIES, "logging-queries", "logging"],
    [PACK, "logging-queries-pack", "logging-queries"],
    ...SAVED_QUERIES.map((q) => [QUERY, `logging-queries-${q}`, "logging-queries"]),
];

type Logging = Built<ProvisioningLogging>;

const tree = (b: Logging) => b.made.map((m) => [m.type, m.name, m.parent]);

// ---------------------------------------------------------------------------------------------

/** What the component made for args it accepts, with `setting` as the tenant's diagnostic setting. */
async function build(args: ProvisioningLoggingArgs, setting?: LiveSetting): Promise<Logging> {
    live = setting;
    return construct((opts) => new ProvisioningLogging("logging", args, opts));
}

/** What the component threw for `args`, once what it made before is registered. */
async function refusal(args: ProvisioningLoggingArgs): Promise<unknown> {
    live = undefined;
    return (await mocks.refused((opts) => new ProvisioningLogging("logging", args, opts))).error;
}

/**
 * What the workbooks, the query pack with its saved queries, and the alert rules wait for: each kind's
 * distinct dependsOn (one, when every child of the kind waits for the same), and how many there are.
 */
function waitsOf(b: Logging): Record<"workbooks" | "queries" | "rules", { count: number; dependsOn: string[][] }> {
    const of = (types: readonly string[]) => {
        const picked = b.made.filter((m) => types.includes(m.type));
        const distinct = [...new Set(picked.map((m) => JSON.stringify(m.dependsOn)))];
        return { count: picked.length, dependsOn: distinct.map((d) => JSON.parse(d) as string[]) };
    };
    return { workbooks: of([WORKBOOK]), queries: of([PACK, QUERY]), rules: of([RULE]) };
}

describe("ProvisioningLogging (contract under mocks)", () => {
    let minimal: Logging;
    let maximal: Logging;
    let maximalCalls: readonly Call[];
    let existing: Logging;
    let existingManaged: Logging;
    before(async () => {
        await mocks.use();
        minimal = await build(minimalArgs());
        maximal = await build(maximalArgs(), LIVE);
        maximalCalls = mocks.calls();
        existing = await build(existingArgs());
        existingManaged = await build(existingManagedArgs());
    });
    after(() => mocks.restore());

    describe("children", () => {
        it("registers two provider registrations, the workspace, the diagnostic setting, workbooks and saved queries, with the minimal args", () => {
            assert.deepStrictEqual(tree(minimal), MINIMAL_TREE);
        });

        it("adds the Microsoft.Portal registration, the dashboard and the alerts with every arg given", () => {
            assert.deepStrictEqual(tree(maximal), [
                ...MINIMAL_TREE,
                [REGISTRATION, "logging-portal-registration", "logging"],
                [DASHBOARD, "logging-dashboard", "logging"],
                [PORTAL_DASHBOARD, "logging-dashboard-dashboard", "logging-dashboard"],
                [ALERTS, "logging-alerts", "logging"],
                [ACTION_GROUP, "logging-alerts-team", "logging-alerts"],
                [ACTION_GROUP, "logging-alerts-oncall", "logging-alerts"],
                ...["failure-spike", "provisioning-stopped", "app-silent", "disable-delete-spike", "quarantine", "logs-at-risk"].map(
                    (slug) => [RULE, `logging-alerts-${slug}`, "logging-alerts"],
                ),
            ]);
        });

        it("reads an existing workspace instead of creating one, and leaves its table's retention as it is", () => {
            assert.deepStrictEqual(
                tree(existing),
                MINIMAL_TREE.filter(([type]) => type !== TABLE && type !== GUARD),
            );
            // Read under ARM's (lower-case) spelling of the ID, which a created workspace has in state.
            assert.strictEqual(madeAs(existing.made, "logging-logs-workspace").id, CENTRAL_ID.toLowerCase());
        });

        it("sets an existing workspace's table retention when the stack manages it", () => {
            assert.deepStrictEqual(
                tree(existingManaged).filter(([type]) => type !== ACTION_GROUP && type !== RULE && type !== ALERTS),
                MINIMAL_TREE.filter(([type]) => type !== GUARD),
            );
        });

        it("derives every name in the tree from the component's name", async () => {
            const other = await construct((opts) => new ProvisioningLogging("other", minimalArgs(), opts));
            assert.deepStrictEqual(
                other.made.map((m) => [m.type, m.name, m.parent]),
                MINIMAL_TREE.map(([type, name, parent]) => [
                    type,
                    name?.replace(/^logging/, "other"),
                    parent?.replace(/^logging/, "other"),
                ]),
            );
        });

        it("orders the tree: the workspace after Microsoft.OperationalInsights, the setting, workbooks and alerts after Microsoft.Insights, queries, workbooks and alerts after the table's retention", () => {
            assert.deepStrictEqual(
                maximal.made.filter((m) => m.parent === "logging").map((m) => [m.name, m.dependsOn]),
                [
                    ["logging-insights-registration", []],
                    ["logging-operationalinsights-registration", []],
                    ["logging-logs", ["logging-operationalinsights-registration"]],
                    ["logging-diagnostics", ["logging-insights-registration"]],
                    ["logging-workbooks", ["logging-insights-registration", "logging-logs-provisioning-logs-retention"]],
                    ["logging-queries", ["logging-operationalinsights-registration", "logging-logs-provisioning-logs-retention"]],
                    ["logging-portal-registration", []],
                    ["logging-dashboard", ["logging-portal-registration"]],
                    ["logging-alerts", ["logging-insights-registration", "logging-logs-provisioning-logs-retention"]],
                ],
            );
        });

        it("passes each nested component's ordering on to its children", () => {
            assert.deepStrictEqual(
                [
                    madeAs(minimal.made, "logging-logs-workspace").dependsOn,
                    madeAs(minimal.made, "logging-diagnostics-setting").dependsOn,
                    madeAs(minimal.made, "logging-queries-pack").dependsOn,
                ],
                [
                    ["logging-operationalinsights-registration", "logging-logs-workspace-retention-guard"],
                    ["logging-insights-registration"],
                    ["logging-operationalinsights-registration", "logging-logs-provisioning-logs-retention"],
                ],
            );
        });

        const insights = "logging-insights-registration";
        const operationalInsights = "logging-operationalinsights-registration";
        const retention = "logging-logs-provisioning-logs-retention";

        it("makes every workbook, the query pack and its saved queries, and every alert rule wait for a created workspace's table retention", () => {
            assert.deepStrictEqual(waitsOf(maximal), {
                workbooks: { count: 2, dependsOn: [[insights, retention]] },
                queries: { count: 1 + SAVED_QUERIES.length, dependsOn: [[operationalInsights, retention]] },
                rules: { count: 6, dependsOn: [[insights, retention]] },
            });
        });

        it("makes every workbook, the query pack and its saved queries, and every alert rule wait for the table retention of an existing workspace the stack manages", () => {
            assert.deepStrictEqual(waitsOf(existingManaged), {
                workbooks: { count: 2, dependsOn: [[insights, retention]] },
                queries: { count: 1 + SAVED_QUERIES.length, dependsOn: [[operationalInsights, retention]] },
                rules: { count: 5, dependsOn: [[insights, retention]] },
            });
        });

        it("makes every workbook, the query pack and its saved queries, and every alert rule wait for the read of an existing workspace whose retention is left as it is", async () => {
            const built = await build({ ...existingArgs(), alerts: { team: { emails: ["identity-team@contoso.com"] } } });
            assert.deepStrictEqual(waitsOf(built), {
                workbooks: { count: 2, dependsOn: [[insights, "logging-logs-workspace"]] },
                queries: { count: 1 + SAVED_QUERIES.length, dependsOn: [[operationalInsights, "logging-logs-workspace"]] },
                rules: { count: 5, dependsOn: [[insights, "logging-logs-workspace"]] },
            });
        });

        it("waits for the read of an existing workspace where there is no table retention to wait for", () => {
            assert.deepStrictEqual(madeAs(existing.made, "logging-queries").dependsOn, [
                "logging-operationalinsights-registration",
                "logging-logs-workspace",
            ]);
        });
    });

    describe("inputs", () => {
        it("registers Microsoft.Insights and Microsoft.OperationalInsights on the subscription", () => {
            assert.deepStrictEqual(
                [
                    inputsOf(minimal.made, "logging-insights-registration"),
                    inputsOf(minimal.made, "logging-operationalinsights-registration"),
                ],
                [
                    { subscriptionId: SUBSCRIPTION, namespace: "Microsoft.Insights", timeoutMinutes: 20 },
                    { subscriptionId: SUBSCRIPTION, namespace: "Microsoft.OperationalInsights", timeoutMinutes: 20 },
                ],
            );
        });

        it("registers Microsoft.Portal for a dashboard, each registration waiting as long as asked", () => {
            assert.deepStrictEqual(
                ["insights", "operationalinsights", "portal"].map((n) => inputsOf(maximal.made, `logging-${n}-registration`)),
                [
                    { subscriptionId: SUBSCRIPTION, namespace: "Microsoft.Insights", timeoutMinutes: 45 },
                    { subscriptionId: SUBSCRIPTION, namespace: "Microsoft.OperationalInsights", timeoutMinutes: 45 },
                    { subscriptionId: SUBSCRIPTION, namespace: "Microsoft.Portal", timeoutMinutes: 45 },
                ],
            );
        });

        it("creates the workspace and its table's retention from the workspace args, unprotected, capped and tagged, with every arg given", () => {
            assert.deepStrictEqual(
                ["logging-logs-rg", "logging-logs-workspace", "logging-logs-provisioning-logs-retention"].map((n) => [
                    inputsOf(maximal.made, n),
                    madeAs(maximal.made, n).options,
                ]),
                [
                    [{ resourceGroupName: "rg-audit", location: "westeurope", tags: { owner: "identity-team" } }, {}],
                    [
                        {
                            workspaceName: "log-audit",
                            resourceGroupName: "rg-audit",
                            location: "westeurope",
                            sku: { name: "PerGB2018" },
                            retentionInDays: 90,
                            workspaceCapping: { dailyQuotaGb: 5 },
                            features: { disableLocalAuth: false },
                            tags: { owner: "identity-team" },
                        },
                        {},
                    ],
                    [
                        {
                            subscriptionId: SUBSCRIPTION,
                            tableName: "AADProvisioningLogs",
                            workspaceName: "log-audit",
                            resourceGroupName: "rg-audit",
                            retentionInDays: 180,
                            totalRetentionInDays: 2557,
                            allowRetentionDecrease: true,
                        },
                        {},
                    ],
                ],
            );
        });

        it("adopts the diagnostic setting, after reading it, with the extra categories and destinations, sending to the workspace", () => {
            const setting = madeAs(maximal.made, "logging-diagnostics-setting");
            assert.deepStrictEqual(
                [setting.inputs, setting.options, setting.id],
                [
                    {
                        name: "entra-provisioning-test",
                        workspaceId: CREATED_ID,
                        ...EVENT_HUB,
                        logs: ["ProvisioningLogs", "AuditLogs"].map((category) => ({
                            category,
                            enabled: true,
                            retentionPolicy: { enabled: false, days: 0 },
                        })),
                    },
                    { import: "/providers/microsoft.aadiam/diagnosticSettings/entra-provisioning-test", retainOnDelete: true },
                    "/providers/microsoft.aadiam/diagnosticSettings/entra-provisioning-test",
                ],
            );
            assert.deepStrictEqual(
                maximalCalls.filter((c) => c.token === "azure-native:aadiam:getDiagnosticSetting"),
                [{ token: "azure-native:aadiam:getDiagnosticSetting", inputs: { name: "entra-provisioning-test" } }],
            );
        });

        it("names the workbooks after the instance, subscription, group and workspace, with the AuditLogs tab when AuditLogs are sent", () => {
            const overview = inputsOf(maximal.made, "logging-workbooks-provisioning-overview");
            assert.deepStrictEqual(
                [overview.resourceName, inputsOf(maximal.made, "logging-workbooks-identity-troubleshooting").resourceName],
                // The GUIDs ProvisioningWorkbooks gives the identity ["test", SUBSCRIPTION, "rg-audit", "log-audit"].
                ["b2579979-fbab-5fff-aa75-8d09afe730df", "87a61004-ed8e-5919-ba0d-c063b645ad29"],
            );
            assert.deepStrictEqual(
                [
                    overview.sourceId,
                    overview.tags,
                    JSON.parse(overview.serializedData).items.some((i: { name: string }) => i.name === "audit"),
                ],
                [CREATED_ID, { owner: "identity-team" }, true],
            );
        });

        it("leaves the AuditLogs tab out of the workbooks when AuditLogs are not sent", () => {
            const overview = inputsOf(minimal.made, "logging-workbooks-provisioning-overview");
            assert.strictEqual(
                JSON.parse(overview.serializedData).items.some((i: { name: string }) => i.name === "audit"),
                false,
            );
        });

        it("names the query pack after the instance", () => {
            assert.deepStrictEqual(inputsOf(maximal.made, "logging-queries-pack"), {
                queryPackName: "pack-entra-provisioning-test",
                resourceGroupName: "rg-audit",
                location: "westeurope",
                tags: { owner: "identity-team" },
            });
        });

        it("titles the dashboard after the instance and links the workspace's logs and both workbooks in the given portal", () => {
            const dashboard = inputsOf(maximal.made, "logging-dashboard-dashboard");
            assert.deepStrictEqual(
                [
                    dashboard.dashboardName,
                    dashboard.tags,
                    dashboard.properties.lenses[0].parts[0].metadata.settings.content.settings.content,
                ],
                [
                    "dash-entra-test",
                    { owner: "identity-team", "hidden-title": "Entra provisioning (test)" },
                    "Entra ID application provisioning, from the Log Analytics workspace.\n" +
                        `- [Workspace logs](https://portal.azure.us/#@${TENANT}/resource${CREATED_ID}/logs)\n` +
                        `- [Provisioning overview workbook](https://portal.azure.us/#@${TENANT}/resourcelogging-workbooks-provisioning-overview-id/workbook)\n` +
                        `- [Troubleshoot a user or group](https://portal.azure.us/#@${TENANT}/resourcelogging-workbooks-identity-troubleshooting-id/workbook)`,
                ],
            );
        });

        it("names the alerts after the instance, links the workspace's logs and the overview workbook, and deploys quarantine and logs-at-risk (AuditLogs and a cap)", () => {
            const rule = inputsOf(maximal.made, "logging-alerts-quarantine");
            assert.deepStrictEqual(
                [
                    rule.ruleName,
                    rule.scopes,
                    rule.actions.customProperties.workspaceLogs,
                    rule.actions.customProperties.workbook,
                    rule.tags,
                ],
                [
                    "entra-provisioning-test-quarantine",
                    [CREATED_ID],
                    `https://portal.azure.us/#@${TENANT}/resource${CREATED_ID}/logs`,
                    `https://portal.azure.us/#@${TENANT}/resourcelogging-workbooks-provisioning-overview-id/workbook`,
                    { owner: "identity-team" },
                ],
            );
            assert.deepStrictEqual(
                [inputsOf(maximal.made, "logging-alerts-team").actionGroupName, maximal.component.alerts?.skipped],
                ["ag-entra-provisioning-test-team", []],
            );
        });

        it("points the setting, workbooks and alerts at an existing workspace by its ID, and watches its unknown daily cap", () => {
            assert.deepStrictEqual(
                [
                    inputsOf(existingManaged.made, "logging-diagnostics-setting").workspaceId,
                    inputsOf(existingManaged.made, "logging-workbooks-provisioning-overview").sourceId,
                    inputsOf(existingManaged.made, "logging-alerts-logs-at-risk").scopes,
                ],
                [CENTRAL_ID, CENTRAL_ID.toLowerCase(), [CENTRAL_ID]],
            );
        });

        it("names the workbooks after an existing workspace's name", () => {
            assert.deepStrictEqual(
                inputsOf(existing.made, "logging-workbooks-provisioning-overview").resourceName,
                inputsOf(existingManaged.made, "logging-workbooks-provisioning-overview").resourceName,
            );
            assert.notStrictEqual(
                inputsOf(existing.made, "logging-workbooks-provisioning-overview").resourceName,
                inputsOf(minimal.made, "logging-workbooks-provisioning-overview").resourceName,
            );
        });

        it("sets an existing workspace's table retention in that workspace", () => {
            assert.deepStrictEqual(inputsOf(existingManaged.made, "logging-logs-provisioning-logs-retention"), {
                subscriptionId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                tableName: "AADProvisioningLogs",
                workspaceName: "log-sentinel",
                resourceGroupName: "rg-sentinel",
                retentionInDays: 90,
                totalRetentionInDays: 730,
            });
        });

        it("links the workspace's logs without a double slash when portalUrl ends with a slash", async () => {
            const built = await build({ ...minimalArgs(), portalUrl: "https://portal.azure.us/" });
            assert.strictEqual(
                await resolved(built.component.logsPortalUrl),
                `https://portal.azure.us/#@${TENANT}/resource${CREATED_ID}/logs`,
            );
        });

        it("returns the link to the workspace's logs in the given portal", async () => {
            assert.strictEqual(
                await resolved(maximal.component.logsPortalUrl),
                `https://portal.azure.us/#@${TENANT}/resource${CREATED_ID}/logs`,
            );
        });
    });

    describe("validation", () => {
        const message = (e: unknown) => [e instanceof Error, (e as Error).message];

        it("passes with an existing workspace whose retention the stack manages", () => {
            assert.ok(existingManaged.component.logs.provisioningLogsTable);
        });

        it("fails when neither workspaceName nor existingWorkspaceId is given", async () => {
            const { workspaceName, ...args } = minimalArgs();
            assert.deepStrictEqual(message(await refusal(args)), [
                true,
                "ProvisioningLogging logging: give workspaceName (a workspace to create) or existingWorkspaceId",
            ]);
        });

        it("fails when manageExistingWorkspaceRetention is set for a workspace to create", async () => {
            assert.deepStrictEqual(message(await refusal({ ...minimalArgs(), manageExistingWorkspaceRetention: true })), [
                true,
                "ProvisioningLogging logging: manageExistingWorkspaceRetention applies only with existingWorkspaceId",
            ]);
        });

        const newWorkspaceArgs: Partial<ProvisioningLoggingArgs> = {
            workspaceName: "log-audit",
            retentionInDays: 90,
            dailyQuotaGb: 5,
            disableLocalAuth: true,
        };
        for (const [key, value] of Object.entries(newWorkspaceArgs)) {
            it(`fails when ${key}, which describes a workspace to create, is given with existingWorkspaceId`, async () => {
                assert.deepStrictEqual(message(await refusal({ ...existingArgs(), [key]: value })), [
                    true,
                    `ProvisioningLogging logging: ${key} describes a workspace to create and does not apply with existingWorkspaceId`,
                ]);
            });
        }

        const tableArgs: Partial<ProvisioningLoggingArgs> = {
            provisioningLogsRetentionInDays: 90,
            provisioningLogsTotalRetentionInDays: 730,
            allowRetentionDecrease: true,
        };
        for (const [key, value] of Object.entries(tableArgs)) {
            it(`fails when ${key} is given for an existing workspace without manageExistingWorkspaceRetention`, async () => {
                assert.deepStrictEqual(message(await refusal({ ...existingArgs(), [key]: value })), [
                    true,
                    `ProvisioningLogging logging: ${key} would change a workspace the component doesn't own; set manageExistingWorkspaceRetention to do it on purpose`,
                ]);
            });
        }

        it("passes allowRetentionDecrease false for an existing workspace: it changes nothing", async () => {
            const built = await build({ ...existingArgs(), allowRetentionDecrease: false });
            assert.deepStrictEqual(tree(built), tree(existing));
        });

        it("fails when manageExistingWorkspaceRetention is set without provisioningLogsRetentionInDays", async () => {
            const { provisioningLogsRetentionInDays, ...args } = existingManagedArgs();
            assert.deepStrictEqual(message(await refusal(args)), [
                true,
                "ProvisioningLogging logging: manageExistingWorkspaceRetention needs provisioningLogsRetentionInDays (the existing workspace's own retention is unknown)",
            ]);
        });

        it("fails, through the workspace component, when existingWorkspaceId is not a workspace's resource ID", async () => {
            const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-audit`;
            assert.deepStrictEqual(message(await refusal({ ...existingArgs(), existingWorkspaceId: id })), [
                true,
                `ProvisioningLogsWorkspace logging-logs: existingWorkspaceId must be a Log Analytics workspace's resource ID (got ${id})`,
            ]);
        });
    });

    describe("defaults", () => {
        it("creates the resource group when createResourceGroup is left out", () => {
            assert.strictEqual(madeAs(minimal.made, "logging-logs-rg").type, GROUP);
        });

        it("creates the workspace when existingWorkspaceId is left out", () => {
            assert.deepStrictEqual(
                [minimal.component.logs.existing, madeAs(minimal.made, "logging-logs-workspace").id],
                [false, undefined],
            );
        });

        it("leaves an existing workspace's table retention as it is when manageExistingWorkspaceRetention is left out", () => {
            assert.strictEqual(existing.component.logs.provisioningLogsTable, undefined);
        });

        it("keeps the workspace 30 days, and its table as long, when retentionInDays and the table's retentions are left out", () => {
            assert.deepStrictEqual(
                [
                    inputsOf(minimal.made, "logging-logs-workspace").retentionInDays,
                    inputsOf(minimal.made, "logging-logs-provisioning-logs-retention").retentionInDays,
                    inputsOf(minimal.made, "logging-logs-provisioning-logs-retention").totalRetentionInDays,
                ],
                [30, 30, 30],
            );
        });

        it("keeps the table as long as the workspace when provisioningLogsRetentionInDays is left out", async () => {
            const built = await build({ ...minimalArgs(), retentionInDays: 90 });
            const table = inputsOf(built.made, "logging-logs-provisioning-logs-retention");
            assert.deepStrictEqual([table.retentionInDays, table.totalRetentionInDays], [90, 90]);
        });

        it("keeps the table's total retention at its interactive retention when provisioningLogsTotalRetentionInDays is left out", async () => {
            const built = await build({ ...minimalArgs(), provisioningLogsRetentionInDays: 180 });
            const table = inputsOf(built.made, "logging-logs-provisioning-logs-retention");
            assert.deepStrictEqual(
                [inputsOf(built.made, "logging-logs-workspace").retentionInDays, table.retentionInDays, table.totalRetentionInDays],
                [30, 180, 180],
            );
        });

        it("keeps an existing workspace's table's total retention at its interactive retention when provisioningLogsTotalRetentionInDays is left out", async () => {
            const { provisioningLogsTotalRetentionInDays, ...args } = existingManagedArgs();
            const table = inputsOf((await build(args)).made, "logging-logs-provisioning-logs-retention");
            assert.deepStrictEqual([table.retentionInDays, table.totalRetentionInDays], [90, 90]);
        });

        it("sets no daily cap, and watches none, when dailyQuotaGb is left out", async () => {
            const built = await build({
                ...minimalArgs(),
                diagnosticLogCategories: ["AuditLogs"],
                alerts: { team: { emails: ["identity-team@contoso.com"] } },
            });
            assert.strictEqual("workspaceCapping" in inputsOf(built.made, "logging-logs-workspace"), false);
            assert.deepStrictEqual(
                built.component.alerts?.skipped.map((s) => s.rule),
                ["logsAtRisk"],
            );
        });

        it("allows only Entra ID authentication when disableLocalAuth is left out", () => {
            assert.deepStrictEqual(inputsOf(minimal.made, "logging-logs-workspace").features, { disableLocalAuth: true });
        });

        it("protects the created group and workspace and keeps them on delete when protectData is left out", () => {
            assert.deepStrictEqual(
                [madeAs(minimal.made, "logging-logs-rg").options, madeAs(minimal.made, "logging-logs-workspace").options],
                [KEEP, KEEP],
            );
        });

        it("refuses a decrease of the table's retention when allowRetentionDecrease is left out", () => {
            assert.strictEqual("allowRetentionDecrease" in inputsOf(minimal.made, "logging-logs-provisioning-logs-retention"), false);
        });

        it("sends ProvisioningLogs alone, to the workspace alone, creating the setting, when the diagnostic setting's options are left out", () => {
            const setting = madeAs(minimal.made, "logging-diagnostics-setting");
            assert.deepStrictEqual(
                [
                    Object.keys(setting.inputs).sort(),
                    setting.inputs.logs.map((l: { category: string }) => l.category),
                    setting.options,
                    setting.id,
                ],
                [["logs", "name", "workspaceId"], ["ProvisioningLogs"], {}, undefined],
            );
            assert.deepStrictEqual(minimal.component.diagnostics.adopted, false);
        });

        it("links the workspace's logs and the workbooks in the public cloud's portal when portalUrl is left out", async () => {
            assert.deepStrictEqual(
                [
                    await resolved(minimal.component.logsPortalUrl),
                    await resolved(minimal.component.workbooks!.urls["provisioning-overview"]),
                ],
                [
                    `https://portal.azure.com/#@${TENANT}/resource${CREATED_ID}/logs`,
                    `https://portal.azure.com/#@${TENANT}/resourcelogging-workbooks-provisioning-overview-id/workbook`,
                ],
            );
        });

        it("waits 20 minutes for each registration when registrationTimeoutMinutes is left out", () => {
            for (const n of ["insights", "operationalinsights"]) {
                assert.strictEqual(inputsOf(minimal.made, `logging-${n}-registration`).timeoutMinutes, 20, n);
            }
        });

        it("deploys workbooks and saved queries unless workbooksEnabled and savedQueriesEnabled are false", async () => {
            assert.ok(minimal.component.workbooks && minimal.component.queries);
            const built = await build({ ...minimalArgs(), workbooksEnabled: false, savedQueriesEnabled: false });
            assert.deepStrictEqual(
                tree(built),
                MINIMAL_TREE.filter(([type]) => ![WORKBOOKS, WORKBOOK, QUERIES, PACK, QUERY].includes(type as string)),
            );
        });

        it("deploys no dashboard, and registers no Microsoft.Portal, when dashboardName is left out", () => {
            assert.deepStrictEqual([minimal.component.dashboard, minimal.component.portalRegistration], [undefined, undefined]);
        });

        it("deploys no alerts when alerts is left out", () => {
            assert.strictEqual(minimal.component.alerts, undefined);
        });

        it("tags nothing when tags is left out", () => {
            const tagged = minimal.made.filter((m) => "tags" in m.inputs && m.type !== QUERY).map((m) => m.name);
            assert.deepStrictEqual(tagged, []);
        });
    });
});
