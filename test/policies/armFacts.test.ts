import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { oneMinuteBlockers } from "../../policies/armFacts";
import { PROJECT_DIR } from "../../tools/stackFiles";

/** A file's text after its opening doc comment, which says which copy it is. */
function body(file: string): string {
    const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
    return text.slice(text.indexOf("*/") + 2);
}

describe("the Azure facts the policy pack keeps for itself", () => {
    it("are the components' own, line for line", () => {
        assert.strictEqual(body("policies/armFacts.ts"), body("components/azure/armFacts.ts"));
    });
});

describe("what a one-minute log search alert can't run", () => {
    it("finds nothing in a query of a table, filters and a summary", () => {
        assert.deepStrictEqual(
            oneMinuteBlockers('AADProvisioningLogs\n| where ResultType == "Failure"\n| summarize Failures = count() by App'),
            [],
        );
    });

    it("finds each documented construct, once, in the order it appears", () => {
        assert.deepStrictEqual(
            oneMinuteBlockers(
                [
                    "let Recent = AADProvisioningLogs | where ingestion_time() > ago(5m);",
                    'union Recent, (search "x")',
                    "| take 10",
                    "| limit 5",
                    "| join (adx('https://help.kusto.windows.net/Samples').StormEvents) on State",
                    "| join (_LogOperation) on Detail",
                    "| take 1",
                ].join("\n"),
            ),
            [
                "uses ingestion_time()",
                "uses union",
                "uses search",
                "uses take",
                "uses limit",
                "uses the adx pattern",
                "calls _LogOperation, a function that reads the Operation table",
            ],
        );
    });

    it("finds search at the start of a query and inside a let", () => {
        assert.deepStrictEqual(oneMinuteBlockers('search "quarantine"'), ["uses search"]);
        assert.deepStrictEqual(oneMinuteBlockers('let T = search in (AuditLogs) "x";\nT'), ["uses search"]);
    });

    it("skips comments, strings of every kind and bracketed names", () => {
        const query = [
            "// union, take and ingestion_time() in a comment",
            "AuditLogs",
            '| where Detail has "union" or Detail has \'| take 1\' or Detail has "escaped \\" | take 1"',
            "| where Path == @\"C:\\take\" or Path == @'| limit 2'",
            "| where Text == ```",
            "| take 1 in a multi-line string",
            "``` or Text == ~~~| search x~~~",
            "| extend ['union'] = 1 // | take 1",
        ].join("\n");
        assert.deepStrictEqual(oneMinuteBlockers(query), []);
    });

    it("finds an operator after a comment that follows its pipe", () => {
        assert.deepStrictEqual(oneMinuteBlockers("AuditLogs\n| // the first ten\n  take 10"), ["uses take"]);
    });

    it("finds no operator in columns named take, limit, search or ingestion_time", () => {
        assert.deepStrictEqual(
            oneMinuteBlockers(
                "AuditLogs\n| extend take = 1, limit = 2, search = 3\n| where search > take\n| mv-expand TargetResources limit 10\n| project ingestion_time = take",
            ),
            [],
        );
    });

    it("finds no workspace function in a member of the same name", () => {
        assert.deepStrictEqual(oneMinuteBlockers("AuditLogs | extend x = d._LogOperation"), []);
    });
});
