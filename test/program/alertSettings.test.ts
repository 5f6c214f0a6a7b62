import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAlertSettings, type RawAlertConfig } from "../../program/alertSettings";
import { parseSettings } from "../../program/settings";
import { PROJECT_DIR } from "../../tools/stackFiles";
import { withTempDir } from "../support/tempDir";

const REASON =
    'at a one-minute frequency Azure rewrites the query and fails on search, union, take (limit), ingestion_time(), the adx pattern and functions that call other tables ("Couldn\'t optimize this query so the selected frequency was not supported"; https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule)';

const BASE = {
    tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
    subscriptionId: "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
    location: "westeurope",
    alertReceivers: '["email identity@contoso.com"]',
};

/** The stack's settings with these alert overrides, as Pulumi passes them. */
const overrides = (...entries: string[]) => parseSettings({ ...BASE, alertOverrides: JSON.stringify(entries) }, "dev");

/** The alert keys alone, with these overrides. */
const raw = (...entries: string[]): RawAlertConfig => ({
    alertReceivers: ["email identity@contoso.com"],
    alertSecretReceivers: [],
    alertOncallMaxSeverity: 1,
    alertTeamShortName: "ProvTeam",
    alertOncallShortName: "ProvOncall",
    alertApps: [],
    alertSilentApps: [],
    alertOverrides: entries,
});

describe("alert schedules Azure refuses", () => {
    it("rejects a one-minute frequency for a rule whose query calls a workspace function over another table", () => {
        assert.throws(() => overrides("logsAtRisk.frequency=PT1M", "logsAtRisk.window=PT5M"), {
            name: "ConfigError",
            message: `\`alertOverrides[0]\` logsAtRisk.frequency must not be PT1M for this rule: its query (logs-at-risk.kql) calls _LogOperation, a function that reads the Operation table; ${REASON} (got "PT1M")`,
        });
    });

    it("reads what a rule's query uses from its file, so a query that starts using ingestion_time() loses the one-minute frequency", async () => {
        await withTempDir((dir) => {
            for (const file of fs.readdirSync(path.join(PROJECT_DIR, "queries"))) {
                fs.copyFileSync(path.join(PROJECT_DIR, "queries", file), path.join(dir, file));
            }
            fs.writeFileSync(path.join(dir, "quarantine.kql"), "AuditLogs\n| where ingestion_time() > ago(5m)\n| project App = Identity\n");
            assert.throws(() => parseAlertSettings(raw("quarantine.window=PT1H", "quarantine.frequency=PT1M"), dir), {
                message: `\`alertOverrides[1]\` quarantine.frequency must not be PT1M for this rule: its query (quarantine.kql) uses ingestion_time(); ${REASON} (got "PT1M")`,
            });
        });
    });

    it("accepts a one-minute frequency for a rule whose query starts with a table and uses none of those", () => {
        assert.strictEqual(overrides("failureSpike.frequency=PT1M").alerts?.rules.failureSpike.frequency, "PT1M");
    });

    it("rejects a one-minute frequency with a window longer than six hours", () => {
        assert.throws(() => overrides("provisioningStopped.frequency=PT1M"), {
            name: "ConfigError",
            message:
                "`alertOverrides` provisioningStopped.window (P1D) must be PT6H or shorter with frequency PT1M: Azure offers windows up to six hours at a one-minute frequency",
        });
    });

    it("rejects muted actions shorter than the frequency", () => {
        assert.throws(() => overrides("failureSpike.autoMitigate=false", "failureSpike.mute=PT5M"), {
            name: "ConfigError",
            message:
                '`alertOverrides` failureSpike.mute (PT5M) must not be shorter than its frequency (PT15M): Azure answers "EvaluationFrequency cannot be greater than MuteActionsDuration"',
        });
    });

    it("refuses another frequency or auto-resolution for the rules that take each event in one hourly evaluation", () => {
        assert.throws(() => overrides("quarantine.frequency=PT6H"), {
            message:
                "`alertOverrides` quarantine.frequency (PT6H) must be PT1H: the rule's query (quarantine.kql) takes each event in exactly one hourly evaluation, so another frequency would miss events or report them twice",
        });
        assert.throws(() => overrides("provisioningStopped.autoMitigate=true"), {
            message:
                "`alertOverrides` provisioningStopped.autoMitigate must be false: the rule reports each event once, so Azure would resolve the alert at the next evaluation while the problem lasts",
        });
    });

    it("accepts muted actions as long as the frequency", () => {
        assert.strictEqual(
            overrides("failureSpike.autoMitigate=false", "failureSpike.mute=PT15M").alerts?.rules.failureSpike.mute,
            "PT15M",
        );
    });

    it("accepts a daily frequency on a rule that resolves by itself, as Azure documents no error for it", () => {
        const rule = overrides("appSilent.frequency=P1D").alerts?.rules.appSilent;
        assert.deepStrictEqual([rule?.frequency, rule?.autoMitigate], ["P1D", true]);
    });
});
