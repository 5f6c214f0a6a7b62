import * as assert from "node:assert";
import { parseSettings } from "../../program/settings";
import { KqlAnalyzer, loadSchemas } from "../../tools/offline/kql/analyzer";
import { checkQueries } from "../../tools/offline/kql/check";
import { deployedQueries } from "../../tools/offline/kql/collect";
import { loadQuery, loadQueryWith } from "../../components/support/queries";
import { ALERT_CATALOG, ALERT_RULE_IDS, durationMinutes } from "../../components/support/alertCatalog";
import { type Evaluation, evaluateStack, evaluateStackWith, type RecordedResource } from "../../tools/offline/recorder";
import { projectName, readStackConfig } from "../../tools/stackFiles";

const RULE = "azure-native:monitor:ScheduledQueryRule";
const GROUP = "azure-native:monitor:ActionGroup";

function rules(e: Evaluation): Record<string, RecordedResource> {
    return Object.fromEntries(e.resources.filter((r) => r.type === RULE).map((r) => [String(r.inputs.ruleName), r]));
}

function groupId(e: Evaluation, suffix: string): string {
    const g = e.resources.find((r) => r.type === GROUP && String(r.inputs.actionGroupName).endsWith(suffix));
    assert.ok(g, `an action group ending in ${suffix}`);
    const i = g.inputs as { actionGroupName: string; resourceGroupName: string };
    return `/subscriptions/${readStackConfig(e.stack).config[`${projectName()}:subscriptionId`]}/resourceGroups/${i.resourceGroupName}/providers/Microsoft.Insights/actionGroups/${i.actionGroupName}`;
}

