/**
 * `npm run replay -- --stack <name> --logs <dir> [--from <iso>] [--to <iso>] [--ingestion-delay PT3M] [--json]`:
 * backtests the stack's log search alert rules on exported logs (tools/offline/replay/logs.ts says
 * which files and formats), evaluating each rule as Azure Monitor does (tools/offline/replay/engine.ts),
 * and prints each rule's alerts as a timeline, or as JSON. Run it on an export of your own workspace
 * to tune thresholds before `pulumi up`.
 */
import {
    type Command,
    type CommandSpec,
    EXIT_CODES,
    parseFlags,
    requireFolder,
    runAsMain,
    stackOf,
    UsageError,
    CONFIG_FILE_FLAG,
} from "./cli";
import type { ReplayAlert, ReplayResult, ReplayRule } from "./offline/replay/engine";
import { humanDuration } from "./offline/replay/measure";

// The SDKs, Kusto.Language and the logs load once the command line is read: `--help` answers at once.

const SPEC: CommandSpec<"stack" | "config-file" | "logs" | "from" | "to" | "ingestion-delay", "json"> = {
    usage: "npm run replay -- --stack <name> --logs <dir> [--config-file <file>] [--from <iso>] [--to <iso>] [--ingestion-delay <ISO 8601 duration>] [--json]",
    about: [
        "Backtests the stack's alert rules on exported logs: each rule evaluated at its frequency, over its time",
        "range, on the rows queryable by then, with its threshold, dimensions and auto-resolve, as Azure Monitor does.",
        "<dir> holds one file per table (AADProvisioningLogs.json, AuditLogs.json, LogOperation.json, …), each as",
        "`az monitor log-analytics query -o json` prints rows or as the Logs query API answers.",
    ].join("\n"),
    values: {
        stack: { arg: "<name>", help: "The stack whose rules to replay (Pulumi.<name>.yaml)." },
        "config-file": CONFIG_FILE_FLAG,
        logs: { arg: "<dir>", help: "The folder of exported tables, one <Table>.json each." },
        from: { arg: "<iso>", help: "Start of the replay (ISO 8601). Defaults to the earliest row." },
        to: { arg: "<iso>", help: "End of the replay (ISO 8601). Defaults to when the last row became queryable." },
        "ingestion-delay": {
            arg: "<ISO 8601 duration>",
            help: "For rows without IngestionTime or _TimeReceived: how long after TimeGenerated they became queryable. Defaults to PT3M.",
        },
    },
    switches: { json: 'Print {"alerts":[{"rule","dimensions","firedAt","resolvedAt","notified"}]} instead of the timeline.' },
};

/**
 * "The typical latency to ingest log data is between 20 seconds and 3 minutes"
 * (https://learn.microsoft.com/azure/azure-monitor/logs/data-ingestion-time): the default delay is its upper end.
 */
const DEFAULT_INGESTION_DELAY = "PT3M";

function isoTime(value: string, flag: string): number {
    const ms = Date.parse(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
        throw new UsageError(`${flag} ${value} is not an ISO 8601 date and time (e.g. 2026-01-31T00:00:00Z)`);
    }
    return ms;
}

function isoDuration(value: string, flag: string): number {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
    if (!m || !/\d/.test(value) || value.endsWith("T")) {
        throw new UsageError(`${flag} ${value} is not an ISO 8601 duration (e.g. PT5M, PT1H, P1D)`);
    }
    return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}

