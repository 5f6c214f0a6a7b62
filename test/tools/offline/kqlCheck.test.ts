import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KqlAnalyzer } from "../../../tools/offline/kql/analyzer";
import { ALERT_RESTRICTIONS, checkQueries, formatFinding, IGNORED_WARNINGS } from "../../../tools/offline/kql/check";
import { deployedQueries } from "../../../tools/offline/kql/collect";
import { substituteParameters, workbookParameters, workbookQueries } from "../../../tools/offline/kql/workbook";
import { loadQuery } from "../../../components/support/queries";
import { alertParameterFindings, checkAll } from "../../../tools/offline/kqlCheck";
import type { RecordedResource } from "../../../tools/offline/recorder";
import { resource } from "../../support/recorded";
import { withTempDir } from "../../support/tempDir";

const FIXTURES = path.join(__dirname, "..", "..", "fixtures");

/** A recorded resource named `name`. */
function recorded(type: string, name: string, inputs: Record<string, unknown>): RecordedResource {
    return resource(type, inputs, { name });
}

function alertRule(query: string, measure: string, dimensions: string[] = []): RecordedResource {
    return recorded("azure-native:monitor:ScheduledQueryRule", "failures", {
        criteria: {
            allOf: [
                {
                    query,
                    metricMeasureColumn: measure,
                    dimensions: dimensions.map((name) => ({ name, operator: "Include", values: ["*"] })),
                },
            ],
        },
    });
}

