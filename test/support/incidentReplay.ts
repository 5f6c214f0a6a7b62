import * as path from "node:path";
import { KqlExecutor } from "../../tools/offline/kql/executor";
import { evaluateStack } from "../../tools/offline/recorder";
import { type ReplayResult, type ReplayRule, replay, replayRules } from "../../tools/offline/replay/engine";
import { loadLogs } from "../../tools/offline/replay/logs";
import { measure, type RuleMeasure } from "../../tools/offline/replay/measure";
import { replaySchemas } from "../../tools/offline/replay/schemas";
import type { Incident } from "../incidents";
import { writeIncident } from "../incidents";
import { withTempDir } from "./tempDir";

/**
 * Replays the incident library on a stack's rules, the way a user runs `npm run replay` on an
 * export: each incident written as export files, read back by the replay's loader, every rule
 * evaluated on it, and each rule measured against the incident's known problems.
 */

/** The stack the measurements are taken on: every rule with the catalog's defaults. */
export const INCIDENT_STACK_FILE = path.join(__dirname, "..", "fixtures", "replay", "Pulumi.incidents.yaml");

/** The rules `npm run replay -- --stack incidents` would replay (the stack's recorded ScheduledQueryRules). */
export async function incidentRules(configFile = INCIDENT_STACK_FILE): Promise<ReplayRule[]> {
    const evaluation = await evaluateStack("incidents", { configFile });
    return replayRules(evaluation.resources);
}

export interface IncidentReplay {
    readonly incident: Incident;
    readonly result: ReplayResult;
    readonly measures: readonly RuleMeasure[];
    /** Rows replayed, over all tables. */
    readonly rows: number;
}

/** Replays one incident on `rules` and measures each rule. */
export function replayIncident(incident: Incident, rules: readonly ReplayRule[], incremental = true): Promise<IncidentReplay> {
    return withTempDir((dir) => {
        writeIncident(incident, dir);
        const { schemas, columns } = replaySchemas(rules.map((r) => r.query));
        const tables = loadLogs(dir, schemas, { ingestionDelayMs: 0, columns });
        const result = replay(new KqlExecutor(schemas), rules, tables, {
            from: Date.parse(incident.from),
            to: Date.parse(incident.to),
            incremental,
        });
        // A rule the incident neither pages about nor needs quiet is not judged on it.
        const judged = rules.filter((r) => r.id in incident.problems || (incident.quiet as readonly string[]).includes(r.id));
        const measures = judged.map((rule) =>
            measure(rule, result.alerts, incident.problems[rule.id as keyof Incident["problems"]] ?? [], {
                to: incident.to,
                maxIngestionDelayMs: incident.ingestionDelayMs[1],
            }),
        );
        return { incident, result, measures, rows: Object.values(tables).reduce((n, t) => n + t.rows.length, 0) };
    });
}