export const replayCommand: Command = async (argv, io) => {
    const { values, switches } = parseFlags(argv, SPEC);
    const stack = stackOf(values, SPEC.usage);
    if (!stack) {
        throw new UsageError(`--stack <name> is required; usage: ${SPEC.usage}`);
    }
    if (!values.logs) {
        throw new UsageError(`--logs <dir> is required; usage: ${SPEC.usage}`);
    }
    requireFolder(values.logs, "--logs");
    const from = values.from === undefined ? undefined : isoTime(values.from, "--from");
    const to = values.to === undefined ? undefined : isoTime(values.to, "--to");
    if (from !== undefined && to !== undefined && to <= from) {
        throw new UsageError(`--to ${values.to} must be after --from ${values.from}`);
    }
    const delayMs = isoDuration(values["ingestion-delay"] ?? DEFAULT_INGESTION_DELAY, "--ingestion-delay");

    const { evaluateStack } = await import("./offline/recorder");
    const { replayRules, replay, ReplayRuleError } = await import("./offline/replay/engine");
    const { loadLogs, LogsError } = await import("./offline/replay/logs");
    const { replaySchemas } = await import("./offline/replay/schemas");
    const { KqlExecutor } = await import("./offline/kql/executor");

    const evaluation = await evaluateStack(stack, values["config-file"] ? { configFile: values["config-file"] } : {});
    let rules: ReplayRule[];
    try {
        rules = replayRules(evaluation.resources);
    } catch (e) {
        throw e instanceof ReplayRuleError ? new UsageError(e.message) : e;
    }
    if (rules.length === 0) {
        throw new UsageError(`stack ${stack} deploys no alert rules (alerts are off in its settings): nothing to replay`);
    }
    const { schemas, columns } = replaySchemas(rules.map((r) => r.query));
    let tables: ReturnType<typeof loadLogs>;
    try {
        tables = loadLogs(values.logs, schemas, { ingestionDelayMs: delayMs, columns });
    } catch (e) {
        throw e instanceof LogsError ? new UsageError(e.message) : e;
    }
    const loaded = Object.values(tables);
    if (loaded.every((t) => t.rows.length === 0)) {
        throw new UsageError(`--logs ${values.logs} has no rows of the tables the rules read (${Object.keys(columns).join(", ")})`);
    }
    const start = from ?? Math.min(...loaded.filter((t) => t.rows.length > 0).map((t) => t.generated[0]));
    const end = to ?? Math.max(...loaded.map((t) => t.ingested.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY)));
    let result: ReplayResult;
    try {
        result = replay(new KqlExecutor(schemas), rules, tables, { from: start, to: end });
    } catch (e) {
        throw e instanceof ReplayRuleError ? new UsageError(e.message) : e;
    }
    if (switches.json) {
        io.out(JSON.stringify({ alerts: result.alerts }, null, 2));
    } else {
        io.out(timeline(result, rules));
    }
    return EXIT_CODES.ok;
};

/** Per rule: its schedule, then each alert on a line, oldest first. */
export function timeline(result: ReplayResult, rules: readonly ReplayRule[]): string {
    const lines = [`Replay ${result.from} → ${result.to}`];
    for (const rule of rules) {
        const summary = result.rules.find((r) => r.id === rule.id);
        const alerts = result.alerts.filter((a) => a.rule === rule.id);
        lines.push(
            "",
            `${rule.id}: every ${humanDuration(rule.frequencyMs)} over ${humanDuration(rule.rangeMs)}, ${rule.autoMitigate ? "resolves by itself" : "closed by hand"}; ` +
                `${summary?.evaluations ?? 0} evaluations, ${alerts.length} alert${alerts.length === 1 ? "" : "s"}`,
        );
        for (const a of alerts) {
            lines.push(`  ${describe(a)}`);
        }
        for (const note of summary?.notes ?? []) {
            lines.push(`  note: ${note}`);
        }
    }
    return lines.join("\n");
}

function describe(a: ReplayAlert): string {
    const dims = Object.entries(a.dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
    const fired = `fired ${a.firedAt}`;
    const resolved = a.resolvedAt
        ? `, resolved ${a.resolvedAt} (after ${humanDuration(Date.parse(a.resolvedAt) - Date.parse(a.firedAt))})`
        : "";
    return `${fired}${resolved}${a.notified ? "" : " (muted)"}${dims ? `  ${dims}` : ""}`;
}

if (require.main === module) {
    runAsMain(replayCommand);
}
