import * as assert from "node:assert";
import { loganalyticsWorkspaceEnforceProtection as policy } from "../../../policies/loganalytics/workspaceEnforceProtection";
import { resource, violations } from "../harness";

const workspace = (protect: boolean) =>
    resource("azure-native:operationalinsights:Workspace", { workspaceName: "log-audit", retentionInDays: 365 }, { protect });

describe("loganalytics-workspace-enforce-protection", () => {
    it("passes when protection is required and the workspace is protected", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace(true)], { requireProtection: true }), []);
    });

    it("fails when protection is required and the workspace is not protected", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace(false)], { requireProtection: true }), [
            "Log Analytics workspace must be protected from deletion (found protect: false); set protectData true for this stack.",
        ]);
    });

    it("passes an unprotected workspace when protection is not required (the default)", async () => {
        assert.deepStrictEqual(await violations(policy, [workspace(false)]), []);
    });
});
