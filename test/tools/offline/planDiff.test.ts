import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { UNKNOWN } from "../../../tools/engine/loopbackEngine";
import { diffAgainst, LOG_RISKS, type LogRisk, type PlannedChange, readPrior, renderChanges } from "../../../tools/offline/planDiff";
import { PROJECT_DIR } from "../../../tools/stackFiles";
import { evaluateStack, evaluateStackWith, type RecordedResource } from "../../../tools/offline/recorder";
import { planCommand, renderJson } from "../../../tools/plan";
import { runIn } from "../../support/command";
import { withTempDir } from "../../support/tempDir";
import { resource } from "../../support/recorded";

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
            riskIds: ["deletesWorkspace"],
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
                    [
                        "delete",
                        "pulumi-nodejs:dynamic:WorkspaceRetentionGuard",
                        "entra-provisioning-logs-workspace-retention-guard",
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

    it("exits 1 from the command line when a change would lose logs, and lists it", async function () {
        this.timeout(180_000);
        const result = await withTempDir(async (dir) => {
            const prior = path.join(dir, "prior.json");
            const e = await evaluateStackWith("dev", { retentionInDays: "60" });
            fs.writeFileSync(prior, renderJson(e));
            return runIn(planCommand, ["--stack", "dev", "--against", prior]);
        });
        assert.strictEqual(result.code, 1);
        assert.match(
            result.out,
            /^Offline plan for stack dev: 30 resources; what changes against the previous deployment is listed below\.$/m,
        );
        assert.match(result.out, /^Against the previous deployment: 0 to create, 3 to update, 0 to replace, 0 to delete\.$/m);
        assert.match(
            result.out,
            /^~ {2}update {2}azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace \(retentionInDays\): ⚠ lowers retentionInDays from 60 to 30 days: older logs are deleted$/m,
        );
    });

    describe("every change that deletes or stops logs", function () {
        // Each test runs the program several times.
        this.timeout(300_000);
        const seen = new Set<LogRisk>();
        const risky = (changes: readonly PlannedChange[]) => changes.filter((c) => c.risk !== undefined);
        const note = (changes: readonly PlannedChange[]) => {
            for (const c of changes) {
                for (const id of c.riskIds ?? []) {
                    seen.add(id);
                }
            }
            return changes;
        };

        it("marks protection off, a new daily cap, a shorter workspace retention and a removed category on one prod change", async () => {
            const prior = await priorOf("prod");
            const e = await evaluateStackWith("prod", {
                protectData: "false",
                dailyQuotaGb: "10",
                retentionInDays: "180",
                provisioningLogsRetentionInDays: "365",
                diagnosticLogCategories: "[]",
            });
            const changes = note(risky(diffAgainst(prior, e.resources)));
            assert.deepStrictEqual(
                changes.map((c) => [c.op, c.type, c.riskIds, c.risk]),
                [
                    [
                        "update",
                        "azure-native:operationalinsights:Workspace",
                        ["shortensWorkspaceRetention", "capsIngestion", "unprotects"],
                        "lowers retentionInDays from 365 to 180 days: older logs are deleted; introduces a daily cap of 10 GB: once it is hit, logs are dropped for the rest of the day; turns its protection off (protectData false): a later destroy or replacement deletes the logs",
                    ],
                    [
                        "update",
                        "azure-native:resources:ResourceGroup",
                        ["unprotects"],
                        "turns its protection off (protectData false): a later destroy or replacement deletes the logs",
                    ],
                    [
                        "update",
                        "azure-native:aadiam:DiagnosticSetting",
                        ["removesCategory"],
                        "stops sending AuditLogs: its logs stop arriving",
                    ],
                ].map(([op, type, ids, risk]) => [op, type, ids, risk]),
            );
        });

        it("marks a lower daily cap, and the resource group's protection turned off", async () => {
            const prior = readPrior(renderJson(await evaluateStackWith("dev", { protectData: "true", dailyQuotaGb: "5" })), "prior.json");
            const changes = note(risky(diffAgainst(prior, (await evaluateStackWith("dev", { dailyQuotaGb: "2" })).resources)));
            assert.deepStrictEqual(changes.map((c) => [c.type, c.risk]).sort(), [
                [
                    "azure-native:operationalinsights:Workspace",
                    "lowers the daily cap from 5 GB to 2 GB: once it is hit, logs are dropped for the rest of the day; turns its protection off (protectData false): a later destroy or replacement deletes the logs",
                ],
                [
                    "azure-native:resources:ResourceGroup",
                    "turns its protection off (protectData false): a later destroy or replacement deletes the logs",
                ],
            ]);
        });

        it("marks a move to another subscription first, and a renamed setting, which azure-native deletes before it creates", async () => {
            const prior = await priorOf("dev");
            const other = "0a1b2c3d-0000-4000-8000-00000000beef";
            const changes = note(
                risky(
                    diffAgainst(
                        prior,
                        (await evaluateStackWith("dev", { subscriptionId: other, diagnosticSettingName: "entra-logs-2" })).resources,
                    ),
                ),
            );
            assert.strictEqual(
                changes[0].risk,
                `moves the deployment from subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e to ${other}: a new, empty workspace is made there, and the old one is deleted unless protected`,
            );
            assert.deepStrictEqual(
                changes.filter((c) => c.type === "azure-native:aadiam:DiagnosticSetting").map((c) => [c.op, c.riskIds]),
                [["replace", ["stopsDiagnosticSetting"]]],
            );
            assert.match(
                renderChanges(changes)[1],
                /^\+- replace subscription 0a1b2c3d-0000-4000-8000-00000000beef \(subscriptionId\): ⚠ moves the deployment/,
            );
        });

        it('are what docs/commands.md lists under "What deletes or stops logs", every one of them marked by some change', async () => {
            const prior = await priorOf("prod");
            note(
                diffAgainst(
                    prior,
                    (
                        await evaluateStackWith("prod", {
                            workspaceName: "log-identity-audit-prod2",
                        })
                    ).resources,
                ),
            );
            note(diffAgainst(await priorOf("dev"), (await evaluateStackWith("dev", { createResourceGroup: "false" })).resources));
            note(diffAgainst(prior, (await evaluateStackWith("prod", { provisioningLogsTotalRetentionInDays: "1095" })).resources));
            const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "commands.md"), "utf8");
            const section = doc.slice(doc.indexOf("#### What deletes or stops logs"));
            const listed = section
                .slice(0, section.indexOf("\n**", 1) === -1 ? undefined : section.indexOf("\n**", 1))
                .split("\n")
                .filter((l) => l.startsWith("- "))
                .map((l) => l.slice(2));
            assert.deepStrictEqual(listed, Object.values(LOG_RISKS));
            assert.deepStrictEqual(
                Object.keys(LOG_RISKS).filter((id) => !seen.has(id as LogRisk)),
                [],
                "a risk no change here marks",
            );
        });
    });
});

