/**
 * Child process: `npm run replay`'s work on 30 days × 1,000 apps (the incident library's fleet, about
 * 3 million rows), all six rules of the incident stack; then the incident library's targets. Prints
 * wall times, rows, peak RSS and the library's counts as JSON.
 *
 * The export holds the columns the rules read, as a user exports them for a replay
 * (docs/commands.md: `| project TimeGenerated, _TimeReceived, ResultType, Action, JobId, ServicePrincipal`):
 * the library's full rows are 2.75 kB each, 8 GB for the month.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KqlExecutor } from "../../tools/offline/kql/executor";
import { replay } from "../../tools/offline/replay/engine";
import { loadLogs } from "../../tools/offline/replay/logs";
import { replaySchemas } from "../../tools/offline/replay/schemas";
import { EXPORT_FILES, INCIDENT_TABLES, thousandApps } from "../incidents";
import { incidentRules } from "../support/incidentReplay";
import { replayLibrary } from "../incidents/measurements";

(async () => {
    const rules = await incidentRules();
    const { schemas, columns } = replaySchemas(rules.map((r) => r.query));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-replay-bench-"));
    try {
        const days = Number(process.argv[2] ?? 30);
        const fleet = thousandApps({ apps: 1000, days });
        for (const table of INCIDENT_TABLES) {
            const keep = new Set([...(columns[table] ?? []).map((c) => c.name), "_TimeReceived"]);
            const fd = fs.openSync(path.join(dir, EXPORT_FILES[table]), "w");
            let chunk = "[";
            let separator = "\n";
            for (const row of fleet.rows(table)) {
                chunk += separator + JSON.stringify(Object.fromEntries(Object.entries(row).filter(([k]) => keep.has(k))));
                separator = ",\n";
                if (chunk.length >= 1 << 20) {
                    fs.writeSync(fd, chunk);
                    chunk = "";
                }
            }
            fs.writeSync(fd, `${chunk}\n]\n`);
            fs.closeSync(fd);
        }
        const exportBytes = INCIDENT_TABLES.reduce((n, t) => n + fs.statSync(path.join(dir, EXPORT_FILES[t])).size, 0);
        const t0 = process.hrtime.bigint();
        const tables = loadLogs(dir, schemas, { ingestionDelayMs: 3 * 60_000, columns });
        const t1 = process.hrtime.bigint();
        process.stderr.write(`loaded in ${(Number(t1 - t0) / 1e6).toFixed(0)} ms\n`);
        const perRule: Record<string, number> = {};
        let alerts = 0;
        for (const rule of rules) {
            const r0 = process.hrtime.bigint();
            alerts += replay(new KqlExecutor(schemas), [rule], tables, { from: Date.parse(fleet.from), to: Date.parse(fleet.to) }).alerts
                .length;
            perRule[rule.id] = Number(process.hrtime.bigint() - r0) / 1e6;
            process.stderr.write(`${rule.id} ${perRule[rule.id].toFixed(0)} ms\n`);
        }
        const t2 = process.hrtime.bigint();
        const rows = Object.values(tables).reduce((n, t) => n + t.rows.length, 0);
        const peakRssMb = process.resourceUsage().maxRSS / 1024;

        const library = await replayLibrary();
        let problems = 0;
        let paged = 0;
        let falseAlerts = 0;
        for (const r of library) {
            for (const m of r.measures) {
                const rule = rules.find((x) => x.id === m.rule)!;
                const bound = rule.rangeMs + rule.frequencyMs + r.incident.ingestionDelayMs[1];
                problems += m.problems.length;
                paged += m.problems.filter((p) => p.detectionMs !== undefined && p.detectionMs <= bound).length;
                falseAlerts += m.falseAlerts.filter((a) => a.notified).length;
            }
        }
        process.stdout.write(
            `${JSON.stringify({
                days,
                rows,
                exportMb: exportBytes / 1e6,
                loadMs: Number(t1 - t0) / 1e6,
                replayMs: Number(t2 - t1) / 1e6,
                perRule,
                alerts,
                peakRssMb,
                incidents: library.length,
                problems,
                paged,
                falseAlerts,
            })}\n`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
})();
