import type { ProgramError } from "../tools/engine/loopbackEngine";
import * as assert from "node:assert";
import { type Evaluation, evaluateStack, type RecordedResource } from "../tools/offline/recorder";
import { renderJson } from "../tools/plan";

/** The core's resource types; alerts, workbooks, queries and the dashboard have their own tests. */
const CORE_TYPES = [
    "pulumi-nodejs:dynamic:ResourceProviderRegistration",
    "azure-native:resources:ResourceGroup",
    "azure-native:operationalinsights:Workspace",
    "pulumi-nodejs:dynamic:TableRetention",
    "azure-native:aadiam:DiagnosticSetting",
];

/** Core resources as type/name → inputs, the shape a reviewer reads. */
function byName(e: Evaluation): Record<string, Record<string, unknown>> {
    return Object.fromEntries(e.resources.filter((r) => CORE_TYPES.includes(r.type)).map((r) => [`${r.type} ${r.name}`, r.inputs]));
}

function find(e: Evaluation, type: string): RecordedResource {
    const found = e.resources.filter((r) => r.type === type);
    assert.strictEqual(found.length, 1, `exactly one ${type}`);
    return found[0];
}

const REGISTRATION = "pulumi-nodejs:dynamic:ResourceProviderRegistration";

describe("the example stacks under recording mocks", () => {
    let dev: Evaluation;
    let prod: Evaluation;

    before(async () => {
        dev = await evaluateStack("dev");
        prod = await evaluateStack("prod");
    });

    it("creates exactly the dev resources with their inputs", () => {
        const sub = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
        const tags = { environment: "dev", owner: "identity-platform" };
        assert.deepStrictEqual(byName(dev), {
            [`${REGISTRATION} entra-provisioning-insights-registration`]: {
                namespace: "Microsoft.Insights",
                subscriptionId: sub,
                timeoutMinutes: 20,
            },
            [`${REGISTRATION} entra-provisioning-operationalinsights-registration`]: {
                namespace: "Microsoft.OperationalInsights",
                subscriptionId: sub,
                timeoutMinutes: 20,
            },
            [`${REGISTRATION} entra-provisioning-portal-registration`]: {
                namespace: "Microsoft.Portal",
                subscriptionId: sub,
                timeoutMinutes: 20,
            },
            "azure-native:resources:ResourceGroup entra-provisioning-logs-rg": {
                resourceGroupName: "rg-entra-provisioning-logs-dev",
                location: "westeurope",
                tags,
            },
            "azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace": {
                workspaceName: "log-entra-provisioning-dev",
                resourceGroupName: "rg-entra-provisioning-logs-dev",
                location: "westeurope",
                sku: { name: "PerGB2018" },
                retentionInDays: 30,
                workspaceCapping: { dailyQuotaGb: 5 },
                features: { disableLocalAuth: true },
                tags,
            },
            "pulumi-nodejs:dynamic:TableRetention entra-provisioning-logs-provisioning-logs-retention": {
                subscriptionId: sub,
                resourceGroupName: "rg-entra-provisioning-logs-dev",
                workspaceName: "log-entra-provisioning-dev",
                tableName: "AADProvisioningLogs",
                retentionInDays: 30,
                totalRetentionInDays: 30,
            },
            "azure-native:aadiam:DiagnosticSetting entra-provisioning-diagnostics-setting": {
                name: "entra-provisioning-logs-dev",
                workspaceId: `/subscriptions/${sub}/resourceGroups/rg-entra-provisioning-logs-dev/providers/Microsoft.OperationalInsights/workspaces/log-entra-provisioning-dev`,
                logs: [{ category: "ProvisioningLogs", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
            },
        });
        assert.ok(
            dev.resources.filter((r) => r.custom).every((r) => !r.protect && !r.retainOnDelete),
            "dev data is not protected",
        );
    });

    it("creates the prod resources with long retention, AuditLogs, no cap and protected data", () => {
        const inputs = byName(prod);
        assert.deepStrictEqual(inputs["azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace"], {
            workspaceName: "log-identity-audit-prod",
            resourceGroupName: "rg-identity-audit-prod",
            location: "northeurope",
            sku: { name: "PerGB2018" },
            retentionInDays: 365,
            features: { disableLocalAuth: true },
            tags: { environment: "prod", owner: "identity-platform", "data-classification": "audit" },
        });
        assert.deepStrictEqual(inputs["pulumi-nodejs:dynamic:TableRetention entra-provisioning-logs-provisioning-logs-retention"], {
            subscriptionId: "2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b",
            resourceGroupName: "rg-identity-audit-prod",
            workspaceName: "log-identity-audit-prod",
            tableName: "AADProvisioningLogs",
            retentionInDays: 365,
            totalRetentionInDays: 2556,
        });
        assert.deepStrictEqual(
            (inputs["azure-native:aadiam:DiagnosticSetting entra-provisioning-diagnostics-setting"] as { logs: unknown }).logs,
            [
                { category: "ProvisioningLogs", enabled: true, retentionPolicy: { enabled: false, days: 0 } },
                { category: "AuditLogs", enabled: true, retentionPolicy: { enabled: false, days: 0 } },
            ],
        );
        for (const type of ["azure-native:operationalinsights:Workspace", "azure-native:resources:ResourceGroup"]) {
            const r = find(prod, type);
            assert.ok(r.protect && r.retainOnDelete, `${type} is protected and retained on delete`);
        }
        assert.strictEqual(Object.keys(inputs).length, 7);
    });

    it("makes the workspace wait for Microsoft.OperationalInsights and the diagnostic setting for Microsoft.Insights", () => {
        const urnOf = (name: string) => dev.resources.find((r) => r.name === name)!.urn;
        const workspace = find(dev, "azure-native:operationalinsights:Workspace");
        const setting = find(dev, "azure-native:aadiam:DiagnosticSetting");
        assert.ok(workspace.dependsOn.includes(urnOf("entra-provisioning-operationalinsights-registration")));
        assert.ok(setting.dependsOn.includes(urnOf("entra-provisioning-insights-registration")));
        assert.ok(setting.dependsOn.includes(workspace.urn), "the setting points at the workspace");
    });

    it("exports the workspace IDs, the setting name and a portal link to the Logs blade", () => {
        assert.deepStrictEqual(Object.keys(dev.outputs).sort(), [
            "alertRules",
            "alertRulesSkipped",
            "dashboardUrl",
            "diagnosticCategories",
            "diagnosticSettingName",
            "logsPortalUrl",
            "queryPackName",
            "resourceGroupName",
            "workbookUrls",
            "workspaceCustomerId",
            "workspaceName",
            "workspaceResourceId",
        ]);
        assert.strictEqual(
            dev.outputs.logsPortalUrl,
            "https://portal.azure.com/#@3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f/resource/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-entra-provisioning-logs-dev/providers/Microsoft.OperationalInsights/workspaces/log-entra-provisioning-dev/logs",
        );
        assert.match(String(dev.outputs.workspaceCustomerId), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it("yields byte-identical resources when the same stack is evaluated twice", async () => {
        // An evaluation of its own: a cached one is the very object `prod` is, and equal to it whatever the program does.
        const again = await evaluateStack("prod", { cache: false });
        assert.notStrictEqual(again, prod);
        assert.strictEqual(renderJson(again), renderJson(prod));
    });

    it("refuses credentials of another tenant before registering anything", async () => {
        const sink: RecordedResource[] = [];
        await assert.rejects(evaluateStack("dev", { identity: { tenantId: "11111111-1111-1111-1111-111111111111" }, sink }), (e: Error) => {
            assert.ok((e as ProgramError).userActionable);
            assert.strictEqual(
                e.message,
                "`tenantId` of stack dev is 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f but the Azure credentials belong to tenant 11111111-1111-1111-1111-111111111111; " +
                    "log in to the right tenant (az login --tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f, or ARM_TENANT_ID) and run again",
            );
            return true;
        });
        assert.deepStrictEqual(sink, []);
    });

    it("refuses a provider that would deploy to another subscription", async () => {
        await assert.rejects(evaluateStack("dev", { identity: { subscriptionId: "22222222-2222-2222-2222-222222222222" } }), {
            message:
                "`subscriptionId` of stack dev is 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e but the azure-native provider would deploy to subscription 22222222-2222-2222-2222-222222222222; " +
                "select it (az account set --subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e, or ARM_SUBSCRIPTION_ID) and run again",
        });
    });
});
