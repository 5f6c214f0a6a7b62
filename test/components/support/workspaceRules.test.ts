import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import {
    existingWorkspaceIdProblem,
    NEW_WORKSPACE_ARGS,
    PROVISIONING_LOGGING_DEFAULTS,
    TABLE_RETENTION_ARGS,
    workspaceChoiceProblems,
} from "../../../components/support/workspaceRules";
import { PROJECT_DIR } from "../../../tools/stackFiles";

const WORKSPACE =
    "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-central/providers/Microsoft.OperationalInsights/workspaces/log-central";

/** Whose args count as given: the names listed. */
const givenOnly =
    (...names: string[]) =>
    (arg: string) =>
        names.includes(arg);

describe("the workspace rules the components and the settings layer share", () => {
    it("are the defaults Pulumi.yaml declares for the settings of the same names", () => {
        const declared = (
            yaml.load(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> }
        ).config;
        for (const [key, value] of Object.entries(PROVISIONING_LOGGING_DEFAULTS)) {
            assert.ok(key in declared, `Pulumi.yaml declares ${key}`);
            assert.strictEqual(declared[key].default, value, key);
        }
    });

    it("finds nothing wrong with a workspace to create, whatever describes it", () => {
        assert.deepStrictEqual(
            workspaceChoiceProblems({ existing: false, manageExistingWorkspaceRetention: false, given: () => true }),
            [],
        );
    });

    it("refuses managing an existing workspace's retention when there is none", () => {
        assert.deepStrictEqual(workspaceChoiceProblems({ existing: false, manageExistingWorkspaceRetention: true, given: () => false }), [
            { kind: "manage-without-existing" },
        ]);
    });

    it("names every arg that describes a workspace to create when one exists", () => {
        assert.deepStrictEqual(
            workspaceChoiceProblems({
                existing: true,
                manageExistingWorkspaceRetention: false,
                given: givenOnly("retentionInDays", "disableLocalAuth"),
            }),
            [{ kind: "new-workspace-args", args: ["retentionInDays", "disableLocalAuth"] }],
        );
    });

    it("refuses a table retention in a workspace it doesn't own unless managing it on purpose", () => {
        const choice = { existing: true, given: givenOnly("provisioningLogsRetentionInDays", "allowRetentionDecrease") };
        assert.deepStrictEqual(workspaceChoiceProblems({ ...choice, manageExistingWorkspaceRetention: false }), [
            { kind: "unowned-table-retention", args: ["provisioningLogsRetentionInDays", "allowRetentionDecrease"] },
        ]);
        assert.deepStrictEqual(workspaceChoiceProblems({ ...choice, manageExistingWorkspaceRetention: true }), []);
    });

    it("needs the table's retention to manage an existing workspace's, whose own is unknown", () => {
        assert.deepStrictEqual(workspaceChoiceProblems({ existing: true, manageExistingWorkspaceRetention: true, given: () => false }), [
            { kind: "manage-needs-retention" },
        ]);
    });

    it("lists the args of each kind once, and none in both", () => {
        assert.deepStrictEqual(
            [...NEW_WORKSPACE_ARGS, ...TABLE_RETENTION_ARGS].filter((a, i, all) => all.indexOf(a) !== i),
            [],
        );
    });

    it("accepts a workspace's resource ID in any case and refuses anything else, echoing it", () => {
        assert.strictEqual(existingWorkspaceIdProblem(WORKSPACE.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/")), undefined);
        assert.strictEqual(
            existingWorkspaceIdProblem("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"),
            "must be a Log Analytics workspace's resource ID (got /subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st)",
        );
    });
});
