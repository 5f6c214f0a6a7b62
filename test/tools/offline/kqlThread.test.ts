import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KqlAnalyzer } from "../../../tools/offline/kql/analyzer";
import { KqlAnalyzerThread } from "../../../tools/offline/kql/analyzerThread";
import { loadQuery, queryNames } from "../../../components/support/queries";

describe("the KQL analyzer thread", function () {
    this.timeout(120_000);
    let thread: KqlAnalyzerThread;
    before(() => {
        thread = new KqlAnalyzerThread();
    });
    after(() => thread.close());

    it("analyses as the analyzer on this thread does: errors with their places, and result columns", async () => {
        const samples = fs.readFileSync(path.join(__dirname, "..", "..", "fixtures", "doc-samples.kql"), "utf8").split("// ----\n");
        const queries = [
            ...samples,
            ...queryNames().map((name) => loadQuery(name)),
            'AADProvisioningLogs\n| where ResultTyp == "Failure"',
            "AADProvisioningLog | take 1",
            "AADProvisioningLogs | where TimeGenerated > 5",
            "AADProvisioningLogs\n| where",
        ];
        const here = new KqlAnalyzer();
        const there = await Promise.all(queries.map((q) => thread.analyze(q)));
        assert.deepStrictEqual(
            there,
            queries.map((q) => here.analyze(q)),
        );
        assert.ok(there.some((a) => a.errors.length > 0) && there.some((a) => a.columns.length > 0));
    });

    it("analyses a text once, however often it is asked for", () => {
        assert.strictEqual(thread.analyze("AADProvisioningLogs | take 1"), thread.analyze("AADProvisioningLogs | take 1"));
    });

    it("answers checkQueries from the analyses it waited for, and refuses a query it was not given", async () => {
        const analyzer = await thread.analyzed(["AADProvisioningLogs | count"]);
        assert.deepStrictEqual(analyzer.analyze("AADProvisioningLogs | count").columns, [{ name: "Count", type: "long" }]);
        assert.throws(() => analyzer.analyze("AADProvisioningLogs | take 2"), { message: "not analysed: AADProvisioningLogs | take 2" });
    });

    it("refuses work once closed", async () => {
        const closed = new KqlAnalyzerThread();
        await closed.close();
        await assert.rejects(closed.analyze("AADProvisioningLogs | take 1"), { message: "the KQL analyzer thread is closed" });
    });
});