describe("the KQL check", () => {
    let analyzer: KqlAnalyzer;
    before(() => {
        analyzer = new KqlAnalyzer();
    });

    const check = (query: string) => checkQueries([{ source: "q.kql", query }], analyzer).map(formatFinding);

    it("accepts Microsoft's documented sample queries against the AADProvisioningLogs schema", () => {
        const samples = fs.readFileSync(path.join(FIXTURES, "doc-samples.kql"), "utf8").split("// ----\n");
        assert.strictEqual(samples.length, 4);
        for (const sample of samples) {
            assert.deepStrictEqual(check(sample), [], sample);
        }
    });

    it("reports an unknown column with its line and column", () => {
        assert.deepStrictEqual(check('AADProvisioningLogs\n| where ResultTyp == "Failure"'), [
            "q.kql:2:9: KS142 The name 'ResultTyp' does not refer to any known column, table, variable or function.",
        ]);
    });

    it("reports an unknown table", () => {
        assert.deepStrictEqual(check("AADProvisioningLog | take 1"), [
            "q.kql:1:1: KS204 The name 'AADProvisioningLog' does not refer to any known table, tabular variable or function.",
        ]);
    });

    it("reports an unknown function", () => {
        assert.deepStrictEqual(check("AADProvisioningLogs | extend App = parse_jsn(ServicePrincipal)"), [
            "q.kql:1:36: KS211 The name 'parse_jsn' does not refer to any known function.",
        ]);
    });

    it("reports a type error", () => {
        assert.deepStrictEqual(check("AADProvisioningLogs | where TimeGenerated > 5"), [
            "q.kql:1:43: KS106 The operator '>' is not defined for the operand types datetime and long.",
        ]);
    });

    it("reports the analyzer's warnings too: a misspelt table in a fuzzy union never fails and never fires", () => {
        assert.deepStrictEqual(check("union isfuzzy=true AADProvisioningLog, AuditLogs | take 1"), [
            "q.kql:1:20: KS205 The fuzzy name 'AADProvisioningLog' does not refer to any known or currently accessible table.",
        ]);
        // None is ignored today; an ignored code would be listed with its reason.
        assert.deepStrictEqual(IGNORED_WARNINGS, {});
    });

    it("accepts workspace() queries and the standard columns every table has", () => {
        assert.deepStrictEqual(
            check('workspace("contoso-central").AADProvisioningLogs | project _TimeReceived, _ItemId, _ResourceId, _SubscriptionId, Type'),
            [],
        );
        assert.deepStrictEqual(check('workspace("contoso-central").AADProvisioningLog | take 1'), [
            "q.kql:1:30: KS204 The name 'AADProvisioningLog' does not refer to any known table, tabular variable or function.",
        ]);
    });

    it("reports a syntax error", () => {
        assert.deepStrictEqual(check("AADProvisioningLogs\n| where"), ["q.kql:2:8: KS006 Missing expression"]);
    });

    it("knows that the JSON-bearing columns are strings that need parse_json", () => {
        assert.deepStrictEqual(check("AADProvisioningLogs | summarize count() by tostring(ServicePrincipal.Name)").length, 1);
        assert.deepStrictEqual(check("AADProvisioningLogs | summarize count() by App = tostring(parse_json(ServicePrincipal).Name)"), []);
    });

    it("gives the result columns of a query", () => {
        assert.deepStrictEqual(
            analyzer.analyze(
                'AADProvisioningLogs | summarize Failures = countif(ResultType == "Failure") by App = tostring(parse_json(ServicePrincipal).Name), JobId',
            ).columns,
            [
                { name: "App", type: "string" },
                { name: "JobId", type: "string" },
                { name: "Failures", type: "long" },
            ],
        );
    });

    describe("on alert rules", () => {
        const query =
            'AADProvisioningLogs | where ResultType == "Failure" | summarize Failures = count() by App = tostring(parse_json(ServicePrincipal).Name), JobId';
        const rule = (measure: string, dims: string[] = []) =>
            checkQueries(deployedQueries([alertRule(query, measure, dims)]), analyzer).map(formatFinding);

        it("passes when the measure column and dimensions are in the result", () => {
            assert.deepStrictEqual(rule("Failures", ["App", "JobId"]), []);
        });

        it("fails when the measure column is missing from the result", () => {
            assert.deepStrictEqual(rule("FailureCount"), [
                "azure-native:monitor:ScheduledQueryRule failures criteria.allOf[0]: metricMeasureColumn 'FailureCount' is not a result column (the result has: App, JobId, Failures)",
            ]);
        });

        it("fails when the measure column is not numeric", () => {
            assert.deepStrictEqual(rule("App"), [
                "azure-native:monitor:ScheduledQueryRule failures criteria.allOf[0]: metricMeasureColumn 'App' must be numeric (it is string)",
            ]);
        });

        describe("what log search alert rules don't support", () => {
            const RULE = "azure-native:monitor:ScheduledQueryRule failures criteria.allOf[0]";
            const alertFindings = (q: string) => checkQueries(deployedQueries([alertRule(q, "Failures")]), analyzer).map(formatFinding);
            const FAILURES = "| summarize Failures = count()";
            const cases: Array<[string, string, string, string]> = [
                [
                    "a union of a table with a datatable",
                    `union isfuzzy=true AADProvisioningLogs, (datatable(TimeGenerated: datetime)[]) ${FAILURES}`,
                    "1:1: union in an alert rule's query (union isfuzzy=true AADProvisioningLogs, (datatable(TimeGe...)",
                    ALERT_RESTRICTIONS.union,
                ],
                [
                    "a union piped after the table",
                    `AADProvisioningLogs | union AuditLogs ${FAILURES}`,
                    "1:23: union in an alert rule's query (union AuditLogs)",
                    ALERT_RESTRICTIONS.union,
                ],
                [
                    "search",
                    `search "Failure" ${FAILURES}`,
                    `1:1: search in an alert rule's query (search "Failure")`,
                    ALERT_RESTRICTIONS.search,
                ],
                [
                    "ago() of a let variable",
                    `let Lookback = 2d;\nAADProvisioningLogs | where TimeGenerated > ago(Lookback) ${FAILURES}`,
                    "2:45: ago in an alert rule's query (ago(Lookback))",
                    ALERT_RESTRICTIONS.ago,
                ],
                [
                    "ago() of an expression",
                    `AADProvisioningLogs | where TimeGenerated > ago(2 * 1h) ${FAILURES}`,
                    "1:45: ago in an alert rule's query (ago(2 * 1h))",
                    ALERT_RESTRICTIONS.ago,
                ],
                [
                    "a column named AggregatedValue",
                    "AADProvisioningLogs | summarize AggregatedValue = count() | extend Failures = AggregatedValue",
                    "1:33: AggregatedValue in an alert rule's query (AggregatedValue)",
                    ALERT_RESTRICTIONS.AggregatedValue,
                ],
                [
                    "evaluate pivot",
                    `AADProvisioningLogs | evaluate pivot(ResultType) ${FAILURES}`,
                    "1:23: pivot in an alert rule's query (evaluate pivot(ResultType))",
                    ALERT_RESTRICTIONS.pivot,
                ],
                [
                    "evaluate bag_unpack",
                    `AuditLogs | evaluate bag_unpack(AdditionalDetails) ${FAILURES}`,
                    "1:13: bag_unpack in an alert rule's query (evaluate bag_unpack(AdditionalDetails))",
                    ALERT_RESTRICTIONS.bag_unpack,
                ],
                [
                    "evaluate narrow",
                    `AADProvisioningLogs | evaluate narrow() ${FAILURES}`,
                    "1:23: narrow in an alert rule's query (evaluate narrow())",
                    ALERT_RESTRICTIONS.narrow,
                ],
            ];
            for (const [what, query, where, reason] of cases)
                it(`flags ${what}, naming the rule, the construct and Microsoft's reason`, () => {
                    const findings = alertFindings(query);
                    assert.ok(findings.includes(`${RULE}:${where}: ${reason}`), findings.join("\n"));
                    // Valid KQL all the same: outside an alert rule the query is clean.
                    assert.deepStrictEqual(check(query), []);
                });

            it("cites the Learn page of each restriction", () => {
                for (const reason of Object.values(ALERT_RESTRICTIONS)) {
                    assert.match(
                        reason,
                        /\(https:\/\/learn\.microsoft\.com\/azure\/azure-monitor\/alerts\/alerts-(log-query|create-log-alert-rule)\)$/,
                    );
                }
            });

            it("accepts a union across workspaces, ago() of timespan literals and the standard columns", () => {
                assert.deepStrictEqual(
                    alertFindings(
                        'union workspace("contoso-central").AADProvisioningLogs, workspace("contoso-eu").AADProvisioningLogs\n| where TimeGenerated > ago(1d) and _TimeReceived > ago(timespan(2h)) and isnotempty(_ItemId)\n| summarize Failures = count()',
                    ),
                    [],
                );
            });
        });

        it("fails when a dimension is missing from the result", () => {
            assert.deepStrictEqual(rule("Failures", ["AppName"]), [
                "azure-native:monitor:ScheduledQueryRule failures criteria.allOf[0]: dimension 'AppName' is not a result column (the result has: App, JobId, Failures)",
            ]);
        });
    });

    describe("on workbooks", () => {
        const workbook = JSON.parse(fs.readFileSync(path.join(FIXTURES, "workbook.json"), "utf8"));

        it("finds every query step and parameter query, groups included", () => {
            assert.deepStrictEqual(
                workbookQueries(workbook).map((q) => q.where),
                ["items[0].parameters.App", "items[1] (events-over-time)", "items[2].content.items[0] (by-user)"],
            );
            assert.deepStrictEqual(workbookParameters(workbook), [
                { name: "TimeRange", type: 4 },
                { name: "App", type: 2 },
            ]);
        });

        it("substitutes time ranges and other parameters with type-correct placeholders", () => {
            const params = workbookParameters(workbook);
            assert.strictEqual(
                substituteParameters(
                    "T | where TimeGenerated {TimeRange} | where App in ({App}) | summarize by bin(TimeGenerated, {TimeRange:grain})",
                    params,
                ),
                "T | where TimeGenerated between (datetime(2024-01-01T00:00:00Z) .. datetime(2024-01-02T00:00:00Z)) | where App in ('placeholder') | summarize by bin(TimeGenerated, 1h)",
            );
            assert.strictEqual(substituteParameters('T | where X == "{App}"', params), 'T | where X == "placeholder"');
        });

        it("analyses the substituted queries and flags a parameter the workbook does not define", () => {
            const resource = recorded("azure-native:applicationinsights:Workbook", "overview", {
                serializedData: JSON.stringify(workbook),
            });
            assert.deepStrictEqual(checkQueries(deployedQueries([resource]), analyzer).map(formatFinding), [
                "azure-native:applicationinsights:Workbook overview items[2].content.items[0] (by-user): the query uses the parameter {UserId}, which the workbook does not define",
            ]);
        });
    });

    it("collects query pack queries and saved searches from the recorded resources", () => {
        const found = deployedQueries([
            recorded("azure-native:operationalinsights:Query", "per-error", {
                body: "AADProvisioningLogs | summarize count() by ResultSignature",
            }),
            recorded("azure-native:operationalinsights:SavedSearch", "per-day", {
                query: "AADProvisioningLogs | summarize count() by bin(TimeGenerated, 1d)",
            }),
            recorded("azure-native:operationalinsights:Workspace", "ws", { workspaceName: "x" }),
        ]);
        assert.deepStrictEqual(
            found.map((q) => q.source),
            ["azure-native:operationalinsights:Query per-error body", "azure-native:operationalinsights:SavedSearch per-day query"],
        );
    });

    it("covers every query the example stacks deploy, and finds them all clean", async () => {
        const result = await checkAll();
        // Alert criteria, workbook items, query pack queries and dashboard charts of each stack.
        assert.deepStrictEqual(result.deployed, { dev: 63, prod: 68 });
        assert.deepStrictEqual(result.findings, []);
    });

    it("reports an alert query file whose let line the program sets was renamed, instead of crashing", async () => {
        await withTempDir(async (dir) => {
            for (const f of fs.readdirSync(path.join(__dirname, "..", "..", "..", "queries"))) {
                fs.copyFileSync(path.join(__dirname, "..", "..", "..", "queries", f), path.join(dir, f));
            }
            assert.deepStrictEqual(alertParameterFindings(dir), []);
            const file = path.join(dir, "failure-spike.kql");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replaceAll("Apps", "AppList"));
            const expected = {
                source: "queries/failure-spike.kql",
                message: "query file failure-spike.kql has no `let Apps = …;` line for the program to set",
            };
            assert.deepStrictEqual(alertParameterFindings(dir), [expected]);
            // The whole check: a finding (exit 1), not a stack that fails to evaluate (exit 70).
            const result = await checkAll(["dev"], dir);
            assert.deepStrictEqual(result.findings, [expected]);
        });
    });

    it("names the path of a query file that does not exist", async () => {
        // Mocha runs in the project folder: the path is given from there.
        assert.throws(() => loadQuery("failure-spkie"), { message: "query file queries/failure-spkie.kql does not exist" });
        await withTempDir((dir) => {
            let message = "";
            assert.throws(
                () => loadQuery("failure-spike", dir),
                (e: Error) => {
                    message = e.message;
                    return true;
                },
            );
            const named = /^query file (.+) does not exist$/.exec(message);
            assert.ok(named, message);
            assert.strictEqual(path.resolve(named[1]), path.join(dir, "failure-spike.kql"), "the path named leads to the file looked for");
        });
    });
});
