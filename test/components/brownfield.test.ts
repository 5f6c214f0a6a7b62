import type { ProgramError } from "../../tools/engine/loopbackEngine";
import * as assert from "node:assert";
import { adoptionProblem } from "../../components/tenantDiagnosticSetting";
import {
    type Evaluation,
    evaluateStack,
    evaluateStackWith,
    type LiveDiagnosticSetting,
    type RecordedResource,
} from "../../tools/offline/recorder";

const SECURITY = "5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e";
const SENTINEL = `/subscriptions/${SECURITY}/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const EVENT_HUB_RULE = `/subscriptions/${SECURITY}/resourceGroups/rg-siem/providers/Microsoft.EventHub/namespaces/siem/authorizationRules/RootManageSharedAccessKey`;
const WORKSPACE = "azure-native:operationalinsights:Workspace";
const SETTING = "azure-native:aadiam:DiagnosticSetting";

/** The dev stack sending to the Sentinel workspace: the settings that describe a workspace to create removed, as discover says. */
const EXISTING: Record<string, string | undefined> = { existingWorkspaceId: SENTINEL, retentionInDays: undefined, dailyQuotaGb: undefined };
/** …and adopting the setting that feeds it. */
const ADOPTING: Record<string, string | undefined> = {
    ...EXISTING,
    adoptDiagnosticSetting: "sentinel-entra",
    diagnosticLogCategories: JSON.stringify(["AuditLogs", "SignInLogs"]),
    diagnosticSettingDestinations: JSON.stringify([`eventHubAuthorizationRuleId=${EVENT_HUB_RULE}`, "eventHubName=entra"]),
};

const of = (e: Evaluation, type: string): RecordedResource[] => e.resources.filter((r) => r.type === type);

/** Evaluates `changes` on the dev stack, expecting it to fail with one line before the setting is registered. */
async function refusal(
    changes: Record<string, string | undefined>,
    live?: Record<string, LiveDiagnosticSetting | undefined>,
): Promise<{ message: string; sink: RecordedResource[] }> {
    const sink: RecordedResource[] = [];
    try {
        await evaluateStackWith("dev", changes, { sink, ...(live ? { liveDiagnosticSettings: live } : {}) });
    } catch (e) {
        assert.ok(
            (e as ProgramError).userActionable,
            `a RunError, which Pulumi prints as one line without a stack trace: ${(e as Error).stack}`,
        );
        assert.ok(!(e as Error).message.includes("\n"));
        return { message: (e as Error).message, sink };
    }
    assert.fail("the evaluation should have failed");
}

describe("a stack that sends the logs to an existing workspace (existingWorkspaceId)", () => {
    let dev: Evaluation;
    let existing: Evaluation;

    before(async () => {
        dev = await evaluateStack("dev");
        existing = await evaluateStackWith("dev", EXISTING);
    });

    it("creates no workspace and sets no table retention, and reads the existing one under the URN a created one has", () => {
        assert.deepStrictEqual(of(existing, WORKSPACE), []);
        assert.deepStrictEqual(of(existing, "pulumi-nodejs:dynamic:TableRetention"), []);
        assert.deepStrictEqual(
            existing.reads.map((r) => [r.type, r.urn, r.readId]),
            [[WORKSPACE, of(dev, WORKSPACE)[0].urn, SENTINEL.toLowerCase()]],
            "the same URN and ARM's spelling of the ID (all lower case, as azure-native keeps a workspace it created), " +
                "so a stack that created this very workspace hands it over without deleting it",
        );
    });

    it("keeps its own resource group, protected as asked, for the alerts, workbooks, queries and dashboard", () => {
        const group = of(existing, "azure-native:resources:ResourceGroup");
        assert.deepStrictEqual(
            group.map((g) => [g.inputs.resourceGroupName, g.inputs.location, g.urn]),
            [["rg-entra-provisioning-logs-dev", "westeurope", of(dev, "azure-native:resources:ResourceGroup")[0].urn]],
        );
        for (const type of [
            "azure-native:monitor:ScheduledQueryRule",
            "azure-native:applicationinsights:Workbook",
            "azure-native:operationalinsights:QueryPack",
            "azure-native:portal:Dashboard",
        ]) {
            assert.ok(
                of(existing, type).every((r) => r.inputs.resourceGroupName === "rg-entra-provisioning-logs-dev"),
                type,
            );
        }
    });

    it("points the diagnostic setting, every alert rule, workbook and the dashboard at it, and nothing at the workspace it would have created", () => {
        const own = "/workspaces/log-entra-provisioning-dev";
        for (const type of [
            SETTING,
            "azure-native:monitor:ScheduledQueryRule",
            "azure-native:applicationinsights:Workbook",
            "azure-native:portal:Dashboard",
        ]) {
            const found = of(existing, type);
            assert.ok(found.length > 0, type);
            for (const r of found) {
                assert.ok(JSON.stringify(r.inputs).includes(SENTINEL), `${r.name} points at the existing workspace`);
            }
        }
        assert.ok(
            !existing.resources.some((r) => JSON.stringify(r.inputs).includes(own)),
            "nothing points at a workspace of the stack's own",
        );
        assert.strictEqual(of(existing, SETTING)[0].inputs.workspaceId, SENTINEL);
        for (const rule of of(existing, "azure-native:monitor:ScheduledQueryRule")) {
            assert.deepStrictEqual(rule.inputs.scopes, [SENTINEL], rule.name);
        }
        assert.deepStrictEqual(
            [existing.outputs.workspaceResourceId, existing.outputs.workspaceName, existing.outputs.resourceGroupName],
            [SENTINEL, "law-sentinel", "rg-entra-provisioning-logs-dev"],
        );
        assert.strictEqual(
            existing.outputs.logsPortalUrl,
            `https://portal.azure.com/#@3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f/resource${SENTINEL}/logs`,
        );
    });

    it("leaves nothing that could delete it: the workspace is only read, and no resource the stack manages is it or holds it", () => {
        const managedIds = existing.resources.map((r) => JSON.stringify([r.type, r.inputs.workspaceName, r.inputs.resourceGroupName]));
        assert.ok(
            !managedIds.some((id) => id.includes("law-sentinel") || id.includes("rg-security")),
            "no managed resource is the workspace or its resource group",
        );
        assert.ok(
            existing.reads.every((r) => !r.protect && !r.retainOnDelete && r.importId === undefined),
            "a read is neither adopted nor owned",
        );
        assert.ok(!existing.resources.some((r) => r.parent === existing.reads[0].urn), "nothing is a child of it");
    });

    it("sets the AADProvisioningLogs retention in it only when told to, with the table's own values, at its subscription", async () => {
        const managed = await evaluateStackWith("dev", {
            ...EXISTING,
            manageExistingWorkspaceRetention: "true",
            provisioningLogsRetentionInDays: "365",
            provisioningLogsTotalRetentionInDays: "1095",
        });
        const [table] = of(managed, "pulumi-nodejs:dynamic:TableRetention");
        assert.deepStrictEqual(table.inputs, {
            subscriptionId: SECURITY,
            resourceGroupName: "rg-security",
            workspaceName: "law-sentinel",
            tableName: "AADProvisioningLogs",
            retentionInDays: 365,
            totalRetentionInDays: 1095,
        });
        assert.strictEqual(table.urn, of(dev, "pulumi-nodejs:dynamic:TableRetention")[0].urn);
        assert.ok(table.dependsOn.includes(managed.reads[0].urn), "after the workspace is read");
    });

    it("refuses a malformed workspace ID with one line, before registering anything", async () => {
        const sink: RecordedResource[] = [];
        await assert.rejects(evaluateStackWith("dev", { ...EXISTING, existingWorkspaceId: "law-sentinel" }, { sink }), {
            message:
                '`existingWorkspaceId` must be the resource ID of a Log Analytics workspace, /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (npm run discover lists them) (got "law-sentinel")',
        });
        assert.deepStrictEqual(sink, []);
    });

    it("is planned the same by the example stack file and its policy config", async () => {
        const central = await evaluateStack("central", { configFile: "test/fixtures/stacks/Pulumi.central.yaml" });
        assert.deepStrictEqual(
            central.reads.map((r) => r.readId),
            [SENTINEL.toLowerCase()],
        );
        assert.deepStrictEqual(
            of(central, SETTING).map((r) => [r.importId, r.inputs.workspaceId]),
            [["/providers/microsoft.aadiam/diagnosticSettings/sentinel-entra", SENTINEL]],
        );
    });
});

