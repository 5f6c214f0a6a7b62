import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { alertOptionsProblem, ProvisioningAlerts, type ProvisioningAlertsArgs } from "../../components/provisioningAlerts";
import { ALERT_CATALOG, type AlertRuleId } from "../../components/support/alertCatalog";
import { type Built, componentMocks, madeAs, resolved, SUBSCRIPTION, TENANT } from "../support/componentMocks";

/**
 * The contract of ProvisioningAlerts under `pulumi.runtime.setMocks`: every action group and rule it
 * registers, with its parent, options and the inputs the engine receives, the rules it skips, and the
 * defaults it applies. (provisioningAlerts.test.ts covers the alerts of whole stacks.)
 */

const mocks = componentMocks();
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const COMPONENT = "entra-provisioning-logs:monitoring:ProvisioningAlerts";
const GROUP = "azure-native:monitor:ActionGroup";
const RULE = "azure-native:monitor:ScheduledQueryRule";
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit`;
const SOC_GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-soc/providers/Microsoft.Insights/actionGroups/ag-soc`;
const LOGS_URL = `https://portal.azure.us/#@${TENANT}/resource${WORKSPACE_ID}/logs`;
const WORKBOOK_URL = `https://portal.azure.us/#@${TENANT}/resource/workbook`;
const LOGIC_APP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ops/providers/Microsoft.Logic/workflows/la-page`;

const kql = (file: string) => fs.readFileSync(path.join(__dirname, "..", "..", "queries", `${file}.kql`), "utf8");

function minimalArgs(): ProvisioningAlertsArgs {
    return {
        namePrefix: "entra-provisioning-test",
        resourceGroupName: "rg-audit",
        location: "westeurope",
        workspaceId: WORKSPACE_ID,
        auditLogsEnabled: false,
        dailyCapEnabled: false,
        team: { emails: ["identity-team@contoso.com"] },
    };
}

function maximalArgs(): ProvisioningAlertsArgs {
    return {
        ...minimalArgs(),
        auditLogsEnabled: true,
        dailyCapEnabled: true,
        rules: {
            failureSpike: { threshold: 3, severity: 1 },
            provisioningStopped: { mute: "P1D" },
            appSilent: { minBaselineEvents: 50 },
            disableDeleteSpike: { ratio: 0.2 },
            quarantine: { mute: "PT6H" },
        },
        apps: ["Salesforce", "Workday"],
        silentApps: ["ServiceNow"],
        team: {
            emails: ["identity-team@contoso.com", "iam-leads@contoso.com"],
            sms: [{ countryCode: "1", phoneNumber: "4255550100" }],
            armRoles: [{ role: "Owner", roleId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" }],
            webhooks: [
                { uri: "https://hooks.contoso.com/entra?token=abc" },
                { uri: "https://itsm.contoso.com/alerts", aad: { objectId: "obj-1", identifierUri: "api://itsm" } },
            ],
            logicApps: [{ resourceId: LOGIC_APP, callbackUrl: "https://prod-01.westeurope.logic.azure.com/workflows/1?sig=xyz" }],
        },
        oncall: { emails: ["oncall@contoso.com"], sms: [{ countryCode: "49", phoneNumber: "1715550100" }] },
        oncallMaxSeverity: 2,
        teamShortName: "IdTeam",
        oncallShortName: "IdOncall",
        actionGroupIds: [SOC_GROUP],
        logsPortalUrl: LOGS_URL,
        workbookUrl: WORKBOOK_URL,
        portalUrl: "https://portal.azure.us/",
        tags: { owner: "identity-team" },
    };
}

/** Each rule's catalog defaults, as the rule is sent: what a stack gets without `rules`. */
const DEFAULTS: Record<
    AlertRuleId,
    {
        slug: string;
        severity: number;
        operator: string;
        threshold: number;
        frequency: string;
        window: string;
        autoMitigate: boolean;
        measure?: string;
        rows?: string;
        dimensions: string[];
        overrideQueryTimeRange?: string;
    }
> = {
    failureSpike: {
        slug: "failure-spike",
        severity: 2,
        operator: "GreaterThanOrEqual",
        threshold: 10,
        frequency: "PT15M",
        window: "PT1H",
        autoMitigate: true,
        measure: "Failures",
        dimensions: ["App", "JobId"],
    },
    provisioningStopped: {
        slug: "provisioning-stopped",
        severity: 2,
        operator: "GreaterThan",
        threshold: 0,
        frequency: "PT1H",
        window: "P1D",
        autoMitigate: false,
        rows: "tenants silent for a day",
        dimensions: [],
        overrideQueryTimeRange: "P2D",
    },
    appSilent: {
        slug: "app-silent",
        severity: 3,
        operator: "GreaterThan",
        threshold: 0,
        frequency: "PT1H",
        window: "P1D",
        autoMitigate: true,
        rows: "silent applications",
        dimensions: ["App", "JobId"],
        overrideQueryTimeRange: "P2D",
    },
    disableDeleteSpike: {
        slug: "disable-delete-spike",
        severity: 1,
        operator: "GreaterThan",
        threshold: 25,
        frequency: "PT15M",
        window: "PT1H",
        autoMitigate: true,
        measure: "DisablesAndDeletes",
        dimensions: ["App", "JobId"],
    },
    quarantine: {
        slug: "quarantine",
        severity: 1,
        operator: "GreaterThan",
        threshold: 0,
        frequency: "PT1H",
        window: "P2D",
        autoMitigate: false,
        rows: "quarantine events",
        dimensions: ["App"],
    },
    logsAtRisk: {
        slug: "logs-at-risk",
        severity: 1,
        operator: "GreaterThan",
        threshold: 0,
        frequency: "PT15M",
        window: "P1D",
        autoMitigate: true,
        rows: "daily-cap events",
        dimensions: [],
    },
};

/** What an alert says when a stack turns autoMitigate the other way from the catalog. */
const RESOLVES_OVERRIDDEN = {
    on: "Resolves by itself once an evaluation no longer sees the condition (autoMitigate set by alertOverrides).",
    off: "Fires at every evaluation while the condition holds and does not resolve by itself: close it by hand (autoMitigate off by alertOverrides).",
};

/** The inputs of rule `id` with the catalog's defaults, changed by `change`, with the minimal args unless told. */
function expectedRule(
    id: AlertRuleId,
    change: {
        severity?: number;
        threshold?: number;
        autoMitigate?: boolean;
        mute?: string;
        query?: string;
        actionGroups?: string[];
        portal?: string;
        links?: Record<string, string>;
        tags?: Record<string, string>;
    } = {},
) {
    const d = {
        ...DEFAULTS[id],
        ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
    } as (typeof DEFAULTS)[AlertRuleId] & {
        mute?: string;
    };
    const def = ALERT_CATALOG[id];
    const op = { GreaterThan: ">", GreaterThanOrEqual: "≥", LessThan: "<" }[
        d.operator as "GreaterThan" | "GreaterThanOrEqual" | "LessThan"
    ];
    const threshold = `${d.measure ?? d.rows} ${op} ${d.threshold} in ${d.window}, evaluated every ${d.frequency}`;
    const resolves = d.autoMitigate === DEFAULTS[id].autoMitigate ? def.resolves : RESOLVES_OVERRIDDEN[d.autoMitigate ? "on" : "off"];
    return {
        ruleName: `entra-provisioning-test-${d.slug}`,
        resourceGroupName: "rg-audit",
        location: "westeurope",
        kind: "LogAlert",
        displayName: def.title,
        description: `${def.title}: ${threshold}. ${def.runbook} ${resolves}`,
        enabled: true,
        severity: d.severity,
        scopes: [WORKSPACE_ID],
        evaluationFrequency: d.frequency,
        windowSize: d.window,
        ...(d.overrideQueryTimeRange ? { overrideQueryTimeRange: d.overrideQueryTimeRange } : {}),
        autoMitigate: d.autoMitigate,
        ...(d.mute ? { muteActionsDuration: d.mute } : {}),
        // ARM validates only the rule whose table every workspace has (_LogOperation); the others
        // read Entra's tables, which a new workspace may not resolve yet.
        skipQueryValidation: id !== "logsAtRisk",
        criteria: {
            allOf: [
                {
                    query: change.query ?? kql(def.query),
                    timeAggregation: d.measure ? "Total" : "Count",
                    ...(d.measure ? { metricMeasureColumn: d.measure } : {}),
                    operator: d.operator,
                    threshold: d.threshold,
                    dimensions: d.dimensions.map((name) => ({ name, operator: "Include", values: ["*"] })),
                    failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
                },
            ],
        },
        actions: {
            actionGroups: change.actionGroups ?? ["alerts-team-id"],
            customProperties: {
                rule: id,
                threshold,
                whatToDo: def.runbook,
                resolves,
                provisioningLogs: `${change.portal ?? "https://portal.azure.com"}/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents`,
                ...change.links,
            },
        },
        ...(change.tags ? { tags: change.tags } : {}),
    };
}

/** A secret input, as the engine receives it: webhook URIs and Logic App callback URLs are credentials. */
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

/** An action group's receiver lists, all empty. */
const NO_RECEIVERS = { emailReceivers: [], smsReceivers: [], armRoleReceivers: [], webhookReceivers: [], logicAppReceivers: [] };

// ---------------------------------------------------------------------------------------------

describe("ProvisioningAlerts (contract under mocks)", () => {
    let minimal: Built<ProvisioningAlerts>;
    let maximal: Built<ProvisioningAlerts>;
    before(async () => {
        await mocks.use();
        minimal = await construct((opts) => new ProvisioningAlerts("alerts", minimalArgs(), opts));
        maximal = await construct((opts) => new ProvisioningAlerts("alerts", maximalArgs(), opts));
    });

    describe("children", () => {
        const list = (b: Built<ProvisioningAlerts>) => b.made.map((m) => [m.type, m.name, m.parent]);

        it("registers the team group and the four rules that need neither AuditLogs nor a daily cap, named after the component and parented to it", () => {
            assert.deepStrictEqual(list(minimal), [
                [COMPONENT, "alerts", undefined],
                [GROUP, "alerts-team", "alerts"],
                [RULE, "alerts-failure-spike", "alerts"],
                [RULE, "alerts-provisioning-stopped", "alerts"],
                [RULE, "alerts-app-silent", "alerts"],
                [RULE, "alerts-disable-delete-spike", "alerts"],
            ]);
        });

        it("registers the team and oncall groups and all six rules with every arg given", () => {
            assert.deepStrictEqual(list(maximal), [
                [COMPONENT, "alerts", undefined],
                [GROUP, "alerts-team", "alerts"],
                [GROUP, "alerts-oncall", "alerts"],
                [RULE, "alerts-failure-spike", "alerts"],
                [RULE, "alerts-provisioning-stopped", "alerts"],
                [RULE, "alerts-app-silent", "alerts"],
                [RULE, "alerts-disable-delete-spike", "alerts"],
                [RULE, "alerts-quarantine", "alerts"],
                [RULE, "alerts-logs-at-risk", "alerts"],
            ]);
        });

        it("derives every child's name from the component's name", async () => {
            const other = await construct((opts) => new ProvisioningAlerts("other", minimalArgs(), opts));
            assert.deepStrictEqual(
                other.made.map((m) => m.name),
                [
                    "other",
                    "other-team",
                    "other-failure-spike",
                    "other-provisioning-stopped",
                    "other-app-silent",
                    "other-disable-delete-spike",
                ],
            );
        });

        it("exposes the team group and each deployed rule by its id, under their Azure names", async () => {
            const rules = minimal.component.rules;
            assert.deepStrictEqual(
                [
                    await resolved(minimal.component.teamGroup.name),
                    Object.keys(rules),
                    await Promise.all(Object.values(rules).map((r) => resolved(r.name))),
                ],
                [
                    "ag-entra-provisioning-test-team",
                    ["failureSpike", "provisioningStopped", "appSilent", "disableDeleteSpike"],
                    ["failure-spike", "provisioning-stopped", "app-silent", "disable-delete-spike"].map(
                        (slug) => `entra-provisioning-test-${slug}`,
                    ),
                ],
            );
        });

        it("skips quarantine without AuditLogs and logs-at-risk without a daily cap, saying why", () => {
            assert.deepStrictEqual(minimal.component.skipped, [
                { rule: "quarantine", reason: "quarantine is only logged in AuditLogs: add AuditLogs to diagnosticLogCategories" },
                { rule: "logsAtRisk", reason: "the workspace has no daily cap (dailyQuotaGb), so logs can't be dropped by one" },
            ]);
            assert.deepStrictEqual(maximal.component.skipped, []);
        });

        it("skips a rule the args disable, saying why", async () => {
            const built = await construct(
                (opts) => new ProvisioningAlerts("alerts", { ...maximalArgs(), rules: { logsAtRisk: { enabled: false } } }, opts),
            );
            assert.deepStrictEqual(built.component.skipped, [{ rule: "logsAtRisk", reason: "disabled by alertOverrides" }]);
            assert.strictEqual(
                built.made.some((m) => m.name === "alerts-logs-at-risk"),
                false,
            );
        });
    });

    describe("inputs", () => {
        it("makes a global team group that emails each address on the common alert schema, with the minimal args", () => {
            assert.deepStrictEqual(madeAs(minimal.made, "alerts-team"), {
                type: GROUP,
                name: "alerts-team",
                parent: "alerts",
                dependsOn: [],
                options: { additionalSecretOutputs: ["webhookReceivers", "logicAppReceivers"] },
                inputs: {
                    actionGroupName: "ag-entra-provisioning-test-team",
                    groupShortName: "ProvTeam",
                    resourceGroupName: "rg-audit",
                    location: "Global",
                    enabled: true,
                    ...NO_RECEIVERS,
                    emailReceivers: [{ name: "email-1", emailAddress: "identity-team@contoso.com", useCommonAlertSchema: true }],
                },
            });
        });

        it("numbers every kind of receiver of the team group, webhooks with Entra ID authentication when given", () => {
            assert.deepStrictEqual(madeAs(maximal.made, "alerts-team").inputs, {
                actionGroupName: "ag-entra-provisioning-test-team",
                groupShortName: "IdTeam",
                resourceGroupName: "rg-audit",
                location: "Global",
                enabled: true,
                emailReceivers: [
                    { name: "email-1", emailAddress: "identity-team@contoso.com", useCommonAlertSchema: true },
                    { name: "email-2", emailAddress: "iam-leads@contoso.com", useCommonAlertSchema: true },
                ],
                smsReceivers: [{ name: "sms-1", countryCode: "1", phoneNumber: "4255550100" }],
                armRoleReceivers: [{ name: "role-1", roleId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", useCommonAlertSchema: true }],
                webhookReceivers: secret([
                    { name: "webhook-1", serviceUri: "https://hooks.contoso.com/entra?token=abc", useCommonAlertSchema: true },
                    {
                        name: "webhook-2",
                        serviceUri: "https://itsm.contoso.com/alerts",
                        useCommonAlertSchema: true,
                        useAadAuth: true,
                        objectId: "obj-1",
                        identifierUri: "api://itsm",
                    },
                ]),
                logicAppReceivers: secret([
                    {
                        name: "logicapp-1",
                        resourceId: LOGIC_APP,
                        callbackUrl: "https://prod-01.westeurope.logic.azure.com/workflows/1?sig=xyz",
                        useCommonAlertSchema: true,
                    },
                ]),
                tags: { owner: "identity-team" },
            });
        });

        it("keeps the webhook and Logic App receivers secret in state too", () => {
            assert.deepStrictEqual(madeAs(maximal.made, "alerts-team").options, {
                additionalSecretOutputs: ["webhookReceivers", "logicAppReceivers"],
            });
        });

        it("makes the oncall group with its own short name and receivers", () => {
            assert.deepStrictEqual(madeAs(maximal.made, "alerts-oncall").inputs, {
                actionGroupName: "ag-entra-provisioning-test-oncall",
                groupShortName: "IdOncall",
                resourceGroupName: "rg-audit",
                location: "Global",
                enabled: true,
                ...NO_RECEIVERS,
                emailReceivers: [{ name: "email-1", emailAddress: "oncall@contoso.com", useCommonAlertSchema: true }],
                smsReceivers: [{ name: "sms-1", countryCode: "49", phoneNumber: "1715550100" }],
                tags: { owner: "identity-team" },
            });
        });

        for (const id of ["failureSpike", "provisioningStopped", "appSilent", "disableDeleteSpike"] as const) {
            it(`sends ${id} with the catalog's defaults and its query from queries/, to the team group, with the minimal args`, () => {
                const query =
                    id === "disableDeleteSpike"
                        ? kql("disable-delete-spike").replace("let MinRatio = 0.0;", "let MinRatio = 0;")
                        : undefined;
                assert.deepStrictEqual(madeAs(minimal.made, `alerts-${DEFAULTS[id].slug}`).inputs, expectedRule(id, { query }));
            });
        }

        it("notifies the given action groups, outputs of other resources or IDs, from every deployed rule, after the team and oncall groups", async () => {
            const pager = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ops/providers/Microsoft.Insights/actionGroups/ag-pager`;
            const built = await construct(
                (opts) => new ProvisioningAlerts("alerts", { ...maximalArgs(), actionGroupIds: [pulumi.output(SOC_GROUP), pager] }, opts),
            );
            const toOncall = ["alerts-team-id", "alerts-oncall-id", SOC_GROUP, pager];
            assert.deepStrictEqual(
                built.made.filter((m) => m.type === RULE).map((m) => [m.name, m.inputs.actions.actionGroups]),
                [
                    ["alerts-failure-spike", toOncall],
                    ["alerts-provisioning-stopped", toOncall],
                    ["alerts-app-silent", ["alerts-team-id", SOC_GROUP, pager]],
                    ["alerts-disable-delete-spike", toOncall],
                    ["alerts-quarantine", toOncall],
                    ["alerts-logs-at-risk", toOncall],
                ],
            );
        });

        describe("with every arg given", () => {
            const everyArg = {
                portal: "https://portal.azure.us",
                links: { workspaceLogs: LOGS_URL, workbook: WORKBOOK_URL },
                tags: { owner: "identity-team" },
            };
            const toOncall = ["alerts-team-id", "alerts-oncall-id", SOC_GROUP];

            it("sends failureSpike with its threshold and severity changed, watching the given apps, to oncall too", () => {
                assert.deepStrictEqual(
                    madeAs(maximal.made, "alerts-failure-spike").inputs,
                    expectedRule("failureSpike", {
                        ...everyArg,
                        threshold: 3,
                        severity: 1,
                        query: kql("failure-spike").replace("let Apps = dynamic([]);", 'let Apps = dynamic(["Salesforce", "Workday"]);'),
                        actionGroups: toOncall,
                    }),
                );
            });

            it("sends provisioningStopped with its actions muted for a day, to oncall too", () => {
                assert.deepStrictEqual(
                    madeAs(maximal.made, "alerts-provisioning-stopped").inputs,
                    expectedRule("provisioningStopped", { ...everyArg, mute: "P1D", actionGroups: toOncall }),
                );
            });

            it("sends appSilent watching the silent apps with its baseline changed, to the team and the given groups only (severity 3)", () => {
                assert.deepStrictEqual(
                    madeAs(maximal.made, "alerts-app-silent").inputs,
                    expectedRule("appSilent", {
                        ...everyArg,
                        // With AuditLogs, the paused jobs are queries/paused-jobs.kql's, its comments left out.
                        query: kql("app-silent")
                            .replace("let MinBaselineEvents = 20;", "let MinBaselineEvents = 50;")
                            .replace("let WatchedApps = dynamic([]);", 'let WatchedApps = dynamic(["ServiceNow"]);')
                            .replace(
                                "let PausedJobs = datatable(App: string)[];",
                                `let PausedJobs = (${kql("paused-jobs")
                                    .split("\n")
                                    .filter((l) => l !== "" && !l.startsWith("//"))
                                    .join("\n")});`,
                            ),
                        actionGroups: ["alerts-team-id", SOC_GROUP],
                    }),
                );
            });

            it("sends disableDeleteSpike watching the given apps with a minimum ratio", () => {
                assert.deepStrictEqual(
                    madeAs(maximal.made, "alerts-disable-delete-spike").inputs,
                    expectedRule("disableDeleteSpike", {
                        ...everyArg,
                        query: kql("disable-delete-spike")
                            .replace("let Apps = dynamic([]);", 'let Apps = dynamic(["Salesforce", "Workday"]);')
                            .replace("let MinRatio = 0.0;", "let MinRatio = 0.2;"),
                        actionGroups: toOncall,
                    }),
                );
            });

            it("sends quarantine, which needs AuditLogs, with its actions muted", () => {
                assert.deepStrictEqual(
                    madeAs(maximal.made, "alerts-quarantine").inputs,
                    expectedRule("quarantine", { ...everyArg, mute: "PT6H", actionGroups: toOncall }),
                );
            });

            it("sends logsAtRisk, which needs a daily cap", () => {
                assert.deepStrictEqual(
                    madeAs(maximal.made, "alerts-logs-at-risk").inputs,
                    expectedRule("logsAtRisk", { ...everyArg, actionGroups: toOncall }),
                );
            });
        });
    });

    describe("validation", () => {
        /** What the component threw for `args`, having made nothing but itself: the check comes before any child. */
        async function refusal(args: ProvisioningAlertsArgs): Promise<unknown> {
            const { error, made } = await mocks.refused((opts) => new ProvisioningAlerts("alerts", args, opts));
            assert.deepStrictEqual(
                made.map((m) => m.name),
                ["alerts"],
            );
            return error;
        }

        const message = (e: unknown) => [e instanceof Error, (e as Error).message];

        it("passes the minimal and maximal args, short names of 12 characters with a space inside, and severities 0 and 4", async () => {
            assert.deepStrictEqual([alertOptionsProblem(minimalArgs()), alertOptionsProblem(maximalArgs())], [undefined, undefined]);
            const built = await construct(
                (opts) =>
                    new ProvisioningAlerts(
                        "alerts",
                        { ...maximalArgs(), teamShortName: "Identity Tea", oncallShortName: "On call 24x7" },
                        opts,
                    ),
            );
            assert.deepStrictEqual(
                built.made.filter((m) => m.type === GROUP).map((m) => m.inputs.groupShortName),
                ["Identity Tea", "On call 24x7"],
            );
            for (const oncallMaxSeverity of [0, 4]) {
                assert.strictEqual(alertOptionsProblem({ ...maximalArgs(), oncallMaxSeverity }), undefined, String(oncallMaxSeverity));
            }
        });

        for (const [what, team] of [
            ["no receiver list", {}],
            ["only empty receiver lists", { emails: [], sms: [], armRoles: [], webhooks: [], logicApps: [] }],
        ] as const) {
            it(`fails when the team has ${what}`, async () => {
                assert.deepStrictEqual(message(await refusal({ ...minimalArgs(), team })), [
                    true,
                    "ProvisioningAlerts alerts: team needs at least one receiver (emails, sms, armRoles, webhooks or logicApps): an alert that notifies no one monitors nothing",
                ]);
            });
        }

        for (const [key, value] of [
            ["teamShortName", "IdentityTeam1"],
            ["teamShortName", " IdTeam"],
            ["teamShortName", "IdTeam "],
            ["teamShortName", ""],
            ["oncallShortName", "IdentityOncall"],
            ["oncallShortName", "IdOncall "],
        ] as const) {
            it(`fails when ${key} is ${JSON.stringify(value)}: not 1-12 characters without a space at either end`, async () => {
                assert.deepStrictEqual(message(await refusal({ ...minimalArgs(), [key]: value })), [
                    true,
                    `ProvisioningAlerts alerts: ${key} must be 1-12 characters without a space at either end, as Azure takes action group short names (got "${value}")`,
                ]);
            });
        }

        for (const severity of [-1, 5, 1.5, Number.NaN]) {
            it(`fails when oncallMaxSeverity is ${severity}: not a severity from 0 to 4`, async () => {
                assert.deepStrictEqual(message(await refusal({ ...maximalArgs(), oncallMaxSeverity: severity })), [
                    true,
                    `ProvisioningAlerts alerts: oncallMaxSeverity must be an alert severity, 0-4 (got ${severity})`,
                ]);
            });
        }
    });

    describe("defaults", () => {
        it("makes no oncall group when oncall is left out", () => {
            assert.strictEqual(minimal.component.oncallGroup, undefined);
        });

        it("sends rules of severity 1 and more severe to oncall, and names the groups ProvTeam and ProvOncall, when those args are left out", async () => {
            const { oncallMaxSeverity, teamShortName, oncallShortName, ...rest } = maximalArgs();
            const built = await construct((opts) => new ProvisioningAlerts("alerts", rest, opts));
            assert.deepStrictEqual(
                built.made.filter((m) => m.type === RULE).map((m) => [m.name, m.inputs.severity, m.inputs.actions.actionGroups]),
                [
                    ["alerts-failure-spike", 1, ["alerts-team-id", "alerts-oncall-id", SOC_GROUP]],
                    ["alerts-provisioning-stopped", 2, ["alerts-team-id", SOC_GROUP]],
                    ["alerts-app-silent", 3, ["alerts-team-id", SOC_GROUP]],
                    ["alerts-disable-delete-spike", 1, ["alerts-team-id", "alerts-oncall-id", SOC_GROUP]],
                    ["alerts-quarantine", 1, ["alerts-team-id", "alerts-oncall-id", SOC_GROUP]],
                    ["alerts-logs-at-risk", 1, ["alerts-team-id", "alerts-oncall-id", SOC_GROUP]],
                ],
            );
            assert.deepStrictEqual(
                built.made.filter((m) => m.type === GROUP).map((m) => m.inputs.groupShortName),
                ["ProvTeam", "ProvOncall"],
            );
        });

        it("applies the catalog's settings to every rule when rules is left out", async () => {
            const built = await construct((opts) => new ProvisioningAlerts("alerts", { ...maximalArgs(), rules: undefined }, opts));
            assert.deepStrictEqual(
                built.made
                    .filter((m) => m.type === RULE)
                    .map((m) => [
                        m.inputs.severity,
                        m.inputs.criteria.allOf[0].threshold,
                        m.inputs.evaluationFrequency,
                        m.inputs.windowSize,
                        m.inputs.autoMitigate,
                    ]),
                Object.values(DEFAULTS).map((d) => [d.severity, d.threshold, d.frequency, d.window, d.autoMitigate]),
            );
        });

        it("watches every app when apps and silentApps are left out (the queries' empty lists)", () => {
            for (const [name, line] of [
                ["alerts-failure-spike", "let Apps = dynamic([]);"],
                ["alerts-disable-delete-spike", "let Apps = dynamic([]);"],
                ["alerts-app-silent", "let WatchedApps = dynamic([]);"],
            ]) {
                assert.ok(madeAs(minimal.made, name).inputs.criteria.allOf[0].query.includes(line), `${name}: ${line}`);
            }
        });

        it("notifies no other action group when actionGroupIds is left out", () => {
            for (const m of minimal.made.filter((r) => r.type === RULE)) {
                assert.deepStrictEqual(m.inputs.actions.actionGroups, ["alerts-team-id"], m.name);
            }
        });

        it("gives every receiver list of a group, empty, when the receivers leave it out", () => {
            const { emailReceivers, ...rest } = madeAs(minimal.made, "alerts-team").inputs;
            assert.deepStrictEqual(Object.fromEntries(Object.entries(rest).filter(([k]) => k.endsWith("Receivers"))), {
                smsReceivers: [],
                armRoleReceivers: [],
                webhookReceivers: [],
                logicAppReceivers: [],
            });
            assert.strictEqual(emailReceivers.length, 1);
        });

        it("links every alert to the public cloud's provisioning logs, and to no workspace or workbook, when their links are left out", () => {
            for (const m of minimal.made.filter((r) => r.type === RULE)) {
                assert.deepStrictEqual(
                    Object.keys(m.inputs.actions.customProperties).sort(),
                    ["provisioningLogs", "resolves", "rule", "threshold", "whatToDo"],
                    m.name,
                );
                assert.strictEqual(
                    m.inputs.actions.customProperties.provisioningLogs,
                    "https://portal.azure.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents",
                );
            }
        });
    });
});
