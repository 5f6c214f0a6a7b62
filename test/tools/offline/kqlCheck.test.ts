import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KqlAnalyzer } from "../../../tools/offline/kql/analyzer";
import { checkQueries, formatFinding } from "../../../tools/offline/kql/check";
import { deployedQueries } from "../../../tools/offline/kql/collect";
import { substituteParameters, workbookParameters, workbookQueries } from "../../../tools/offline/kql/workbook";
import { loadQuery } from "../../../components/support/queries";
import { checkAll } from "../../../tools/offline/kqlCheck";
import type { RecordedResource } from "../../../tools/offline/recorder";
import { withTempDir } from "../../support/tempDir";

const FIXTURES = path.join(__dirname, "..", "..", "fixtures");

function recorded(type: string, name: string, inputs: Record<string, unknown>): RecordedResource {
    return {
        type,
        name,
        urn: `urn:${name}`,
        custom: true,
        inputs,
        protect: false,
        retainOnDelete: false,
        dependsOn: [],
        propertyDependencies: {},
        additionalSecretOutputs: [],
    };
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
        assert.deepStrictEqual(result.deployed, { dev: 57, prod: 62 });
        assert.deepStrictEqual(result.findings, []);
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
