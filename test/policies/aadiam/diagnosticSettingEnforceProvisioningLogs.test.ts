import * as assert from "node:assert";
import { aadiamDiagnosticSettingEnforceProvisioningLogs as policy } from "../../../policies/aadiam/diagnosticSettingEnforceProvisioningLogs";
import { resource, violations } from "../harness";

const WORKSPACE =
    "/subscriptions/2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log-audit";
const log = (category: string, change: Record<string, unknown> = {}) => ({
    category,
    enabled: true,
    retentionPolicy: { enabled: false, days: 0 },
    ...change,
});
const setting = (change: Record<string, unknown> = {}) =>
    resource("azure-native:aadiam:DiagnosticSetting", {
        name: "entra-provisioning-logs-prod",
        workspaceId: WORKSPACE,
        logs: [log("ProvisioningLogs"), log("AuditLogs")],
        ...change,
    });

describe("aadiam-diagnosticsetting-enforce-provisioninglogs", () => {
    it("passes when ProvisioningLogs go to a workspace without a retention policy", async () => {
        assert.deepStrictEqual(await violations(policy, [setting()]), []);
    });

    it("fails when ProvisioningLogs are missing", async () => {
        assert.deepStrictEqual(await violations(policy, [setting({ logs: [log("AuditLogs")] })]), [
            'Tenant diagnostic setting must send ProvisioningLogs (found enabled categories: AuditLogs); add { category: "ProvisioningLogs", enabled: true }.',
        ]);
    });

    it("fails when ProvisioningLogs are disabled", async () => {
        assert.deepStrictEqual(await violations(policy, [setting({ logs: [log("ProvisioningLogs", { enabled: false })] })]), [
            'Tenant diagnostic setting must send ProvisioningLogs (found enabled categories: none); add { category: "ProvisioningLogs", enabled: true }.',
        ]);
    });

    it("fails when the destination is not a Log Analytics workspace", async () => {
        const storage =
            "/subscriptions/2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs";
        assert.deepStrictEqual(await violations(policy, [setting({ workspaceId: storage })]), [
            `Tenant diagnostic setting must target a Log Analytics workspace (found workspaceId: ${storage}); set workspaceId to the workspace's resource ID.`,
        ]);
    });

    it("fails when a category carries a retention policy", async () => {
        assert.deepStrictEqual(
            await violations(policy, [setting({ logs: [log("ProvisioningLogs", { retentionPolicy: { enabled: true, days: 90 } })] })]),
            [
                "Tenant diagnostic setting must not set a retention policy (found 90 days, enabled true on ProvisioningLogs); use { enabled: false, days: 0 } and keep retention in the workspace.",
            ],
        );
    });
});
