import * as assert from "node:assert";
import { loganalyticsTableDisallowRetentionDecrease as policy } from "../../../policies/loganalytics/tableDisallowRetentionDecrease";
import { resource, violations } from "../harness";

const table = (extra: Record<string, unknown> = {}) =>
    resource("pulumi-nodejs:dynamic:TableRetention", {
        tableName: "AADProvisioningLogs",
        retentionInDays: 365,
        totalRetentionInDays: 2556,
        ...extra,
    });

describe("loganalytics-table-disallow-retentiondecrease", () => {
    it("passes when the table's retention may not be lowered (the default)", async () => {
        assert.deepStrictEqual(await violations(policy, [table()]), []);
    });

    it("fails when the run allows lowering the table's retention", async () => {
        assert.deepStrictEqual(await violations(policy, [table({ allowRetentionDecrease: true })]), [
            "AADProvisioningLogs retention may be lowered on this run (found allowRetentionDecrease: true), which deletes older logs; remove allowRetentionDecrease after the run, or waive this policy for it on purpose.",
        ]);
    });

    it("passes another table that allows a decrease", async () => {
        assert.deepStrictEqual(await violations(policy, [table({ tableName: "AuditLogs", allowRetentionDecrease: true })]), []);
    });
});
