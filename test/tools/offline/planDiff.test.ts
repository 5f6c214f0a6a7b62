import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { diffAgainst, readPrior, renderChanges } from "../../../tools/offline/planDiff";
import { evaluateStack, evaluateStackWith } from "../../../tools/offline/recorder";
import { planCommand, renderJson } from "../../../tools/plan";
import { runIn } from "../../support/command";
import { withTempDir } from "../../support/tempDir";

describe("the offline plan against a previous deployment", () => {
    const priorOf = async (stack: string) => {
        const e = await evaluateStack(stack);
        return readPrior(renderJson(e), "prior.json");
    };

    it("shows no changes when nothing changed", async () => {
        const prior = await priorOf("prod");
        assert.deepStrictEqual(diffAgainst(prior, (await evaluateStack("prod")).resources), []);
        assert.deepStrictEqual(renderChanges([]), ["Against the previous deployment: no changes."]);
    });

    it("marks a renamed workspace as a replacement that deletes its logs, blocked where it is protected", async () => {
        const prior = await priorOf("prod");
        const changes = diffAgainst(prior, (await evaluateStackWith("prod", { workspaceName: "log-identity-audit-prod2" })).resources);
        const workspace = changes.find((c) => c.type === "azure-native:operationalinsights:Workspace");
        assert.deepStrictEqual(workspace, {
            urn: workspace?.urn,
            type: "azure-native:operationalinsights:Workspace",
            name: "entra-provisioning-logs-workspace",
            op: "replace",
            changed: ["workspaceName"],
            risk: "deletes the workspace and every log in it",
            blocked: true,
        });
        assert.ok(
            renderChanges(changes).includes(
                "+- replace azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace (workspaceName): ⚠ deletes the workspace and every log in it; it is protected, so pulumi up will refuse: to do it on purpose, run `pulumi state unprotect` on it first",
            ),
        );
    });

    it("marks a shorter total retention of the table as an update that deletes older logs", async () => {
        const prior = await priorOf("prod");
        const changes = diffAgainst(prior, (await evaluateStackWith("prod", { provisioningLogsTotalRetentionInDays: "1095" })).resources);
        assert.deepStrictEqual(
            changes.map((c) => [c.op, c.name, c.changed, c.risk]),
            [
                [
                    "update",
                    "entra-provisioning-logs-provisioning-logs-retention",
                    ["totalRetentionInDays"],
                    "lowers totalRetentionInDays from 2556 to 1095 days: older logs are deleted",
                ],
            ],
        );
    });

    it("marks a resource group the stack no longer creates as a deletion of every workspace in it", async () => {
        const prior = await priorOf("dev");
        const changes = diffAgainst(prior, (await evaluateStackWith("dev", { createResourceGroup: "false" })).resources);
        const group = changes.find((c) => c.op === "delete");
        assert.deepStrictEqual(
            [group?.type, group?.name, group?.risk, group?.blocked],
            [
                "azure-native:resources:ResourceGroup",
                "entra-provisioning-logs-rg",
                "deletes the resource group and every workspace in it, with their logs",
                undefined,
            ],
        );
    });

    it("reads a Pulumi state file as well as a saved plan", () => {
        const state = {
            version: 3,
            checkpoint: {
                latest: {
                    resources: [
                        { urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack", custom: false },
                        {
                            urn: "urn:pulumi:dev::p::azure-native:operationalinsights:Workspace::ws",
                            type: "azure-native:operationalinsights:Workspace",
                            custom: true,
                            protect: true,
                            inputs: { workspaceName: "w" },
                        },
                    ],
                },
            },
        };
        assert.deepStrictEqual(readPrior(JSON.stringify(state), "state.json"), [
            {
                urn: "urn:pulumi:dev::p::azure-native:operationalinsights:Workspace::ws",
                type: "azure-native:operationalinsights:Workspace",
                inputs: { workspaceName: "w" },
                protect: true,
                external: false,
            },
        ]);
        assert.throws(() => readPrior("{}", "x.json"), {
            message: "--against x.json has no resources: give a saved npm run plan -- --json, or a state file (pulumi stack export)",
        });
    });

    describe("moving a stack to an existing workspace and an adopted setting", () => {
        const SENTINEL =
            "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel";
        const central = {
            existingWorkspaceId: SENTINEL,
            adoptDiagnosticSetting: "sentinel-entra",
            diagnosticLogCategories: '["AuditLogs"]',
        };

        it("marks the stack's own workspace as deleted, blocked where protected, and its own setting as replaced by the one it adopts", async () => {
            const prior = await priorOf("prod");
            const e = await evaluateStackWith("prod", {
                ...central,
                workspaceName: undefined,
                retentionInDays: undefined,
                provisioningLogsRetentionInDays: undefined,
                provisioningLogsTotalRetentionInDays: undefined,
            });
            const changes = diffAgainst(prior, [...e.resources, ...e.reads]);
            assert.deepStrictEqual(
                changes
                    .filter((c) => /DiagnosticSetting|Workspace|TableRetention/.test(c.type))
                    .map((c) => [c.op, c.type, c.name, c.changed, c.risk, c.blocked]),
                [
                    [
                        "replace",
                        "azure-native:aadiam:DiagnosticSetting",
                        "entra-provisioning-diagnostics-setting",
                        ["name", "workspaceId"],
                        undefined,
                        undefined,
                    ],
                    [
                        "delete",
                        "azure-native:operationalinsights:Workspace",
                        "entra-provisioning-logs-workspace",
                        [],
                        "deletes the workspace and every log in it",
                        true,
                    ],
                    [
                        "delete",
                        "pulumi-nodejs:dynamic:TableRetention",
                        "entra-provisioning-logs-provisioning-logs-retention",
                        [],
                        undefined,
                        undefined,
                    ],
                ],
            );
            assert.ok(
                renderChanges(changes).includes(
                    "-  delete  azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace: ⚠ deletes the workspace and every log in it; it is protected, so pulumi up will refuse: to do it on purpose, run `pulumi state unprotect` on it first",
                ),
            );
        });

        it("releases, without deleting, the stack's own workspace when it is the existing one named", async () => {
            const prior = await priorOf("prod");
            const own =
                "/subscriptions/2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b/resourcegroups/rg-identity-audit-prod/providers/microsoft.operationalinsights/workspaces/log-identity-audit-prod";
            const e = await evaluateStackWith("prod", {
                existingWorkspaceId: own,
                workspaceName: undefined,
                retentionInDays: undefined,
                provisioningLogsRetentionInDays: undefined,
                provisioningLogsTotalRetentionInDays: undefined,
            });
            const changes = diffAgainst(prior, [...e.resources, ...e.reads]);
            assert.deepStrictEqual(
                changes.filter((c) => c.type === "azure-native:operationalinsights:Workspace").map((c) => [c.op, c.risk]),
                [["release", undefined]],
            );
            assert.ok(renderChanges(changes)[0].endsWith(", 1 to release (no longer managed, not deleted)."), renderChanges(changes)[0]);
            assert.ok(!changes.some((c) => c.risk !== undefined), "nothing loses logs");
        });

        it("marks a setting a new stack adopts as an import, not a creation", async () => {
            const e = await evaluateStackWith("dev", { ...central, retentionInDays: undefined, dailyQuotaGb: undefined });
            const changes = diffAgainst([], [...e.resources, ...e.reads]);
            assert.deepStrictEqual(
                changes.filter((c) => c.op === "import").map((c) => c.name),
                ["entra-provisioning-diagnostics-setting"],
            );
            assert.ok(
                !changes.some((c) => c.type === "azure-native:operationalinsights:Workspace"),
                "the workspace read is neither created nor changed",
            );
            assert.match(
                renderChanges(changes)[0],
                /^Against the previous deployment: 27 to create, 0 to update, 0 to replace, 0 to delete, 1 to import\.$/,
            );
        });
    });

    it("exits 1 from the command line when a change would lose logs, and lists it", async () => {
        const result = await withTempDir(async (dir) => {
            const prior = path.join(dir, "prior.json");
            const e = await evaluateStackWith("dev", { retentionInDays: "60" });
            fs.writeFileSync(prior, renderJson(e));
            return runIn(planCommand, ["--stack", "dev", "--against", prior]);
        });
        assert.strictEqual(result.code, 1);
        assert.match(
            result.out,
            /^Offline plan for stack dev: 29 resources; what changes against the previous deployment is listed below\.$/m,
        );
        assert.match(result.out, /^Against the previous deployment: 0 to create, 2 to update, 0 to replace, 0 to delete\.$/m);
        assert.match(
            result.out,
            /^~ {2}update {2}azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace \(retentionInDays\): ⚠ lowers retentionInDays from 60 to 30 days: older logs are deleted$/m,
        );
    });
});