describe("the offline plan against a saved preview", () => {
    /** A query pack as a preview saves it and as `pulumi up` then registers it. */
    const pack = (inputs: Record<string, unknown>): RecordedResource =>
        resource("azure-native:operationalinsights:QueryPack", inputs, {
            name: "entra-provisioning-queries-pack",
            urn: "urn:pulumi:prod::entra-provisioning-logs::azure-native:operationalinsights:QueryPack::entra-provisioning-queries-pack",
        });

    it("takes what the preview didn't know yet as what pulumi up then got, in a value or inside a text", () => {
        const saved = pack({
            resourceGroupName: UNKNOWN,
            location: "northeurope",
            tags: { workspace: `/subscriptions/s/resourceGroups/${UNKNOWN}/providers/x` },
        });
        const prior = readPrior(JSON.stringify({ resources: [saved] }), "plan.json");
        const known = { resourceGroupName: "rg-identity-audit-prod", location: "northeurope" };
        assert.deepStrictEqual(
            diffAgainst(prior, [
                pack({ ...known, tags: { workspace: "/subscriptions/s/resourceGroups/rg-identity-audit-prod/providers/x" } }),
            ]),
            [],
        );
        assert.deepStrictEqual(
            diffAgainst(prior, [
                pack({ ...known, tags: { workspace: "/subscriptions/t/resourceGroups/rg-identity-audit-prod/providers/x" } }),
            ]).map((c) => [c.op, c.changed]),
            [["update", ["tags"]]],
        );
    });
});
