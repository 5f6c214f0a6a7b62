import * as assert from "node:assert";
import { loganalyticsWorkspaceConfigureRetention as policy } from "../../../policies/loganalytics/workspaceConfigureRetention";
import { remediations, resource, violations } from "../harness";

const workspace = (change: Record<string, unknown> = {}) =>
    resource("azure-native:operationalinsights:Workspace", { workspaceName: "log-audit", retentionInDays: 90, ...change });

describe("loganalytics-workspace-configure-retention", () => {
    it("passes when retention is at least the minimum", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace()], { minimumRetentionDays: 90 }), []);
    });

    it("fails when retention is below the default minimum of 30 days", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace({ retentionInDays: 7 })]), [
            "Log Analytics workspace retention must be at least 30 days (found 7); raise retentionInDays to 30 or more.",
        ]);
    });

    it("fails when retention is below a configured minimum", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace({ retentionInDays: 60 })], { minimumRetentionDays: 90 }), [
            "Log Analytics workspace retention must be at least 90 days (found 60); raise retentionInDays to 90 or more.",
        ]);
    });

    it("fails when retention is not set", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace({ retentionInDays: undefined })]), [
            "Log Analytics workspace retention must be set to at least 30 days (found none, so Azure's default applies); set retentionInDays.",
        ]);
    });

    it("fails when retention is over 730 days", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace({ retentionInDays: 1000 })]), [
            "Log Analytics workspace retention must be at most 730 days (found 1000); keep longer history with the table's total retention.",
        ]);
    });

    it("raises retention to the minimum when remediating", async () => {
        assert.deepStrictEqual(await remediations(policy, [workspace({ retentionInDays: 7 })], { minimumRetentionDays: 90 }), [
            "remediated: retentionInDays 7 → 90",
        ]);
        assert.deepStrictEqual(await remediations(policy, [workspace()]), []);
    });

    it("ignores other resource types", async () => {
        assert.deepStrictEqual(await violations(policy, [resource("azure-native:resources:ResourceGroup", { retentionInDays: 1 })]), []);
    });
});
