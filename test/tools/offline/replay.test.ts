import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KqlExecutor } from "../../../tools/offline/kql/executor";
import { type ReplayRule, replay, replayRules, resolveAfterMs } from "../../../tools/offline/replay/engine";
import { type LoadedTable, loadLogs, LogsError } from "../../../tools/offline/replay/logs";
import { replaySchemas } from "../../../tools/offline/replay/schemas";
import { replayCommand } from "../../../tools/replay";
import { runIn } from "../../support/command";
import { resource } from "../../support/recorded";
import { withTempDir } from "../../support/tempDir";

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse("2026-03-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Provisioning log rows for one app: `failures` failed events at each of the given minutes after T0. */
function events(minutes: readonly number[], result = "Failure", app = "Contoso HR", delayMs = 2 * MIN): Record<string, unknown>[] {
    return minutes.map((m) => ({
        TimeGenerated: iso(T0 + m * MIN),
        _TimeReceived: iso(T0 + m * MIN + delayMs),
        ResultType: result,
        JobId: "scim.1.2",
        ServicePrincipal: JSON.stringify({ Id: "1", Name: app }),
        Action: "Update",
    }));
}

const FAILURES = `AADProvisioningLogs
| where ResultType == "Failure"
| extend App = tostring(parse_json(ServicePrincipal).Name)
| summarize Failures = count() by App`;

function rule(over: Partial<ReplayRule> = {}): ReplayRule {
    return {
        id: "failureSpike",
        query: FAILURES,
        frequencyMs: 15 * MIN,
        rangeMs: HOUR,
        operator: "GreaterThan",
        threshold: 2,
        timeAggregation: "Total",
        measure: "Failures",
        dimensions: ["App"],
        periods: 1,
        failingPeriods: 1,
        autoMitigate: true,
        ...over,
    };
}

let executor: KqlExecutor;
function tablesOf(dir: string, rules: readonly ReplayRule[], delayMs = 0): Record<string, LoadedTable> {
    const { schemas, columns } = replaySchemas(rules.map((r) => r.query));
    executor = new KqlExecutor(schemas);
    return loadLogs(dir, schemas, { ingestionDelayMs: delayMs, columns });
}

function run(rows: Record<string, unknown>[], rules: readonly ReplayRule[], hours = 6) {
    return withTempDir((dir) => {
        fs.writeFileSync(path.join(dir, "AADProvisioningLogs.json"), JSON.stringify(rows));
        const tables = tablesOf(dir, rules);
        return replay(executor, rules, tables, { from: T0, to: T0 + hours * HOUR });
    });
}

describe("npm run replay", () => {
    describe("evaluating a rule as Azure Monitor does", () => {
        it("fires a stateful alert once at the first evaluation that sees the condition, per dimension", async () => {
            const result = await run([...events([61, 62, 63]), ...events([64], "Failure", "Fabrikam")], [rule()]);
            assert.deepStrictEqual(
                result.alerts.map((a) => [a.dimensions.App, a.firedAt]),
                [["Contoso HR", iso(T0 + 75 * MIN)]],
            );
        });

        it("sees a row only once it became queryable, not at its TimeGenerated", async () => {
            // Failures at 01:01–01:03, queryable 20 minutes later: the 01:15 evaluation can't see them.
            const result = await run(events([61, 62, 63], "Failure", "Contoso HR", 20 * MIN), [rule()]);
            assert.strictEqual(result.alerts[0].firedAt, iso(T0 + 90 * MIN));
        });

        it("misses rows that became queryable after they left every window", async () => {
            const result = await run(events([61, 62, 63], "Failure", "Contoso HR", 2 * HOUR), [rule()]);
            assert.deepStrictEqual(result.alerts, []);
        });

        it("resolves a stateful alert after three unmet periods at a 15-minute frequency", async () => {
            // Last failures at 01:03: the 02:00 evaluation still sees them ([01:00, 02:00)); 02:15 is the first unmet.
            const result = await run(events([61, 62, 63]), [rule()]);
            assert.strictEqual(result.alerts[0].resolvedAt, iso(T0 + 2 * HOUR + 45 * MIN));
        });

        it("resolves after two unmet periods at an hourly frequency, and after timeToResolve when the rule sets one", async () => {
            const hourly = await run(events([61, 62, 63]), [rule({ frequencyMs: HOUR })]);
            assert.deepStrictEqual([hourly.alerts[0].firedAt, hourly.alerts[0].resolvedAt], [iso(T0 + 2 * HOUR), iso(T0 + 4 * HOUR)]);
            const told = await run(events([61, 62, 63]), [rule({ timeToResolveMs: 30 * MIN })]);
            assert.strictEqual(told.alerts[0].resolvedAt, iso(T0 + 2 * HOUR + 30 * MIN));
        });

        it("follows Learn's resolution table, and marks daily frequencies as undocumented", () => {
            assert.deepStrictEqual(resolveAfterMs({ frequencyMs: MIN }), { ms: 10 * MIN, documented: true });
            assert.deepStrictEqual(resolveAfterMs({ frequencyMs: 5 * MIN }), { ms: 15 * MIN, documented: true });
            assert.deepStrictEqual(resolveAfterMs({ frequencyMs: 6 * HOUR }), { ms: 12 * HOUR, documented: true });
            assert.deepStrictEqual(resolveAfterMs({ frequencyMs: 12 * HOUR }), { ms: 12 * HOUR, documented: true });
            assert.deepStrictEqual(resolveAfterMs({ frequencyMs: 24 * HOUR }), { ms: 24 * HOUR, documented: false });
        });

        it("fires a stateless alert at every evaluation that meets the condition, notifying once per mute period", async () => {
            const result = await run(events([61, 62, 63]), [rule({ autoMitigate: false, muteMs: 30 * MIN })]);
            assert.deepStrictEqual(
                result.alerts.map((a) => [a.firedAt, a.notified, a.resolvedAt]),
                [
                    [iso(T0 + 75 * MIN), true, null],
                    [iso(T0 + 90 * MIN), false, null],
                    [iso(T0 + 105 * MIN), true, null],
                    [iso(T0 + 120 * MIN), false, null],
                ],
            );
        });

        it("counts result rows when the rule has no measure column, and compares 0 rows with the threshold", async () => {
            const stopped = rule({
                id: "quiet",
                query: "AADProvisioningLogs | where ResultType == 'Success'",
                measure: undefined,
                dimensions: [],
                operator: "LessThan",
                threshold: 1,
                timeAggregation: "Count",
            });
            const result = await run(events([10], "Success"), [stopped], 3);
            // 00:15 … 01:00 see the 00:10 event; 01:15 doesn't: the alert fires there.
            assert.deepStrictEqual(
                result.alerts.map((a) => a.firedAt),
                [iso(T0 + 75 * MIN)],
            );
        });

        it("stops notifying past 300 stateful alerts in one evaluation, and says so", async () => {
            const rows = Array.from({ length: 301 }, (_, i) => events([61, 62, 63], "Failure", `App ${i}`)).flat();
            const result = await run(rows, [rule()], 2);
            assert.strictEqual(result.alerts.length, 301);
            assert.strictEqual(result.alerts.filter((a) => !a.notified).length, 1);
            assert.match(result.rules[0].notes.join("\n"), /more than 300 alerts in one evaluation/);
        });
    });

    describe("reading a stack's rules", () => {
        it("takes each rule's schedule, condition and name in alertOverrides from its recorded inputs", () => {
            const [r] = replayRules([
                resource(
                    "azure-native:monitor:ScheduledQueryRule",
                    {
                        evaluationFrequency: "PT1H",
                        windowSize: "PT1H",
                        overrideQueryTimeRange: "P2D",
                        autoMitigate: false,
                        muteActionsDuration: "P1D",
                        criteria: {
                            allOf: [
                                {
                                    query: "T",
                                    timeAggregation: "Count",
                                    operator: "GreaterThan",
                                    threshold: 0,
                                    dimensions: [{ name: "App" }],
                                },
                            ],
                        },
                        actions: { customProperties: { rule: "quarantine" } },
                    },
                    { name: "alerts-quarantine" },
                ),
            ]);
            assert.deepStrictEqual(r, {
                id: "quarantine",
                query: "T",
                frequencyMs: HOUR,
                rangeMs: 48 * HOUR,
                operator: "GreaterThan",
                threshold: 0,
                timeAggregation: "Count",
                dimensions: ["App"],
                periods: 1,
                failingPeriods: 1,
                autoMitigate: false,
                muteMs: 24 * HOUR,
            });
        });
    });

    describe("reading exported logs", () => {
        const rules = [rule()];
        it("reads rows as az monitor log-analytics query prints them and as the Logs query API answers, alike", () =>
            withTempDir((dir) => {
                const rows = events([1, 2]);
                fs.mkdirSync(path.join(dir, "a"));
                fs.mkdirSync(path.join(dir, "b"));
                fs.writeFileSync(path.join(dir, "a", "AADProvisioningLogs.json"), JSON.stringify(rows, null, 2));
                const names = Object.keys(rows[0]);
                fs.writeFileSync(
                    path.join(dir, "b", "AADProvisioningLogs.json"),
                    JSON.stringify({
                        tables: [
                            {
                                name: "PrimaryResult",
                                columns: names.map((name) => ({ name, type: "string" })),
                                rows: rows.map((r) => names.map((n) => r[n])),
                            },
                        ],
                    }),
                );
                const a = tablesOf(path.join(dir, "a"), rules).AADProvisioningLogs;
                const b = tablesOf(path.join(dir, "b"), rules).AADProvisioningLogs;
                assert.deepStrictEqual(a.rows, b.rows);
                assert.deepStrictEqual([...a.ingested], [T0 + 3 * MIN, T0 + 4 * MIN]);
            }));

        it("reads a file larger than its read buffer, with strings that hold braces and escaped quotes", () =>
            withTempDir((dir) => {
                const rows = Array.from({ length: 12000 }, (_, i) => ({
                    TimeGenerated: iso(T0 + i * 1000),
                    ResultType: "Failure",
                    ServicePrincipal: JSON.stringify({ Id: `${i}`, Name: `App "{${i}}" ✓` }),
                }));
                fs.writeFileSync(path.join(dir, "AADProvisioningLogs.json"), JSON.stringify(rows, null, 1));
                assert.ok(fs.statSync(path.join(dir, "AADProvisioningLogs.json")).size > 1 << 20);
                const t = tablesOf(dir, rules).AADProvisioningLogs;
                assert.strictEqual(t.rows.length, 12000);
                const name = t.columns.findIndex((c) => c.name === "ServicePrincipal");
                assert.strictEqual(t.rows[11999][name], JSON.stringify({ Id: "11999", Name: 'App "{11999}" ✓' }));
            }));

        it("takes when a row became queryable from IngestionTime, else _TimeReceived, else TimeGenerated plus the delay", () =>
            withTempDir((dir) => {
                const at = (m: number) => iso(T0 + m * MIN);
                fs.writeFileSync(
                    path.join(dir, "AADProvisioningLogs.json"),
                    JSON.stringify([
                        { TimeGenerated: at(0), IngestionTime: at(9), _TimeReceived: at(1) },
                        { TimeGenerated: at(1), _TimeReceived: at(4) },
                        { TimeGenerated: at(2) },
                    ]),
                );
                assert.deepStrictEqual(
                    [...tablesOf(dir, rules, 5 * MIN).AADProvisioningLogs.ingested],
                    [T0 + 9 * MIN, T0 + 4 * MIN, T0 + 7 * MIN],
                );
            }));

        it("refuses a value of the wrong type with one line naming the file, row and column", () =>
            withTempDir((dir) => {
                fs.writeFileSync(path.join(dir, "AADProvisioningLogs.json"), JSON.stringify([{ TimeGenerated: "yesterday" }]));
                assert.throws(
                    () => tablesOf(dir, rules),
                    (e: Error) =>
                        e instanceof LogsError &&
                        e.message ===
                            `${path.join(dir, "AADProvisioningLogs.json")}: row 1, column TimeGenerated: "yesterday" is not a datetime (ISO 8601 expected)`,
                );
            }));
    });

    describe("the command", () => {
        it("refuses a missing --logs, a bad date and a bad duration with one line each", async () => {
            assert.match((await runIn(replayCommand, ["--stack", "dev"])).err, /^error: --logs <dir> is required; usage: npm run replay/);
            await withTempDir(async (dir) => {
                const bad = await runIn(replayCommand, ["--stack", "dev", "--logs", dir, "--from", "monday"]);
                assert.deepStrictEqual(
                    [bad.code, bad.err.trim()],
                    [2, "error: --from monday is not an ISO 8601 date and time (e.g. 2026-01-31T00:00:00Z)"],
                );
                const delay = await runIn(replayCommand, ["--stack", "dev", "--logs", dir, "--ingestion-delay", "5m"]);
                assert.deepStrictEqual(
                    [delay.code, delay.err.trim()],
                    [2, "error: --ingestion-delay 5m is not an ISO 8601 duration (e.g. PT5M, PT1H, P1D)"],
                );
            });
        });

        it("prints the dev stack's alerts on an export as JSON", async () =>
            withTempDir(async (dir) => {
                fs.writeFileSync(
                    path.join(dir, "AADProvisioningLogs.json"),
                    JSON.stringify(events(Array.from({ length: 40 }, (_, i) => 60 + i))),
                );
                const r = await runIn(replayCommand, ["--stack", "dev", "--logs", dir, "--json", "--to", iso(T0 + 4 * HOUR)]);
                assert.strictEqual(r.code, 0, r.err);
                const alerts = (JSON.parse(r.out) as { alerts: { rule: string; dimensions: Record<string, string> }[] }).alerts;
                assert.deepStrictEqual(
                    alerts.map((a) => [a.rule, a.dimensions]),
                    [["failureSpike", { App: "Contoso HR", JobId: "scim.1.2" }]],
                );
            }));
    });
});