describe("provisioning alerts", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        dev = await evaluateStack("dev");
        prod = await evaluateStack("prod");
    });

    it("deploys the dev failure-spike rule with its exact criteria, split per app and job", () => {
        const r = rules(dev)["entra-provisioning-dev-failure-spike"];
        const workspace =
            "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-entra-provisioning-logs-dev/providers/Microsoft.OperationalInsights/workspaces/log-entra-provisioning-dev";
        assert.deepStrictEqual(r.inputs, {
            ruleName: "entra-provisioning-dev-failure-spike",
            resourceGroupName: "rg-entra-provisioning-logs-dev",
            location: "westeurope",
            kind: "LogAlert",
            displayName: "Provisioning failures spiked for an application",
            description:
                "Provisioning failures spiked for an application: Failures ≥ 3 in PT1H, evaluated every PT15M. Open the provisioning logs of the app in the alert (Entra ID > Enterprise applications > the app > Provisioning logs, filter Status = Failure), read the error codes and fix the mapping, scoping or target-app credentials. Resolves by itself once the app's failures in the window are back under the threshold.",
            enabled: true,
            severity: 2,
            scopes: [workspace],
            evaluationFrequency: "PT15M",
            windowSize: "PT1H",
            autoMitigate: true,
            skipQueryValidation: true,
            criteria: {
                allOf: [
                    {
                        query: loadQuery("failure-spike"),
                        timeAggregation: "Total",
                        metricMeasureColumn: "Failures",
                        operator: "GreaterThanOrEqual",
                        threshold: 3,
                        dimensions: [
                            { name: "App", operator: "Include", values: ["*"] },
                            { name: "JobId", operator: "Include", values: ["*"] },
                        ],
                        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
                    },
                ],
            },
            actions: {
                actionGroups: [groupId(dev, "-team")],
                customProperties: {
                    rule: "failureSpike",
                    threshold: "Failures ≥ 3 in PT1H, evaluated every PT15M",
                    whatToDo:
                        "Open the provisioning logs of the app in the alert (Entra ID > Enterprise applications > the app > Provisioning logs, filter Status = Failure), read the error codes and fix the mapping, scoping or target-app credentials.",
                    resolves: "Resolves by itself once the app's failures in the window are back under the threshold.",
                    provisioningLogs: "https://portal.azure.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents",
                    workspaceLogs: `https://portal.azure.com/#@3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f/resource${workspace}/logs`,
                    workbook: (dev.outputs.workbookUrls as Record<string, string>)["provisioning-overview"],
                },
            },
            tags: { environment: "dev", owner: "identity-platform" },
        });
    });

    it("deploys in dev the rules its config asks for, and says why the others are skipped", () => {
        assert.deepStrictEqual(Object.keys(rules(dev)).sort(), [
            "entra-provisioning-dev-disable-delete-spike",
            "entra-provisioning-dev-failure-spike",
            "entra-provisioning-dev-logs-at-risk",
            "entra-provisioning-dev-provisioning-stopped",
        ]);
        assert.deepStrictEqual(dev.outputs.alertRulesSkipped, [
            "appSilent: disabled by alertOverrides",
            "quarantine: quarantine is only logged in AuditLogs: add AuditLogs to diagnosticLogCategories",
        ]);
        const stopped = rules(dev)["entra-provisioning-dev-provisioning-stopped"].inputs as any;
        assert.deepStrictEqual(
            [
                stopped.criteria.allOf[0].operator,
                stopped.criteria.allOf[0].threshold,
                stopped.criteria.allOf[0].dimensions,
                stopped.windowSize,
                stopped.evaluationFrequency,
                stopped.overrideQueryTimeRange,
                stopped.autoMitigate,
            ],
            ["GreaterThan", 0, [], "P1D", "PT1H", "P2D", false],
        );
    });

    it("routes severe prod alerts to oncall and team, the rest to team only", () => {
        const team = groupId(prod, "-team");
        const oncall = groupId(prod, "-oncall");
        const routing = Object.fromEntries(
            Object.entries(rules(prod)).map(([name, r]) => [name, [(r.inputs as any).severity, (r.inputs as any).actions.actionGroups]]),
        );
        assert.deepStrictEqual(routing, {
            "entra-provisioning-prod-failure-spike": [2, [team]],
            "entra-provisioning-prod-provisioning-stopped": [1, [team, oncall]],
            "entra-provisioning-prod-app-silent": [3, [team]],
            "entra-provisioning-prod-disable-delete-spike": [1, [team, oncall]],
            "entra-provisioning-prod-quarantine": [1, [team, oncall]],
        });
    });

    it("creates the prod action groups globally with short names, common schema and the configured receivers", () => {
        const groups = Object.fromEntries(prod.resources.filter((r) => r.type === GROUP).map((r) => [r.inputs.actionGroupName, r.inputs]));
        assert.deepStrictEqual(groups["ag-entra-provisioning-prod-oncall"], {
            actionGroupName: "ag-entra-provisioning-prod-oncall",
            groupShortName: "ProvOncall",
            resourceGroupName: "rg-identity-audit-prod",
            location: "Global",
            enabled: true,
            emailReceivers: [],
            smsReceivers: [{ name: "sms-1", countryCode: "1", phoneNumber: "4255550100" }],
            armRoleReceivers: [{ name: "role-1", roleId: "749f88d5-cbae-40b8-bcfc-e573ddc772fa", useCommonAlertSchema: true }],
            webhookReceivers: [],
            logicAppReceivers: [],
            tags: { environment: "prod", owner: "identity-platform", "data-classification": "audit" },
        });
        assert.deepStrictEqual((groups["ag-entra-provisioning-prod-team"] as any).emailReceivers, [
            { name: "email-1", emailAddress: "identity-team@contoso.com", useCommonAlertSchema: true },
        ]);
    });

    it("puts the configured apps and baseline into the prod queries, and no ratio that would hide a mass disable in a busy app", () => {
        const q = (name: string) => (rules(prod)[name].inputs as any).criteria.allOf[0].query as string;
        assert.match(q("entra-provisioning-prod-disable-delete-spike"), /^let MinRatio = 0; /m);
        assert.match(
            q("entra-provisioning-prod-app-silent"),
            /^let WatchedApps = dynamic\(\["Workday to Microsoft Entra ID User Provisioning"\]\); /m,
        );
        assert.strictEqual((rules(prod)["entra-provisioning-prod-app-silent"].inputs as any).overrideQueryTimeRange, "P2D");
    });

    describe("alert state follows the problem", () => {
        /**
         * Each rule's condition as deployed (measure or row count, operator, threshold, dimensions),
         * its window, frequency, query range and whether it resolves by itself. A condition a sliding
         * window holds whole resolves by itself; one that can outlast the two days an alert query sees
         * (quarantine up to four weeks, an app silent longer than the lookback) does not.
         */
        const STATES: Record<
            string,
            { condition: unknown[]; window: string; frequency: string; queryRange?: string; autoMitigate: boolean }
        > = {
            "failure-spike": {
                condition: ["Total", "Failures", "GreaterThanOrEqual", 10, ["App", "JobId"]],
                window: "PT1H",
                frequency: "PT15M",
                autoMitigate: true,
            },
            "provisioning-stopped": {
                condition: ["Count", undefined, "GreaterThan", 0, []],
                window: "P1D",
                frequency: "PT1H",
                queryRange: "P2D",
                autoMitigate: false,
            },
            "app-silent": {
                condition: ["Count", undefined, "GreaterThan", 0, ["App", "JobId"]],
                window: "P1D",
                frequency: "PT1H",
                queryRange: "P2D",
                autoMitigate: true,
            },
            "disable-delete-spike": {
                condition: ["Total", "DisablesAndDeletes", "GreaterThan", 50, ["App", "JobId"]],
                window: "PT1H",
                frequency: "PT15M",
                autoMitigate: true,
            },
            quarantine: {
                condition: ["Count", undefined, "GreaterThan", 0, ["App"]],
                window: "P2D",
                frequency: "PT1H",
                autoMitigate: false,
            },
            "logs-at-risk": {
                condition: ["Count", undefined, "GreaterThan", 0, []],
                window: "P1D",
                frequency: "PT15M",
                autoMitigate: true,
            },
        };
        let all: Evaluation;
        before(async () => {
            // prod with a daily cap deploys all six rules.
            all = await evaluateStackWith("prod", { dailyQuotaGb: "5" });
        });

        it("deploys every rule with its condition, window, frequency, query range and resolution", () => {
            const deployed = Object.fromEntries(
                Object.entries(rules(all)).map(([name, r]) => {
                    const i = r.inputs as any;
                    const c = i.criteria.allOf[0];
                    return [
                        name.slice("entra-provisioning-prod-".length),
                        {
                            condition: [
                                c.timeAggregation,
                                c.metricMeasureColumn,
                                c.operator,
                                c.threshold,
                                c.dimensions.map((d: { name: string }) => d.name),
                            ],
                            window: i.windowSize,
                            frequency: i.evaluationFrequency,
                            ...(i.overrideQueryTimeRange ? { queryRange: i.overrideQueryTimeRange } : {}),
                            autoMitigate: i.autoMitigate,
                        },
                    ];
                }),
            );
            assert.deepStrictEqual(deployed, STATES);
        });

        it("keeps every rule valid for ARM: a window no shorter than the frequency, a query range within two days", () => {
            for (const [name, r] of Object.entries(rules(all))) {
                const i = r.inputs as any;
                const minutes = (iso: string) => durationMinutes(iso);
                assert.ok(minutes(i.windowSize) >= minutes(i.evaluationFrequency), name);
                const range = Math.max(
                    minutes(i.windowSize) * i.criteria.allOf[0].failingPeriods.numberOfEvaluationPeriods,
                    i.overrideQueryTimeRange ? minutes(i.overrideQueryTimeRange) : 0,
                );
                assert.ok(range <= 2 * 1440, `${name} queries at most two days`);
                if (i.overrideQueryTimeRange) {
                    assert.ok(minutes(i.overrideQueryTimeRange) > minutes(i.windowSize), `${name} overrides the range only to lengthen it`);
                }
                assert.strictEqual(i.muteActionsDuration, undefined, `${name} mutes nothing by default`);
            }
        });

        it("tells in each alert how it ends", () => {
            const resolves = Object.fromEntries(
                Object.entries(rules(all)).map(([name, r]) => [
                    name.slice("entra-provisioning-prod-".length),
                    (r.inputs as any).actions.customProperties.resolves,
                ]),
            );
            for (const name of ["provisioning-stopped", "quarantine"]) {
                assert.match(resolves[name], /does not resolve by itself/, name);
            }
            for (const name of ["failure-spike", "app-silent", "disable-delete-spike", "logs-at-risk"]) {
                assert.match(resolves[name], /^Resolves by itself/, name);
            }
        });

        describe("with windows and autoMitigate overridden", () => {
            let e: Evaluation;
            before(async () => {
                // One evaluation for both: a rule's lookback follows its window, what it says of its end its autoMitigate.
                e = await evaluateStackWith("prod", {
                    alertOverrides: JSON.stringify([
                        "appSilent.window=P2D",
                        "quarantine.window=P1D",
                        "appSilent.autoMitigate=false",
                        "failureSpike.autoMitigate=false",
                    ]),
                });
            });

            it("looks back as far as the rule's time range when the window is overridden, with no ago() of a variable", () => {
                const silent = rules(e)["entra-provisioning-prod-app-silent"].inputs as any;
                const quarantined = rules(e)["entra-provisioning-prod-quarantine"].inputs as any;
                assert.strictEqual(silent.overrideQueryTimeRange, undefined, "a two-day window needs no override");
                assert.deepStrictEqual(
                    [silent.windowSize, quarantined.windowSize, quarantined.overrideQueryTimeRange],
                    ["P2D", "P1D", undefined],
                );
                // The time range is the rule's alone: alert queries may use ago() with timespan literals only.
                const analyzer = new KqlAnalyzer();
                for (const r of [silent, quarantined]) {
                    assert.deepStrictEqual(analyzer.analyze(r.criteria.allOf[0].query).constructs, [], r.ruleName);
                }
            });

            it("says what an autoMitigate override means for the alert", () => {
                const props = (name: string) =>
                    (rules(e)[`entra-provisioning-prod-${name}`].inputs as any).actions.customProperties.resolves;
                assert.match(props("app-silent"), /does not resolve by itself: close it by hand \(autoMitigate off by alertOverrides\)/);
                assert.match(props("failure-spike"), /does not resolve by itself: close it by hand \(autoMitigate off by alertOverrides\)/);
            });
        });
    });

    describe("what the queries read", () => {
        const query = (name: string) => loadQuery(name);

        it("shows empty application names and job IDs as Unknown in every per-application rule", () => {
            for (const name of ["failure-spike", "disable-delete-spike", "app-silent"]) {
                assert.match(
                    query(name),
                    /App = iff\(isempty\(App\), "Unknown", App\), JobId = iff\(isempty\(JobId\), "Unknown", JobId\)/,
                    name,
                );
            }
            assert.match(query("quarantine"), /App = iff\(isempty\(App\), "Unknown", App\)/);
        });

        it("matches configured app names and job IDs in any case", () => {
            for (const name of ["failure-spike", "disable-delete-spike"]) {
                assert.match(query(name), /App in~ \(Apps\) or JobId in~ \(Apps\)/, name);
            }
            assert.match(query("app-silent"), /App in~ \(WatchedApps\) or JobId in~ \(WatchedApps\)/);
        });

        it("watches apps named in alertSilentApps even when they logged nothing in the lookback", () => {
            // The named apps are rows of their own, not only a filter on the apps that logged.
            // A named app that matched no logged app or job keeps its row through the outer join.
            assert.match(
                query("app-silent"),
                /\| join kind=fullouter \(print Name = WatchedApps\n {4}\| mv-expand Name to typeof\(string\)\n {4}\| extend Key = tolower\(Name\)\) on Key\n/,
            );
            assert.match(query("app-silent"), /by App = iff\(Seen, App, Name\), JobId = iff\(Seen, JobId, "Unknown"\)/);
        });

        it("counts the daily-cap events of the window, with Microsoft's daily-cap alert query, so a cap hit just before the reset still fires", () => {
            assert.match(
                query("logs-at-risk"),
                /^_LogOperation\n\| where Category =~ "Ingestion"\n\| where Detail contains "OverQuota"\n/m,
            );
            assert.doesNotMatch(query("logs-at-risk"), /arg_max/);
        });

        it("takes each quarantine event in the one hourly evaluation after it became queryable, with Microsoft's quarantine filter", () => {
            assert.match(query("quarantine"), /^AuditLogs\n\| where ingestion_time\(\) > ago\(1h\)\n/m);
            assert.match(query("quarantine"), /\| where Category == "ProvisioningManagement" and ActivityDisplayName == "Quarantine"\n/);
        });

        it("puts no datetime column in a rule's result, so the alert counts rows rather than time bins", () => {
            const analyzer = new KqlAnalyzer();
            for (const id of ALERT_RULE_IDS) {
                const columns = analyzer.analyze(query(ALERT_CATALOG[id].query)).columns;
                assert.deepStrictEqual(
                    columns.filter((c) => c.type === "datetime"),
                    [],
                    id,
                );
            }
        });
    });

    it("makes the alert rules wait for the Microsoft.Insights registration", () => {
        const registration = dev.resources.find((r) => r.name === "entra-provisioning-insights-registration")!;
        for (const r of dev.resources.filter((r) => r.type === RULE || r.type === GROUP)) {
            assert.ok(r.dependsOn.includes(registration.urn), `${r.name} waits for the registration`);
        }
    });

    it("has alert queries that pass the KQL check, alert-rule restrictions included", () => {
        const queries = deployedQueries([...dev.resources, ...prod.resources].filter((r) => r.type === RULE));
        assert.strictEqual(queries.length, 9);
        assert.ok(queries.every((q) => q.alert));
        assert.deepStrictEqual(checkQueries(queries, new KqlAnalyzer()), []);
    });

    it("skips ARM's query validation exactly for the rules whose tables a new workspace may not resolve yet", () => {
        // A new workspace: none of Entra's tables; the Operation table behind _LogOperation is in every workspace.
        const { tables, functions } = loadSchemas();
        const fresh = new KqlAnalyzer({
            tables: Object.fromEntries(Object.entries(tables).filter(([t]) => !["AADProvisioningLogs", "AuditLogs"].includes(t))),
            functions,
        });
        const deployed = [...dev.resources, ...prod.resources].filter((r) => r.type === RULE);
        assert.strictEqual(deployed.length, 9);
        for (const r of deployed) {
            const inputs = r.inputs as any;
            const resolves = fresh.analyze(inputs.criteria.allOf[0].query).errors.length === 0;
            assert.strictEqual(inputs.skipQueryValidation, !resolves, inputs.ruleName);
        }
    });

    describe("a stack that names apps to watch and a secret webhook receiver", () => {
        const url = "https://hooks.example.net/services/T000/B000/very-secret-token";
        let e: Evaluation;
        before(async () => {
            // One evaluation for both: the apps reach only the rules' queries, the webhook only the oncall group.
            e = await evaluateStackWith(
                "dev",
                {
                    alertApps: JSON.stringify(["Salesforce", "Workday to Microsoft Entra ID User Provisioning"]),
                    alertSecretReceivers: JSON.stringify([`oncall webhook ${url} aad 11111111-2222-3333-4444-555555555555 api://alerts`]),
                },
                { secret: ["alertSecretReceivers"] },
            );
        });

        it("keeps the same rules, each with the apps in its query: the number of rules never grows with the apps", () => {
            // Split per app and job instead of a rule per app; npm run bench counts the rules with 1, 100 and 1,000 apps.
            assert.deepStrictEqual(Object.keys(rules(e)).sort(), Object.keys(rules(dev)).sort());
            const q = (slug: string) => (rules(e)[`entra-provisioning-dev-${slug}`].inputs as any).criteria.allOf[0].query as string;
            for (const slug of ["failure-spike", "disable-delete-spike"]) {
                assert.match(q(slug), /^let Apps = dynamic\(\["Salesforce", "Workday to Microsoft Entra ID User Provisioning"\]\);/m, slug);
                assert.match(
                    (rules(dev)[`entra-provisioning-dev-${slug}`].inputs as any).criteria.allOf[0].query,
                    /^let Apps = dynamic\(\[\]\);/m,
                );
            }
        });

        it("keeps webhook URLs secret in every recorded input and output", () => {
            const everything = JSON.stringify({ resources: e.resources, outputs: e.outputs });
            assert.ok(!everything.includes("very-secret-token"), "the webhook URL appears in plain text");
            const oncall = e.resources.find((r) => r.type === GROUP && String(r.inputs.actionGroupName).endsWith("-oncall"))!;
            // Over the engine's protocol the secret stays where it is: the URL, inside its receiver.
            assert.deepStrictEqual((oncall.inputs as any).webhookReceivers, [
                {
                    identifierUri: "api://alerts",
                    name: "webhook-1",
                    objectId: "11111111-2222-3333-4444-555555555555",
                    serviceUri: "[secret]",
                    useAadAuth: true,
                    useCommonAlertSchema: true,
                },
            ]);
            assert.deepStrictEqual((oncall.inputs as any).smsReceivers, []);
        });
    });

    describe("configuration", () => {
        const base = {
            tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
            subscriptionId: "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
            location: "westeurope",
            alertReceivers: '["email identity@contoso.com"]',
        };
        const withAlert = (key: string, value: unknown) => ({ ...base, [key]: JSON.stringify(value) });
        const cases: Array<[string, Record<string, string>, string]> = [
            [
                "an equality operator",
                withAlert("alertOverrides", ["failureSpike.operator=Equal"]),
                '`alertOverrides[0]` failureSpike.operator must be one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual (equality is rejected by Azure) (got "Equal")',
            ],
            [
                "a frequency Azure does not offer",
                withAlert("alertOverrides", ["failureSpike.frequency=PT20M"]),
                '`alertOverrides[0]` failureSpike.frequency must be one of PT1M, PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D (got "PT20M")',
            ],
            [
                "a window shorter than the frequency",
                withAlert("alertOverrides", ["failureSpike.window=PT5M"]),
                "`alertOverrides` failureSpike.window (PT5M) must not be shorter than its frequency (PT15M)",
            ],
            [
                "a severity out of range",
                withAlert("alertOverrides", ["quarantine.severity=5"]),
                '`alertOverrides[0]` quarantine.severity must be a whole number from 0 to 4 (got "5")',
            ],
            [
                "more than one evaluation period",
                withAlert("alertOverrides", ["failureSpike.periods=3"]),
                '`alertOverrides[0]` failureSpike.periods must be 1: these queries return one total per application and no time column to split into periods (got "3")',
            ],
            [
                "more failing periods than periods",
                withAlert("alertOverrides", ["failureSpike.failingPeriods=3"]),
                "`alertOverrides` failureSpike.failingPeriods (3) must not exceed its periods (1)",
            ],
            [
                "a mute duration with auto-mitigation",
                withAlert("alertOverrides", ["failureSpike.mute=PT1H"]),
                "`alertOverrides` failureSpike.mute (PT1H) needs failureSpike.autoMitigate=false: Azure rejects muted actions on an auto-mitigated rule",
            ],
            [
                "an unknown rule",
                withAlert("alertOverrides", ["failureSpikes.threshold=5"]),
                '`alertOverrides[0]` names an unknown rule "failureSpikes"; the rules are failureSpike, provisioningStopped, appSilent, disableDeleteSpike, quarantine, logsAtRisk',
            ],
            [
                "a ratio on a rule without one",
                withAlert("alertOverrides", ["failureSpike.ratio=0.5"]),
                '`alertOverrides[0]` failureSpike.ratio is not a setting of this rule: ratio applies to disableDeleteSpike (got "0.5")',
            ],
            [
                "an action group short name over 12 characters",
                { ...base, alertTeamShortName: "ProvisioningTeam" },
                '`alertTeamShortName` must be 1-12 characters without leading or trailing spaces; Azure rejects longer action group short names (got "ProvisioningTeam")',
            ],
            [
                "an unknown receiver kind",
                withAlert("alertReceivers", ["pager +1 555"]),
                '`alertReceivers[0]` kind must be one of email, sms, armrole (got "pager +1 555")',
            ],
            [
                "a webhook in the plain-text receivers",
                withAlert("alertReceivers", ["email a@contoso.com", "webhook https://hooks.example.net/x"]),
                "`alertReceivers[1]` is a webhook: its URL is a credential, so put it in alertSecretReceivers (pulumi config set --secret --path 'alertSecretReceivers[0]' 'webhook …')",
            ],
            [
                "a malformed secret receiver, without echoing it",
                { ...base, alertSecretReceivers: JSON.stringify(["webhook http://hooks.example.net/token"]) },
                '`alertSecretReceivers[0]` must be "webhook <https url> [aad <object id> <identifier uri>]" (value hidden)',
            ],
            [
                "alerts with no team receiver",
                withAlert("alertReceivers", ["oncall sms 1 4255550100"]),
                '`alertReceivers` must name at least one team receiver, e.g. "email identity-team@contoso.com", or set alertsEnabled false: an alert that notifies no one monitors nothing (got none)',
            ],
            [
                "an unknown ARM role",
                withAlert("alertReceivers", ["armrole Billing Reader"]),
                '`alertReceivers[0]` role must be one of Owner, Contributor, Reader, Monitoring Contributor, Monitoring Reader (got "armrole Billing Reader")',
            ],
        ];
        for (const [what, raw, message] of cases) {
            it(`rejects ${what} with one line naming the setting`, () => {
                assert.throws(() => parseSettings(raw, "dev"), { name: "ConfigError", message });
            });
        }

        it("needs no receivers when alerts are disabled", () => {
            assert.strictEqual(parseSettings({ ...base, alertReceivers: "[]", alertsEnabled: "false" }, "dev").alerts, undefined);
        });

        it("accepts a mute duration once auto-mitigation is off", () => {
            const s = parseSettings(withAlert("alertOverrides", ["failureSpike.autoMitigate=false", "failureSpike.mute=PT1H"]), "dev");
            assert.deepStrictEqual([s.alerts!.rules.failureSpike.autoMitigate, s.alerts!.rules.failureSpike.mute], [false, "PT1H"]);
        });
    });

    it("names the query file when the program sets a parameter the file doesn't declare", () => {
        assert.throws(() => loadQueryWith("provisioning-stopped", { Apps: ["x"] }), {
            message: "query file provisioning-stopped.kql has no `let Apps = …;` line for the program to set",
        });
    });
});
