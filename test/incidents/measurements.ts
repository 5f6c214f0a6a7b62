/**
 * The alert rules' measured figures on the incident library, as README.md and docs/alerts.md show
 * them: `node -r ./tools/register.js test/incidents/measurements.ts [--write]` prints the tables
 * (with --write, puts them in the docs between their markers); test/incidents/replay.test.ts fails
 * when the docs' tables are not what the replay measures.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ALERT_RULE_IDS } from "../../components/support/alertCatalog";
import { humanDuration } from "../../tools/offline/replay/measure";
import { type IncidentReplay, incidentRules, replayIncident } from "../support/incidentReplay";
import { INCIDENTS } from "./index";

export const DOCS = {
    readme: path.join(__dirname, "..", "..", "README.md"),
    alerts: path.join(__dirname, "..", "..", "docs", "alerts.md"),
};
const MARK = (name: string) => [`<!-- measured:${name} (test/incidents/measurements.ts) -->`, `<!-- /measured:${name} -->`] as const;

/** Every incident replayed on the incident stack's rules. */
export async function replayLibrary(): Promise<IncidentReplay[]> {
    const rules = await incidentRules();
    const out: IncidentReplay[] = [];
    for (const incident of INCIDENTS) {
        out.push(await replayIncident(incident, rules));
    }
    return out;
}

const range = (values: number[]): string => {
    if (values.length === 0) {
        return "–";
    }
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return lo === hi ? humanDuration(lo) : `${humanDuration(lo)} – ${humanDuration(hi)}`;
};

/** Per rule: problems paged, detection delay, false alerts, how the alert ended. */
export function ruleTable(replays: readonly IncidentReplay[]): string {
    const lines = [
        "| Rule | Problems paged | Detection delay | False alerts | After the problem ends | Repeat notifications |",
        "| --- | --- | --- | --- | --- | --- |",
    ];
    for (const id of ALERT_RULE_IDS) {
        const measures = replays.flatMap((r) => r.measures.filter((m) => m.rule === id).map((m) => ({ m, incident: r.incident.name })));
        const problems = measures.flatMap(({ m }) => m.problems);
        const paged = problems.filter((p) => p.detectionMs !== undefined);
        const falseAlerts = measures.reduce((n, { m }) => n + m.falseAlerts.filter((a) => a.notified).length, 0);
        const where = measures.filter(({ m }) => m.falseAlerts.some((a) => a.notified)).map(({ incident }) => incident);
        const resolved = paged.filter((p) => p.resolveMs !== undefined && p.resolveMs >= 0).map((p) => p.resolveMs!);
        const early = paged.filter((p) => p.resolveMs !== undefined && p.resolveMs < 0).length;
        const byHand = paged.filter((p) => p.ending === "by hand").length;
        const open = paged.filter((p) => p.ending === "open").length;
        const ending = [
            resolved.length ? `resolves after ${range(resolved)}` : "",
            early ? `${early} resolved while the problem lasted` : "",
            byHand ? "closed by hand" : "",
            open ? `${open} still open at the end` : "",
        ]
            .filter(Boolean)
            .join("; ");
        const repeats = paged.reduce((n, p) => n + p.repeatNotifications, 0);
        lines.push(
            `| \`${id}\` | ${paged.length} of ${problems.length} | ${range(paged.map((p) => p.detectionMs!))} | ${falseAlerts}${where.length ? ` (${where.join(", ")})` : ""} | ${ending || "–"} | ${repeats} |`,
        );
    }
    return lines.join("\n");
}

/** Per incident: what each rule did. */
export function incidentTable(replays: readonly IncidentReplay[]): string {
    const lines = ["| Incident | Rows | Rule: detection delay (after the end) | False alerts |", "| --- | --- | --- | --- |"];
    for (const r of replays) {
        const cells = r.measures
            .flatMap((m) =>
                m.problems.map((p) => {
                    if (p.detectionMs === undefined) {
                        return `\`${m.rule}\`: missed`;
                    }
                    const after = p.ending === "by hand" ? "by hand" : p.resolveMs !== undefined ? humanDuration(p.resolveMs) : p.ending;
                    return `\`${m.rule}\`: ${humanDuration(p.detectionMs)} (${after})${p.repeatNotifications ? `, ${p.repeatNotifications} repeats` : ""}`;
                }),
            )
            .join("; ");
        const falseAlerts = r.measures
            .filter((m) => m.falseAlerts.some((a) => a.notified))
            .map((m) => `\`${m.rule}\` ${m.falseAlerts.filter((a) => a.notified).length}`)
            .join(", ");
        lines.push(`| ${r.incident.name} | ${r.rows.toLocaleString("en-US")} | ${cells || "nothing to page"} | ${falseAlerts || "0"} |`);
    }
    return lines.join("\n");
}

/** The docs' text between a table's markers. */
export function shownTable(file: string, name: string): string | undefined {
    const [open, close] = MARK(name);
    const text = fs.readFileSync(file, "utf8");
    const a = text.indexOf(open);
    const b = text.indexOf(close);
    return a < 0 || b < a ? undefined : text.slice(a + open.length, b).trim();
}

function write(file: string, name: string, table: string): void {
    const [open, close] = MARK(name);
    const text = fs.readFileSync(file, "utf8");
    const a = text.indexOf(open);
    const b = text.indexOf(close);
    if (a < 0 || b < a) {
        throw new Error(`${file} has no ${open} … ${close} block`);
    }
    fs.writeFileSync(file, `${text.slice(0, a + open.length)}\n${table}\n${text.slice(b)}`);
}

if (require.main === module) {
    replayLibrary().then((replays) => {
        const rules = ruleTable(replays);
        const incidents = incidentTable(replays);
        console.log(`${rules}\n\n${incidents}`);
        if (process.argv.includes("--write")) {
            write(DOCS.readme, "rules", rules);
            write(DOCS.alerts, "rules", rules);
            write(DOCS.alerts, "incidents", incidents);
        }
    });
}
