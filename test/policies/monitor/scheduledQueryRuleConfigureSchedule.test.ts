import * as assert from "node:assert";
import { monitorScheduledQueryRuleConfigureSchedule as policy } from "../../../policies/monitor/scheduledQueryRuleConfigureSchedule";
import { resource, violations } from "../harness";

const condition = (change: Record<string, unknown> = {}) => ({
    query: "AADProvisioningLogs | summarize Failures = count() by App",
    timeAggregation: "Total",
    metricMeasureColumn: "Failures",
    operator: "GreaterThan",
    threshold: 10,
    failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
    ...change,
});

const rule = (change: Record<string, unknown> = {}, type = "azure-native:monitor:ScheduledQueryRule") =>
    resource(type, {
        ruleName: "entra-provisioning-prod-failure-spike",
        enabled: true,
        evaluationFrequency: "PT15M",
        windowSize: "PT1H",
        autoMitigate: true,
        criteria: { allOf: [condition()] },
        actions: { actionGroups: ["/subscriptions/x/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/team"] },
        ...change,
    });

const periods = (numberOfEvaluationPeriods: number, minFailingPeriodsToAlert = 1) => ({
    criteria: { allOf: [condition({ failingPeriods: { numberOfEvaluationPeriods, minFailingPeriodsToAlert } })] },
});

describe("monitor-scheduledqueryrule-configure-schedule", () => {
    it("passes when the rule's periods, lookback, mute and time range are ones Azure accepts", async () => {
        assert.deepStrictEqual(await violations(policy, [rule()]), []);
    });

    it("passes when muted actions last at least the frequency on a rule that is closed by hand", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ autoMitigate: false, muteActionsDuration: "PT15M" })]), []);
    });

    it("passes when a daily rule resolves by itself, as Azure documents no error for it", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ evaluationFrequency: "P1D", windowSize: "P1D" })]), []);
    });

    it("passes when the time range is two days over a shorter lookback", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ overrideQueryTimeRange: "P2D" })]), []);
    });

    it("passes when conditions give no failing periods, which Azure takes as one of one", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ criteria: { allOf: [condition({ failingPeriods: undefined })] } })]), []);
    });

    it("fails when a condition has more than six evaluation periods", async () => {
        assert.deepStrictEqual(await violations(policy, [rule(periods(7))]), [
            "Alert rule condition 0 must have 1 to 6 evaluation periods (found numberOfEvaluationPeriods 7); Azure accepts no other number.",
        ]);
    });

    it("fails when a condition needs more failing periods than it evaluates", async () => {
        assert.deepStrictEqual(await violations(policy, [rule(periods(3, 4))]), [
            "Alert rule condition 0 must need 1 to 3 failing periods, at most its evaluation periods (found minFailingPeriodsToAlert 4).",
        ]);
    });

    it("fails when window × periods looks back more than two days", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ windowSize: "P1D", ...periods(3) })]), [
            "Alert rule condition 0 must look back at most two days (found window P1D × 3 periods); Azure limits window × periods to 48 hours.",
        ]);
    });

    it("fails when actions are muted on a rule that resolves by itself", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ muteActionsDuration: "PT1H" })]), [
            'Alert rule must not mute actions while it resolves by itself (found muteActionsDuration PT1H, autoMitigate true); Azure answers "Auto mitigation must be disabled when action suppression is set".',
        ]);
    });

    it("fails when actions are muted and autoMitigate is unset, which Azure takes as true", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ autoMitigate: undefined, muteActionsDuration: "PT1H" })]), [
            'Alert rule must not mute actions while it resolves by itself (found muteActionsDuration PT1H, autoMitigate unset, which Azure takes as true); Azure answers "Auto mitigation must be disabled when action suppression is set".',
        ]);
    });

    it("fails when actions are muted for less than the evaluation frequency", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ autoMitigate: false, muteActionsDuration: "PT5M" })]), [
            'Alert rule must not mute actions for less than its evaluation frequency (found muteActionsDuration PT5M, evaluationFrequency PT15M); Azure answers "EvaluationFrequency cannot be greater than MuteActionsDuration".',
        ]);
    });

    it("fails when the time range is longer than two days", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ overrideQueryTimeRange: "P3D" })]), [
            "Alert rule query time range must be at most P2D (found overrideQueryTimeRange P3D); a log search alert queries at most two days.",
        ]);
    });

    it("fails when the time range is shorter than window × periods", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ overrideQueryTimeRange: "PT2H", ...periods(3) })]), [
            "Alert rule query time range must not be shorter than window × periods (found overrideQueryTimeRange PT2H, window PT1H × 3 periods); Azure requires at least the lookback.",
        ]);
    });

    it("fails when a one-minute rule has a window longer than six hours", async () => {
        assert.deepStrictEqual(await violations(policy, [rule({ evaluationFrequency: "PT1M", windowSize: "P1D" })]), [
            "Alert rule window must be PT6H or shorter with a one-minute evaluation frequency (found window P1D); Azure offers no longer window at PT1M.",
        ]);
    });

    it("checks the azure-native:insights alias too", async () => {
        assert.strictEqual((await violations(policy, [rule(periods(7), "azure-native:insights:ScheduledQueryRule")])).length, 1);
    });
});
