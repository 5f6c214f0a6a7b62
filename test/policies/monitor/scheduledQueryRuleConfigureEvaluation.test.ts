import * as assert from "node:assert";
import { monitorScheduledQueryRuleConfigureEvaluation as policy } from "../../../policies/monitor/scheduledQueryRuleConfigureEvaluation";
import { resource, violations } from "../harness";

const rule = (change: Record<string, unknown> = {}, type = "azure-native:monitor:ScheduledQueryRule") =>
    resource(type, {
        ruleName: "entra-provisioning-prod-failure-spike",
        enabled: true,
        evaluationFrequency: "PT15M",
        windowSize: "PT1H",
        criteria: { allOf: [{ query: "AADProvisioningLogs", operator: "GreaterThan", threshold: 10 }] },
        actions: { actionGroups: ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/team"] },
        ...change,
    });

describe("monitor-scheduledqueryrule-configure-evaluation", () => {
    it("passes when the rule is enabled, notifies a group and uses accepted values", async () => {
        assert.deepStrictEqual(await violations(policy, [rule()]), []);
    });

    it("fails when the rule is disabled", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ enabled: false })]), [
            "Alert rule must be enabled (found enabled: false); set enabled true or remove the rule with alertOverrides <rule>.enabled=false.",
        ]);
    });

    it("fails when the rule notifies no action group", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ actions: { actionGroups: [] } })]), [
            "Alert rule must notify at least one action group (found none); add a receiver to alertReceivers.",
        ]);
    });

    it("fails when the operator is equality", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ criteria: { allOf: [{ operator: "Equal", threshold: 0 }] } })]), [
            "Alert rule condition 0 must use one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual (found Equal); Azure rejects other operators.",
        ]);
    });

    it("fails when the frequency is not one Azure offers", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ evaluationFrequency: "PT20M" })]), [
            "Alert rule evaluation frequency must be one of PT1M, PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D (found PT20M).",
        ]);
    });

    it("fails when the window is shorter than the frequency", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ windowSize: "PT5M" })]), [
            "Alert rule window must not be shorter than its evaluation frequency (found window PT5M, frequency PT15M).",
        ]);
    });

    it("checks the azure-native:insights alias too", async () => {
        assert.strictEqual((await violations(policy, [rule({ enabled: false }, "azure-native:insights:ScheduledQueryRule")])).length, 1);
    });
});
