import * as assert from "node:assert";
import { loganalyticsTableConfigureRetention as policy } from "../../../policies/loganalytics/tableConfigureRetention";
import { remediations, resource, violations } from "../harness";

const table = (change: Record<string, unknown> = {}, type = "pulumi-nodejs:dynamic:TableRetention") =>
    resource(type, { tableName: "AADProvisioningLogs", retentionInDays: 90, totalRetentionInDays: 365, ...change });
const config = { minimumRetentionDays: 90, minimumTotalRetentionDays: 365 };

describe("loganalytics-table-configure-retention", () => {
    it("passes when both retentions meet the minimums", async () => {
        assert.deepStrictEqual(await violations(policy, [table()], config), []);
    });

    it("fails when the interactive retention is below the minimum", async () => {
        assert.deepStrictEqual(await violations(policy, [table({ retentionInDays: 30 })], config), [
            "AADProvisioningLogs interactive retention must be at least 90 days (found 30); raise provisioningLogsRetentionInDays to 90 or more.",
        ]);
    });

    it("fails when the total retention is below the minimum", async () => {
        assert.deepStrictEqual(await violations(policy, [table({ totalRetentionInDays: 180 })], config), [
            "AADProvisioningLogs total retention must be at least 365 days (found 180); raise provisioningLogsTotalRetentionInDays to 365 or more.",
        ]);
    });

    it("checks azure-native's Table too", async () => {
        assert.deepStrictEqual(
            await violations(policy, [table({ totalRetentionInDays: 30 }, "azure-native:operationalinsights:Table")], config),
            [
                "AADProvisioningLogs total retention must be at least 365 days (found 30); raise provisioningLogsTotalRetentionInDays to 365 or more.",
            ],
        );
    });

    it("ignores other tables", async () => {
        assert.deepStrictEqual(await violations(policy, [table({ tableName: "SigninLogs", retentionInDays: 4 })], config), []);
    });

    it("raises both retentions when remediating", async () => {
        assert.deepStrictEqual(await remediations(policy, [table({ retentionInDays: 30, totalRetentionInDays: 30 })], config), [
            "remediated: retentionInDays 30 → 90, totalRetentionInDays 30 → 365",
        ]);
    });
});
