import * as assert from "node:assert";
import { monitorScheduledQueryRuleConfigureFrequency as policy } from "../../../policies/monitor/scheduledQueryRuleConfigureFrequency";
import { resource, violations } from "../harness";

const REASON =
    'at a one-minute frequency Azure rewrites the query and fails on search, union, take (limit), ingestion_time(), the adx pattern and functions that call other tables ("Couldn\'t optimize this query so the selected frequency was not supported"; https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule)';

const rule = (query: string, change: Record<string, unknown> = {}, type = "azure-native:monitor:ScheduledQueryRule") =>
    resource(type, {
        ruleName: "entra-provisioning-prod-logs-at-risk",
        enabled: true,
        evaluationFrequency: "PT1M",
        windowSize: "PT5M",
        criteria: { allOf: [{ query, timeAggregation: "Count", operator: "GreaterThan", threshold: 0 }] },
        actions: { actionGroups: ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/team"] },
        ...change,
    });

describe("monitor-scheduledqueryrule-configure-frequency", () => {
    it("passes when a one-minute rule's query starts with a table and uses none of the constructs", async () => {
        assert.deepStrictEqual(await violations(policy, [rule('AADProvisioningLogs | where ResultType == "Failure" | count')]), []);
    });

    it("passes when a rule that uses them is evaluated every five minutes", async () => {
        assert.deepStrictEqual(await violations(policy, [rule("_LogOperation | take 10", { evaluationFrequency: "PT5M" })]), []);
    });

    it("fails when a one-minute rule's query calls a workspace function that reads another table", async () => {
        assert.deepStrictEqual(await violations(policy, [rule('_LogOperation | where Detail contains "OverQuota"')]), [
            `Alert rule condition 0 must not be evaluated every minute (found evaluationFrequency PT1M): its query calls _LogOperation, a function that reads the Operation table; ${REASON}.`,
        ]);
    });

    it("fails when a one-minute rule's query uses ingestion_time() and take, naming both", async () => {
        assert.deepStrictEqual(await violations(policy, [rule("AuditLogs | where ingestion_time() > ago(5m) | take 1")]), [
            `Alert rule condition 0 must not be evaluated every minute (found evaluationFrequency PT1M): its query uses ingestion_time() and uses take; ${REASON}.`,
        ]);
    });

    it("passes when the constructs are only in comments and strings", async () => {
        assert.deepStrictEqual(await violations(policy, [rule('// no union here\nAuditLogs | where Detail has "| take 1"')]), []);
    });

    it("checks the azure-native:insights alias too", async () => {
        assert.strictEqual(
            (await violations(policy, [rule("AuditLogs | take 1", {}, "azure-native:insights:ScheduledQueryRule")])).length,
            1,
        );
    });
});
