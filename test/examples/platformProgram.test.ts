import * as assert from "node:assert";
import * as path from "node:path";
import { type Evaluation, evaluateStack, type RecordedResource } from "../../tools/offline/recorder";
import { PROJECT_DIR } from "../../tools/stackFiles";
import { ensurePackageBuilt } from "../package/build";

/**
 * examples/platform-program is another Pulumi project that imports the component by the package's
 * name (`entra-provisioning-logs/components`), with its own config and names. `npm test` type-checks
 * it with its own tsconfig; here it runs under the recording mocks.
 */
describe("another Pulumi program using ProvisioningLogging through the package entry point", () => {
    let example: Evaluation;
    const custom = (type: string) => example.resources.filter((r: RecordedResource) => r.custom && r.type === type);
    before(async function () {
        // The entry point is the built package (dist/), as another program gets it: built first if stale.
        this.timeout(180_000);
        ensurePackageBuilt();
        example = await evaluateStack("example", { programDir: path.join(PROJECT_DIR, "examples", "platform-program") });
    });

    it("names every resource of the component after the instance it chose, beside the program's own", () => {
        const names = example.resources.filter((r) => r.custom).map((r) => r.name);
        assert.ok(names.length > 20, `${names.length} resources`);
        assert.deepStrictEqual(names.filter((n) => !n.startsWith("identity-logs-")).sort(), ["platform-identity", "platform-soc"]);
    });

    it("builds on outputs of the program's own resources: its resource group, and its SOC action group on every rule", () => {
        const [group] = custom("azure-native:resources:ResourceGroup");
        const [soc] = custom("azure-native:monitor:ActionGroup").filter((g) => g.name === "platform-soc");
        const [workspace] = custom("azure-native:operationalinsights:Workspace");
        assert.strictEqual(group.name, "platform-identity", "the component creates no resource group of its own");
        assert.deepStrictEqual(workspace.propertyDependencies.resourceGroupName, [group.urn]);
        assert.strictEqual(workspace.inputs.resourceGroupName, "rg-platform-identity-example");
        const rules = custom("azure-native:monitor:ScheduledQueryRule");
        assert.strictEqual(rules.length, 5);
        for (const rule of rules) {
            const groups = (rule.inputs.actions as { actionGroups: string[] }).actionGroups;
            assert.strictEqual(groups.length, 2, String(rule.inputs.ruleName));
            assert.ok(groups[1].endsWith("/actionGroups/ag-platform-soc-example"), groups[1]);
            assert.ok(rule.propertyDependencies.actions.includes(soc.urn), `${rule.inputs.ruleName} waits for the SOC group`);
        }
    });

    it("applies the args it passed, and the component's documented defaults for the rest", () => {
        const [workspace] = custom("azure-native:operationalinsights:Workspace");
        assert.strictEqual(workspace.inputs.workspaceName, "log-platform-identity-example");
        assert.strictEqual(workspace.inputs.retentionInDays, 90);
        assert.deepStrictEqual(workspace.inputs.features, { disableLocalAuth: true });
        assert.strictEqual(workspace.protect, true);
        const [table] = custom("pulumi-nodejs:dynamic:TableRetention");
        assert.deepStrictEqual([table.inputs.retentionInDays, table.inputs.totalRetentionInDays], [90, 730]);
        const [setting] = custom("azure-native:aadiam:DiagnosticSetting");
        assert.deepStrictEqual(
            (setting.inputs.logs as Array<{ category: string }>).map((l) => l.category),
            ["ProvisioningLogs", "AuditLogs"],
        );
    });

    it("deploys alerts to the one team group it named, with its threshold for failure spikes", () => {
        assert.deepStrictEqual(
            custom("azure-native:monitor:ActionGroup")
                .filter((g) => g.name !== "platform-soc")
                .map((g) => [g.inputs.actionGroupName, g.inputs.emailReceivers]),
            [
                [
                    "ag-entra-provisioning-platform-example-team",
                    [{ name: "email-1", emailAddress: "identity-team@contoso.com", useCommonAlertSchema: true }],
                ],
            ],
        );
        const failureSpike = custom("azure-native:monitor:ScheduledQueryRule").find(
            (r) => r.inputs.ruleName === "entra-provisioning-platform-example-failure-spike",
        );
        assert.ok(failureSpike, "the failure-spike rule is deployed");
        assert.strictEqual((failureSpike.inputs.criteria as { allOf: Array<{ threshold: number }> }).allOf[0].threshold, 20);
        assert.deepStrictEqual(example.outputs.alertRules, [
            "entra-provisioning-platform-example-failure-spike",
            "entra-provisioning-platform-example-provisioning-stopped",
            "entra-provisioning-platform-example-app-silent",
            "entra-provisioning-platform-example-disable-delete-spike",
            "entra-provisioning-platform-example-quarantine",
        ]);
    });
});
