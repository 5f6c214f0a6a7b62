import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
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
            [["update", "entra-provisioning-logs-provisioning-logs-retention", ["totalRetentionInDays"], "lowers totalRetentionInDays from 2556 to 1095 days: older logs are deleted"]],
        );
    });

    it("marks a resource group the stack no longer creates as a deletion of every workspace in it", async () => {
        const prior = await priorOf("dev");
        const changes = diffAgainst(prior, (await evaluateStackWith("dev", { createResourceGroup: "false" })).resources);
        const group = changes.find((c) => c.op === "delete");
        assert.deepStrictEqual([group?.type, group?.name, group?.risk, group?.blocked], [
            "azure-native:resources:ResourceGroup",
            "entra-provisioning-logs-rg",
            "deletes the resource group and every workspace in it, with their logs",
            undefined,
        ]);
    });

    it("reads a Pulumi state file as well as a saved plan", () => {
        const state = { version: 3, checkpoint: { latest: { resources: [
            { urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", type: "pulumi:pulumi:Stack", custom: false },
            { urn: "urn:pulumi:dev::p::azure-native:operationalinsights:Workspace::ws", type: "azure-native:operationalinsights:Workspace", custom: true, protect: true, inputs: { workspaceName: "w" } },
        ] } } };
        assert.deepStrictEqual(readPrior(JSON.stringify(state), "state.json"), [
            { urn: "urn:pulumi:dev::p::azure-native:operationalinsights:Workspace::ws", type: "azure-native:operationalinsights:Workspace", inputs: { workspaceName: "w" }, protect: true },
        ]);
        assert.throws(() => readPrior("{}", "x.json"), { message: "--against x.json has no resources: give a saved npm run plan -- --json, or a state file (pulumi stack export)" });
    });

    it("exits 1 from the command line when a change would lose logs, and lists it", async () => {
        const result = await withTempDir(async (dir) => {
            const prior = path.join(dir, "prior.json");
            const e = await evaluateStackWith("dev", { retentionInDays: "60" });
            fs.writeFileSync(prior, renderJson(e));
            return runIn(planCommand, ["--stack", "dev", "--against", prior]);
        });
        assert.strictEqual(result.code, 1);
        assert.match(result.out, /^Offline plan for stack dev: 29 resources; what changes against the previous deployment is listed below\.$/m);
        assert.match(result.out, /^Against the previous deployment: 0 to create, 2 to update, 0 to replace, 0 to delete\.$/m);
        assert.match(result.out, /^~  update  azure-native:operationalinsights:Workspace entra-provisioning-logs-workspace \(retentionInDays\): ⚠ lowers retentionInDays from 60 to 30 days: older logs are deleted$/m);
    });
});
