import * as assert from "node:assert";
import { provisioningStackEnforceCompleteness as policy } from "../../../policies/stack/provisioningEnforceCompleteness";
import type { RecordedResource } from "../../../tools/offline/recorder";
import { resource, violations } from "../harness";

const WORKSPACE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log-audit";

/** A complete stack, with `drop` types left out and `change` applied to the diagnostic setting. */
function stack(
    drop: string[] = [],
    settingChange: Record<string, unknown> = {},
    rules = ["failure-spike", "provisioning-stopped", "disable-delete-spike"],
): RecordedResource[] {
    const workspace = resource("azure-native:operationalinsights:Workspace", { workspaceName: "log-audit", retentionInDays: 90 });
    return [
        resource("pulumi-nodejs:dynamic:ResourceProviderRegistration", { namespace: "Microsoft.Insights", subscriptionId: "s" }),
        workspace,
        resource("azure-native:aadiam:DiagnosticSetting", {
            workspaceId: WORKSPACE_ID,
            logs: [{ category: "ProvisioningLogs", enabled: true }],
            ...settingChange,
        }),
        ...rules.map((r) => resource("azure-native:monitor:ScheduledQueryRule", { ruleName: `entra-provisioning-prod-${r}` }, { name: r })),
        resource("azure-native:applicationinsights:Workbook", { resourceName: "c9187d8b-c9c4-59b6-bd6f-6bbb09110728" }),
    ].filter((r) => !drop.includes(r.type));
}

describe("provisioning-stack-enforce-completeness", () => {
    it("passes when the stack is complete", async () => {
        assert.deepStrictEqual(await violations(policy, stack()), []);
    });

    it("passes during a preview, when the setting's workspaceId is unknown but wired from the workspace", async () => {
        const resources = stack([], { workspaceId: undefined });
        const workspace = resources.find((r) => r.type === "azure-native:operationalinsights:Workspace")!;
        const linked = resources.map((r) =>
            r.type === "azure-native:aadiam:DiagnosticSetting" ? { ...r, propertyDependencies: { workspaceId: [workspace.urn] } } : r,
        );
        assert.deepStrictEqual(await violations(policy, linked), []);
    });

    it("fails when Microsoft.Insights is not registered", async () => {
        assert.deepStrictEqual(await violations(policy, stack(["pulumi-nodejs:dynamic:ResourceProviderRegistration"])), [
            "Stack must register the Microsoft.Insights resource provider (found no registration); keep the ResourceProviderRegistration for Microsoft.Insights.",
        ]);
    });

    it("fails when the diagnostic setting sends ProvisioningLogs to another workspace", async () => {
        assert.deepStrictEqual(await violations(policy, stack([], { workspaceId: WORKSPACE_ID.replace("log-audit", "log-other") })), [
            "Stack must have a tenant diagnostic setting sending ProvisioningLogs to its workspace (found 1 sending ProvisioningLogs, none to this stack's workspace).",
        ]);
    });

    it("fails when the diagnostic setting does not send ProvisioningLogs", async () => {
        assert.deepStrictEqual(await violations(policy, stack([], { logs: [{ category: "AuditLogs", enabled: true }] })), [
            "Stack must have a tenant diagnostic setting sending ProvisioningLogs to its workspace (found 0 sending ProvisioningLogs, none to this stack's workspace).",
        ]);
    });

    it("fails when a core alert is missing", async () => {
        assert.deepStrictEqual(await violations(policy, stack([], {}, ["failure-spike", "provisioning-stopped"])), [
            "Stack must have the disable-delete-spike alert rules (found: entra-provisioning-prod-failure-spike, entra-provisioning-prod-provisioning-stopped); keep them enabled in alertOverrides.",
        ]);
    });

    it("fails when there is no workbook", async () => {
        assert.deepStrictEqual(await violations(policy, stack(["azure-native:applicationinsights:Workbook"])), [
            "Stack must have at least one workbook (found none); set workbooksEnabled true.",
        ]);
    });

    it("fails when there is no workspace", async () => {
        assert.deepStrictEqual(await violations(policy, stack(["azure-native:operationalinsights:Workspace"])), [
            "Stack must have a Log Analytics workspace (found none); a stack that uses an existing workspace names it in this policy's existingWorkspaceId config.",
            "Stack must have a tenant diagnostic setting sending ProvisioningLogs to its workspace (found 1 sending ProvisioningLogs, none to this stack's workspace).",
        ]);
    });

    describe("with an existing workspace, which the stack reads and a stack policy never sees", () => {
        const EXISTING = "/subscriptions/s2/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel";

        it("passes when the setting sends ProvisioningLogs to the workspace the config names, in any case", async () => {
            const resources = stack(["azure-native:operationalinsights:Workspace"], { workspaceId: EXISTING.toLowerCase() });
            assert.deepStrictEqual(await violations(policy, resources, { existingWorkspaceId: EXISTING }), []);
        });

        it("fails when the setting sends ProvisioningLogs to another workspace than the one the config names", async () => {
            const resources = stack(["azure-native:operationalinsights:Workspace"], {
                workspaceId: EXISTING.replace("law-sentinel", "law-other"),
            });
            assert.deepStrictEqual(await violations(policy, resources, { existingWorkspaceId: EXISTING }), [
                "Stack must have a tenant diagnostic setting sending ProvisioningLogs to its workspace (found 1 sending ProvisioningLogs, none to this stack's workspace).",
            ]);
        });

        it("passes when a real run hands the workspace's outputs, which name it `name`", async () => {
            const resources = stack().map((r) =>
                r.type === "azure-native:operationalinsights:Workspace" ? { ...r, inputs: { name: "log-audit" } } : r,
            );
            assert.deepStrictEqual(await violations(policy, resources), []);
        });
    });
});
