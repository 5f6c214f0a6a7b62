import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KqlAnalyzer } from "../../../tools/offline/kql/analyzer";
import { formatFinding } from "../../../tools/offline/kql/check";
import { checkFiles, KqlFilesError } from "../../../tools/offline/kql/files";
import { substituteParameters, workbookParameterSettings, workbookQueries } from "../../../tools/offline/kql/workbook";

/**
 * Small files written for these tests that use the constructs of Microsoft's gallery workbooks and
 * Learn samples: the `_LogOperation` function, text parameters used unquoted (`limit {NumRows}`),
 * single- and multi-select drop-downs, selections exported by tiles and grids, tabs, time range
 * formats, make-series, mv-expand over provisioning steps, and a Resource Graph step.
 */
const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "kql-files");
const fixture = (name: string) => path.relative(process.cwd(), path.join(FIXTURES, name));

describe("checking .kql and workbook files", () => {
    let analyzer: KqlAnalyzer;
    before(() => {
        analyzer = new KqlAnalyzer();
    });
    const check = async (...names: string[]) => (await checkFiles(names.map(fixture), analyzer)).map(formatFinding);

    it("passes a query on the workspace's _LogOperation function and a gallery workbook with every kind of parameter", async () => {
        assert.deepStrictEqual(await check("log-operation.kql", "gallery.workbook"), []);
    });

    it("knows the columns of _LogOperation that Azure Monitor documents", () => {
        const analysis = analyzer.analyze(
            "_LogOperation | project TimeGenerated, Category, Operation, Level, Detail, _ResourceId, Computer, CorrelationId",
        );
        assert.deepStrictEqual(analysis.errors, []);
        assert.deepStrictEqual(
            analysis.columns.find((c) => c.name === "TimeGenerated"),
            { name: "TimeGenerated", type: "datetime" },
        );
    });

    it("expands parameters as the portal does: text as typed, selections quoted as set, exports and tabs by their defaults", () => {
        const workbook = JSON.parse(fs.readFileSync(path.join(FIXTURES, "gallery.workbook"), "utf8"));
        const parameters = workbookParameterSettings(workbook);
        assert.deepStrictEqual(
            parameters.map((p) => [p.name, p.origin]),
            [
                ["TimeRange", "parameters"],
                ["System", "parameters"],
                ["App", "parameters"],
                ["Rows", "parameters"],
                ["Who", "parameters"],
                ["Tab", "link"],
                ["Picked", "export"],
                ["PickedCycle", "export"],
            ],
        );
        const grid = workbookQueries(workbook).find((q) => q.where.endsWith("(grid)"))!;
        const expanded = substituteParameters(grid.query, parameters).split("\n");
        assert.deepStrictEqual(expanded.slice(2, 5), [
            "| where '*' in ('placeholder') or tostring(parse_json(ServicePrincipal).Name) in ('placeholder')",
            "| where ResultType == '*' or '*' == '*'",
            "| where 'one' == 'two' or isempty('placeholder') or tostring(parse_json(SourceIdentity).Name) has 'placeholder'",
        ]);
        assert.strictEqual(expanded[7], "| limit 25", "an unquoted text parameter is its value, not a string");
        const tiles = workbookQueries(workbook).find((q) => q.where.endsWith("(tiles)"))!;
        assert.match(substituteParameters(tiles.query, parameters), /== 'Workday';\n/);
    });

    it("skips steps that query another data source, such as Resource Graph", () => {
        const workbook = JSON.parse(fs.readFileSync(path.join(FIXTURES, "gallery.workbook"), "utf8"));
        assert.deepStrictEqual(
            workbookQueries(workbook).map((q) => q.where),
            [
                "items[0].parameters.System",
                "items[2].content.items[0] (tiles)",
                "items[2].content.items[1] (grid)",
                "items[2].content.items[2] (after-grid)",
            ],
        );
    });

    it("names the file, line and column of a problem in a .kql file", async () => {
        assert.deepStrictEqual(await check("broken.kql"), [
            `${fixture("broken.kql")}:3:9: KS142 The name 'ResultTyp' does not refer to any known column, table, variable or function.`,
        ]);
    });

    it("names the workbook and the step that uses a parameter it does not define, in a bare workbook or in an ARM template", async () => {
        assert.deepStrictEqual(await check("undefined-parameter.workbook", "arm-template.json"), [
            `${fixture("undefined-parameter.workbook")} items[2].content.items[2] (after-grid): the query uses the parameter {Missing}, which the workbook does not define`,
            `${fixture("arm-template.json")} resources[0] items[2].content.items[2] (after-grid): the query uses the parameter {Missing}, which the workbook does not define`,
        ]);
    });

    it("reports where a workbook is not valid JSON, and a JSON file that holds no workbook", async () => {
        const [invalid, notWorkbook] = await checkFiles([fixture("invalid.workbook"), fixture("not-a-workbook.json")], analyzer);
        assert.deepStrictEqual([invalid.source, invalid.line, invalid.column], [fixture("invalid.workbook"), 4, 16]);
        assert.match(invalid.message, /^not valid JSON: /);
        assert.deepStrictEqual(notWorkbook, {
            source: fixture("not-a-workbook.json"),
            message: 'not a gallery workbook: no "items" (Notebook/1.0) and no microsoft.insights/workbooks resource with serializedData',
        });
    });

    it("refuses a path it cannot read, or a file that is neither a query nor a workbook, naming it", async () => {
        await assert.rejects(
            checkFiles([fixture("missing.kql")], analyzer),
            (e: Error) => e instanceof KqlFilesError && e.message === `${fixture("missing.kql")}: cannot be read (ENOENT)`,
        );
        await assert.rejects(
            checkFiles([path.relative(process.cwd(), __filename)], analyzer),
            (e: Error) =>
                e instanceof KqlFilesError &&
                e.message === `${path.relative(process.cwd(), __filename)}: is neither a .kql file nor a workbook (.workbook or .json)`,
        );
    });

    it("checks this project's queries and workbooks clean", async () => {
        const root = path.join(__dirname, "..", "..", "..");
        const files = [
            ...fs.readdirSync(path.join(root, "queries")).map((f) => path.join(root, "queries", f)),
            ...fs.readdirSync(path.join(root, "workbooks")).map((f) => path.join(root, "workbooks", f)),
        ];
        assert.deepStrictEqual((await checkFiles(files, analyzer)).map(formatFinding), []);
    });
});