describe("a stack that adopts an existing tenant diagnostic setting (adoptDiagnosticSetting)", () => {
    let adopting: Evaluation;

    before(async () => {
        adopting = await evaluateStackWith("dev", ADOPTING);
    });

    it("imports it by its ARM ID, keeping every category and destination the stack lists and adding ProvisioningLogs", () => {
        const [setting] = of(adopting, SETTING);
        assert.strictEqual(setting.importId, "/providers/microsoft.aadiam/diagnosticSettings/sentinel-entra");
        assert.deepStrictEqual(setting.inputs, {
            name: "sentinel-entra",
            workspaceId: SENTINEL,
            eventHubAuthorizationRuleId: EVENT_HUB_RULE,
            eventHubName: "entra",
            logs: ["ProvisioningLogs", "AuditLogs", "SignInLogs"].map((category) => ({
                category,
                enabled: true,
                retentionPolicy: { enabled: false, days: 0 },
            })),
        });
        assert.strictEqual(adopting.outputs.diagnosticSettingName, "sentinel-entra");
    });

    it("keeps it in the tenant when the stack is destroyed: it was there before", () => {
        const [setting] = of(adopting, SETTING);
        assert.deepStrictEqual([setting.retainOnDelete, setting.protect], [true, false]);
    });

    it("still waits for Microsoft.Insights to be registered", () => {
        const [setting] = of(adopting, SETTING);
        const registration = adopting.resources.find((r) => r.name === "entra-provisioning-insights-registration")!;
        assert.ok(setting.dependsOn.includes(registration.urn));
    });

    it("turns on the quarantine alert, since the adopted setting sends AuditLogs", () => {
        assert.ok(of(adopting, "azure-native:monitor:ScheduledQueryRule").some((r) => r.name === "entra-provisioning-alerts-quarantine"));
    });

    it("is created, not imported, by a stack that adopts nothing", async () => {
        const [setting] = of(await evaluateStack("dev"), SETTING);
        assert.deepStrictEqual([setting.importId, setting.retainOnDelete], [undefined, false]);
    });

    describe("refuses, with one line and before registering the setting, to adopt one", () => {
        const live = (setting: LiveDiagnosticSetting) => ({ "sentinel-entra": setting });
        const logs = (...categories: string[]) => categories.map((category) => ({ category, enabled: true }));

        it("that does not exist", async () => {
            const { message, sink } = await refusal(ADOPTING, {});
            assert.strictEqual(
                message,
                "tenant diagnostic setting sentinel-entra does not exist, so it cannot be adopted: check its name (npm run discover lists the tenant's settings)",
            );
            assert.ok(!sink.some((r) => r.type === SETTING));
        });

        it("that sends a category the stack does not list", async () => {
            const { message, sink } = await refusal(
                ADOPTING,
                live({
                    workspaceId: SENTINEL,
                    eventHubAuthorizationRuleId: EVENT_HUB_RULE,
                    eventHubName: "entra",
                    logs: [...logs("AuditLogs", "SignInLogs", "RiskyUsers"), { category: "NetworkAccessAlerts", enabled: false }],
                }),
            );
            assert.strictEqual(
                message,
                "tenant diagnostic setting sentinel-entra sends RiskyUsers, which the stack does not list: adopting it would stop sending it; add it to diagnosticLogCategories (npm run discover prints the settings to adopt it as it is)",
            );
            assert.ok(!sink.some((r) => r.type === SETTING));
        });

        it("that sends to another workspace", async () => {
            const other = SENTINEL.replace("law-sentinel", "law-soc");
            const { message } = await refusal(ADOPTING, live({ workspaceId: other, logs: logs("AuditLogs") }));
            assert.strictEqual(
                message,
                `tenant diagnostic setting sentinel-entra sends its logs to workspace law-soc, not to this stack's law-sentinel: adopting it would move them all; use that workspace (existingWorkspaceId ${other}) or adopt another setting`,
            );
        });

        it("that sends to a storage account the stack does not list", async () => {
            const storage = `/subscriptions/${SECURITY}/resourceGroups/rg-archive/providers/Microsoft.Storage/storageAccounts/entraarchive`;
            const { message } = await refusal(
                ADOPTING,
                live({
                    workspaceId: SENTINEL,
                    eventHubAuthorizationRuleId: EVENT_HUB_RULE,
                    eventHubName: "entra",
                    storageAccountId: storage,
                    logs: logs("AuditLogs"),
                }),
            );
            assert.strictEqual(
                message,
                `tenant diagnostic setting sentinel-entra also sends to storageAccountId ${storage}, which the stack does not list: adopting it would stop that; add storageAccountId=${storage} to diagnosticSettingDestinations`,
            );
        });
    });

    it("accepts a live setting that sends less than the stack lists, in another case, already with ProvisioningLogs", () => {
        const declared = {
            name: "sentinel-entra",
            workspaceId: SENTINEL,
            categories: ["ProvisioningLogs", "AuditLogs", "SignInLogs"],
            destinations: {},
        };
        const live = {
            workspaceId: SENTINEL.toLowerCase(),
            logs: [
                { category: "auditlogs", enabled: true },
                { category: "ProvisioningLogs", enabled: true },
            ],
        };
        assert.strictEqual(adoptionProblem(live as never, declared), undefined);
        assert.strictEqual(
            adoptionProblem({ logs: [{ category: "AuditLogs", enabled: true }] } as never, declared),
            undefined,
            "a setting without a workspace gets the stack's",
        );
    });

    it("refuses, by settings, a second setting sending ProvisioningLogs unless allowed, naming the existing one", async () => {
        await assert.rejects(evaluateStackWith("dev", { existingProvisioningLogsSettings: JSON.stringify(["portal-provisioning"]) }), {
            message:
                '`existingProvisioningLogsSettings` says portal-provisioning already sends ProvisioningLogs, so a setting of this stack would bill them twice: adopt it (adoptDiagnosticSetting portal-provisioning) or set allowDuplicateProvisioningLogs true (got ["portal-provisioning"])',
        });
        const allowed = await evaluateStackWith("dev", {
            existingProvisioningLogsSettings: JSON.stringify(["portal-provisioning"]),
            allowDuplicateProvisioningLogs: "true",
        });
        assert.deepStrictEqual(
            of(allowed, SETTING).map((r) => [r.inputs.name, r.importId]),
            [["entra-provisioning-logs-dev", undefined]],
        );
    });
});
