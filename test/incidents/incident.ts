import * as fs from "node:fs";
import * as path from "node:path";
import type { AlertRuleId } from "../../components/support/alertCatalog";
import { type AppPlan, appRows, type Window } from "./activity";
import { Random } from "./random";
import {
    type AuditEvent,
    auditRow,
    type CapEvent,
    EXPORT_FILES,
    INCIDENT_TABLES,
    type IncidentTable,
    logOperationRow,
    type Row,
} from "./records";

export type RuleId = AlertRuleId;

/** A problem an on-call engineer needs paged about. */
export interface Problem {
    /** The rule's dimensions as its query computes them (App = ServicePrincipal.Name, JobId). */
    readonly dimensions: Record<string, string>;
    /** When it happened in the tenant (ISO); the logs show it from the job's next cycle. */
    readonly startedAt: string;
    /** When its cause was removed (ISO); undefined: still going at `to`. */
    readonly endedAt?: string;
}

export interface Incident {
    /** Kebab-case, e.g. "failure-burst". */
    readonly name: string;
    /** One sentence: what happens, the Microsoft source of the behaviour, and what the rules must make of it. */
    readonly about: string;
    /**
     * The replay range (ISO). Rows start two days earlier (the longest range an alert query reads), so
     * the first evaluation already sees a full query range, except where the incident is about a
     * workspace without history.
     */
    readonly from: string;
    readonly to: string;
    /** Every table's rows, in memory (the 1,000-apps incident at bench size needs `rows`). */
    readonly tables: () => Record<IncidentTable, Row[]>;
    /** One table's rows, generated lazily: each app's rows in turn, each app in time order. */
    readonly rows: (table: IncidentTable) => Iterable<Row>;
    /** Per rule, the problems it must page about (see Problem). */
    readonly problems: Partial<Record<RuleId, readonly Problem[]>>;
    /** Rules that must raise nothing: every alert of these rules is a false alert. */
    readonly quiet: readonly RuleId[];
    /** The shortest and longest ingestion delay of the rows (ms): `_TimeReceived` − `TimeGenerated`. */
    readonly ingestionDelayMs: readonly [min: number, max: number];
}

/** What an incident is made of; the rows follow from it. */
export interface IncidentSpec {
    readonly name: string;
    readonly about: string;
    readonly from: number;
    readonly to: number;
    readonly plans: readonly AppPlan[];
    readonly audit?: readonly Omit<AuditEvent, "received">[];
    readonly capEvents?: readonly Omit<CapEvent, "received">[];
    /** Rows that arrive in this window are lost: the workspace is over its daily cap. */
    readonly dropped?: Window;
    readonly ingestionDelayMs: readonly [min: number, max: number];
    readonly problems: Partial<Record<RuleId, readonly Problem[]>>;
    readonly quiet: readonly RuleId[];
}

export function makeIncident(spec: IncidentSpec): Incident {
    const [minDelay, maxDelay] = spec.ingestionDelayMs;
    const delay = (rng: Random) => (minDelay === maxDelay ? minDelay : rng.between(minDelay, maxDelay));
    const lost = (row: Row) => spec.dropped !== undefined && within(row._TimeReceived as string, spec.dropped);
    function* rows(table: IncidentTable): Generator<Row> {
        switch (table) {
            case "AADProvisioningLogs":
                for (const plan of spec.plans) {
                    for (const row of appRows(plan, new Random(`${spec.name}/${plan.app.name}`), delay)) {
                        if (!lost(row)) {
                            yield row;
                        }
                    }
                }
                return;
            case "AuditLogs": {
                const rng = new Random(`${spec.name}/audit`);
                for (const event of [...(spec.audit ?? [])].sort((a, b) => a.at - b.at)) {
                    const row = auditRow({ ...event, received: Math.round(event.at + delay(rng)) }, rng);
                    if (!lost(row)) {
                        yield row;
                    }
                }
                return;
            }
            case "_LogOperation": {
                // The Operation table is the workspace's own: the cap doesn't drop it.
                const rng = new Random(`${spec.name}/operation`);
                for (const event of spec.capEvents ?? []) {
                    yield logOperationRow({ ...event, received: Math.round(event.at + delay(rng)) }, rng);
                }
                return;
            }
        }
    }
    return {
        name: spec.name,
        about: spec.about,
        from: new Date(spec.from).toISOString(),
        to: new Date(spec.to).toISOString(),
        rows,
        tables: () => Object.fromEntries(INCIDENT_TABLES.map((table) => [table, [...rows(table)]])) as Record<IncidentTable, Row[]>,
        problems: spec.problems,
        quiet: spec.quiet,
        ingestionDelayMs: spec.ingestionDelayMs,
    };
}

function within(isoTime: string, window: Window): boolean {
    const ms = Date.parse(isoTime);
    return ms >= window.from && ms < window.to;
}

/**
 * Writes the export files `npm run replay -- --logs <dir>` reads: `<dir>/<Table>.json` per table
 * (LogOperation.json for `_LogOperation`), each a JSON array of rows, streamed a megabyte at a time
 * so the 1,000-apps incident at bench size never becomes one string.
 */
export function writeIncident(incident: Incident, dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const table of INCIDENT_TABLES) {
        const fd = fs.openSync(path.join(dir, EXPORT_FILES[table]), "w");
        try {
            let chunk = "[";
            let separator = "\n";
            for (const row of incident.rows(table)) {
                chunk += separator + JSON.stringify(row);
                separator = ",\n";
                if (chunk.length >= 1 << 20) {
                    fs.writeSync(fd, chunk);
                    chunk = "";
                }
            }
            fs.writeSync(fd, `${chunk}${separator === "\n" ? "" : "\n"}]\n`);
        } finally {
            fs.closeSync(fd);
        }
    }
}
