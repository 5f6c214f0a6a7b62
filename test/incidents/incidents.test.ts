import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ALERT_CATALOG, ALERT_RULE_IDS, type AlertRuleId, resolveRules } from "../../components/support/alertCatalog";
import { loadSchemas, STANDARD_COLUMNS } from "../../tools/offline/kql/analyzer";
import { documentedFacts, type JsonShape } from "../../tools/offline/kql/domains";
import { withTempDir } from "../support/tempDir";
import {
    EXPORT_FILES,
    INCIDENT_TABLES,
    INCIDENTS,
    type Incident,
    type IncidentTable,
    type Row,
    thousandApps,
    writeIncident,
} from "./index";

const schemas = loadSchemas();
const DAY = 86_400_000;

/** A table's columns and types: tables.json (`_LogOperation` is a function there) plus the standard columns. */
function columnsOf(table: IncidentTable): Record<string, string> {
    const own = table === "_LogOperation" ? schemas.functions?._LogOperation : schemas.tables[table];
    assert.ok(own, `tables.json has no ${table}`);
    return own;
}

const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$/;

function typeError(type: string, value: unknown): string | undefined {
    switch (type) {
        case "string":
            return typeof value === "string" ? undefined : "not a string";
        case "datetime":
            return typeof value === "string" && ISO_Z.test(value) && !Number.isNaN(Date.parse(value))
                ? undefined
                : "not an ISO 8601 time in UTC";
        case "long":
        case "int":
            return Number.isInteger(value) ? undefined : "not a whole number";
        case "real":
            return typeof value === "number" && Number.isFinite(value) ? undefined : "not a number";
        case "bool":
            return typeof value === "boolean" ? undefined : "not a boolean";
        case "dynamic":
            return typeof value === "string" && json(value) !== undefined ? undefined : "not JSON text";
        default:
            return `unknown type ${type}`;
    }
}

function json(text: string): any {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

// The documented values of enumerated columns and the keys of JSON-bearing columns, with their
// sources: tables.json "domains" and "jsonKeys", the facts the KQL check holds queries to.
const facts = documentedFacts(
    JSON.parse(fs.readFileSync(path.join(__dirname, "../../tools/offline/kql/tables.json"), "utf8")),
    "tables.json",
);
// The JSON-bearing string columns (tables.json $comment), also those whose keys no page documents.
const JSON_COLUMNS = [
    "SourceIdentity",
    "TargetIdentity",
    "ServicePrincipal",
    "SourceSystem",
    "TargetSystem",
    "InitiatedBy",
    "ModifiedProperties",
    "ProvisioningSteps",
    "ProvisioningStatusInfo",
    "StatusInfo",
];
// Graph's provisioningStep: provisioningStepType and status values (microsoft-graph-docs-contrib
// api-reference/v1.0/resources/provisioningstep.md).
const STEP_TYPES = ["import", "scoping", "matching", "processing", "referenceResolution", "export"];
const STEP_STATUSES = ["success", "warning", "failure", "skipped"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// "scim.<tenant>.<job guid>", "Azure2Azure.<tenant>.<job guid>"; Learn writes the tenant with dashes, a live record without.
const JOB_ID = /^[A-Za-z0-9]+\.([0-9a-f]{32}|[0-9a-f-]{36})\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function oneOf(errors: string[], column: string, value: unknown, allowed: readonly string[]): void {
    if (!allowed.includes(value as string)) {
        errors.push(`${column} ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
    }
}

/** Whether a value is one of a domain's values; "…" stands for a variable part of a message. */
function documented(value: unknown, values: readonly string[]): boolean {
    return values.some((v) =>
        v.includes("…")
            ? new RegExp(
                  `^${v
                      .split("…")
                      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                      .join(".*")}$`,
              ).test(String(value))
            : v === value,
    );
}

/** Where a JSON value departs from its documented shape (a string may be null, as Graph writes an absent one). */
function shapeErrorsOf(value: unknown, shape: JsonShape, at: string): string[] {
    if (shape === "any") {
        return [];
    }
    if (shape === "string") {
        return typeof value === "string" || value === null ? [] : [`${at} is not a string`];
    }
    if ("items" in shape) {
        return Array.isArray(value) ? value.flatMap((item, i) => shapeErrorsOf(item, shape.items, `${at}[${i}]`)) : [`${at} is not a list`];
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return [`${at} is not an object`];
    }
    return Object.entries(value).flatMap(([key, v]) =>
        key in shape.keys ? shapeErrorsOf(v, shape.keys[key], `${at}.${key}`) : [`${at}.${key} is not a documented key`],
    );
}

/** What is wrong with one row of a table: missing, unknown or mistyped columns, undocumented values. */
function rowErrors(table: IncidentTable, row: Row, delay: readonly [number, number]): string[] {
    const errors: string[] = [];
    const columns = columnsOf(table);
    for (const column of Object.keys(columns)) {
        if (!(column in row)) {
            errors.push(`missing column ${column}`);
        }
    }
    for (const [column, value] of Object.entries(row)) {
        const type = columns[column] ?? STANDARD_COLUMNS[column];
        if (type === undefined) {
            errors.push(`column ${column} is not in tables.json for ${table}`);
            continue;
        }
        const wrong = typeError(type, value);
        if (wrong) {
            errors.push(`${column} ${JSON.stringify(value)}: ${wrong} (${type})`);
        }
    }
    const lag = Date.parse(row._TimeReceived as string) - Date.parse(row.TimeGenerated as string);
    if (!(lag >= delay[0] - 1 && lag <= delay[1] + 1)) {
        errors.push(`_TimeReceived is ${lag} ms after TimeGenerated, outside the incident's ${delay.join("–")} ms`);
    }
    if (errors.length > 0) {
        return errors;
    }
    for (const [name, domain] of Object.entries(facts.domains)) {
        const [owner, column] = name.split(".");
        const applies = domain.when === undefined || row[domain.when.column.split(".")[1]] === domain.when.is;
        if (owner === table && column in row && applies && !documented(row[column], domain.values)) {
            errors.push(`${column} ${JSON.stringify(row[column])} is not a documented value`);
        }
    }
    for (const [name, shape] of Object.entries(facts.jsonKeys)) {
        const [owner, column] = name.split(".");
        if (owner === table && typeof row[column] === "string") {
            errors.push(...shapeErrorsOf(json(row[column] as string), shape, column));
        }
    }
    if (table === "AADProvisioningLogs") {
        if (String(row.Action).toLowerCase() !== row.ProvisioningAction) {
            errors.push(`Action ${row.Action} and ProvisioningAction ${row.ProvisioningAction} disagree`);
        }
        if ((row.ResultType === "Failure") !== (row.ResultSignature !== "")) {
            errors.push(`ResultSignature ${JSON.stringify(row.ResultSignature)} on a ${row.ResultType} event`);
        }
        if (!JOB_ID.test(row.JobId as string)) {
            errors.push(`JobId ${row.JobId} is not <template>.<tenant>.<guid>`);
        }
        for (const column of JSON_COLUMNS) {
            if (json(row[column] as string) === undefined) {
                errors.push(`${column} is not JSON text`);
            }
        }
        if (errors.length > 0) {
            return errors;
        }
        const sp = json(row.ServicePrincipal as string);
        if (!GUID.test(sp.Id) || typeof sp.Name !== "string" || sp.Name === "") {
            errors.push(`ServicePrincipal ${row.ServicePrincipal} lacks Id or Name`);
        }
        for (const column of ["SourceIdentity", "TargetIdentity"]) {
            const identity = json(row[column] as string);
            for (const key of ["Id", "Name", "identityType"]) {
                if (typeof identity[key] !== "string") {
                    errors.push(`${column}.${key} is missing`);
                }
            }
            if (typeof identity.details !== "object" || identity.details === null) {
                errors.push(`${column}.details is not an object`);
            }
        }
        const steps = json(row.ProvisioningSteps as string);
        if (!Array.isArray(steps) || steps.length === 0) {
            errors.push("ProvisioningSteps is not a list of steps");
        } else {
            for (const step of steps) {
                oneOf(errors, "provisioningStepType", step.provisioningStepType, STEP_TYPES);
                oneOf(errors, "step status", step.status, STEP_STATUSES);
                if (typeof step.name !== "string" || typeof step.description !== "string") {
                    errors.push("a step lacks its name or description");
                }
            }
            const last = steps[steps.length - 1].status;
            const expected = { Success: "success", Failure: "failure", Skipped: "skipped" }[row.ResultType as string];
            if (last !== expected) {
                errors.push(`the last step is ${last} on a ${row.ResultType} event`);
            }
        }
        if (json(row.ProvisioningStatusInfo as string).status !== String(row.ResultType).toLowerCase()) {
            errors.push("ProvisioningStatusInfo.status disagrees with ResultType");
        }
        if (row.Type !== "AADProvisioningLogs" || row.Category !== "ProvisioningLogs") {
            errors.push(`Type ${row.Type}, Category ${row.Category}`);
        }
    } else if (table === "AuditLogs") {
        // The activities of reference-audit-activities.md's "Account provisioning" belong to ProvisioningManagement;
        // AADOperationType "Add Update Delete and Other" (the table reference); Graph's directoryAudit result.
        oneOf(errors, "Category", row.Category, ["ProvisioningManagement"]);
        oneOf(errors, "AADOperationType", row.AADOperationType, ["Add", "Update", "Delete", "Other"]);
        oneOf(errors, "Result", row.Result, ["success", "failure", "timeout"]);
        oneOf(errors, "LoggedByService", row.LoggedByService, ["Account Provisioning"]);
        if (row.OperationName !== row.ActivityDisplayName || row.ActivityDateTime !== row.TimeGenerated || row.Type !== "AuditLogs") {
            errors.push("OperationName, ActivityDateTime or Type disagree with the activity");
        }
        const targets = json(row.TargetResources as string);
        if (
            !Array.isArray(targets) ||
            targets.length === 0 ||
            !GUID.test(targets[0].id) ||
            !targets[0].displayName ||
            targets[0].type !== "ServicePrincipal"
        ) {
            errors.push(`TargetResources ${row.TargetResources} doesn't name a service principal first`);
        }
        const by = json(row.InitiatedBy as string);
        if (!by.user && !by.app) {
            errors.push(`InitiatedBy ${row.InitiatedBy} is neither a user nor an app`);
        }
    }
    return errors;
}

// Each incident's rows, made once for the tests that read them.
const made = new Map<Incident, Record<IncidentTable, Row[]>>();
function tablesOf(incident: Incident): Record<IncidentTable, Row[]> {
    if (!made.has(incident)) {
        made.set(incident, incident.tables());
    }
    return made.get(incident)!;
}

/** Shape errors of an incident's rows, the first few, each naming its table and row. */
function shapeErrors(incident: Incident): string[] {
    const found: string[] = [];
    for (const table of INCIDENT_TABLES) {
        let index = 0;
        for (const row of tablesOf(incident)[table]) {
            for (const error of rowErrors(table, row, incident.ingestionDelayMs)) {
                if (found.length < 5) {
                    found.push(`${table}[${index}]: ${error}`);
                }
            }
            index++;
        }
    }
    return found;
}

const appOf = (row: Row): string => json(row.ServicePrincipal as string).Name;
const timeOf = (row: Row): number => Date.parse(row.TimeGenerated as string);
const endOf = (incident: Incident, problem: { endedAt?: string }) => Date.parse(problem.endedAt ?? incident.to);

/**
 * Where the rows breach a count rule's default condition: the times of the events at which an app's
 * counted events in the preceding window (PT1H by default) meet the catalog's operator and threshold,
 * per "App|JobId".
 */
function breaches(rows: readonly Row[], rule: "failureSpike" | "disableDeleteSpike", counts: (row: Row) => boolean): Map<string, number[]> {
    const tuning = resolveRules()[rule];
    const breached =
        tuning.operator === "GreaterThan"
            ? (n: number) => n > tuning.threshold
            : tuning.operator === "GreaterThanOrEqual"
              ? (n: number) => n >= tuning.threshold
              : assert.fail(`the check knows GreaterThan and GreaterThanOrEqual, not ${tuning.operator}`);
    const window = tuning.window === "PT1H" ? 3_600_000 : assert.fail(`the check assumes a one-hour window, not ${tuning.window}`);
    const times = new Map<string, number[]>();
    for (const row of rows) {
        if (counts(row)) {
            const key = `${appOf(row)}|${row.JobId}`;
            times.set(key, [...(times.get(key) ?? []), timeOf(row)]);
        }
    }
    const found = new Map<string, number[]>();
    for (const [key, list] of times) {
        list.sort((a, b) => a - b);
        let first = 0;
        for (let i = 0; i < list.length; i++) {
            while (list[i] - list[first] >= window) {
                first++;
            }
            if (breached(i - first + 1)) {
                found.set(key, [...(found.get(key) ?? []), list[i]]);
            }
        }
    }
    return found;
}

/** Where the incident's expectations disagree with its rows. */
function expectationErrors(incident: Incident): string[] {
    const errors: string[] = [];
    const { AADProvisioningLogs: events, AuditLogs: audit, _LogOperation: operations } = tablesOf(incident);
    const apps = new Map(events.map((row) => [appOf(row), row.JobId as string]));
    // What each query counts (queries/failure-spike.kql, disable-delete-spike.kql).
    const counted = {
        failureSpike: (row: Row) => row.ResultType === "Failure",
        disableDeleteSpike: (row: Row) => row.ResultType === "Success" && (row.Action === "Disable" || row.Action === "Delete"),
    };
    for (const rule of ["failureSpike", "disableDeleteSpike"] as const) {
        const problems = incident.problems[rule] ?? [];
        const found = breaches(events, rule, counted[rule]);
        for (const [key, times] of found) {
            for (const t of times) {
                const covered = problems.some(
                    (p) => `${p.dimensions.App}|${p.dimensions.JobId}` === key && t >= Date.parse(p.startedAt) && t <= endOf(incident, p),
                );
                if (!covered) {
                    errors.push(`${rule}: ${key} breaches the default condition at ${new Date(t).toISOString()}, outside every problem`);
                    break;
                }
            }
        }
        for (const p of problems) {
            const times = found.get(`${p.dimensions.App}|${p.dimensions.JobId}`) ?? [];
            if (!times.some((t) => t >= Date.parse(p.startedAt) && t <= endOf(incident, p))) {
                errors.push(
                    `${rule}: ${p.dimensions.App} never breaches the default condition between ${p.startedAt} and ${p.endedAt ?? incident.to}`,
                );
            }
        }
    }
    for (const p of incident.problems.appSilent ?? []) {
        const own = events.filter((row) => appOf(row) === p.dimensions.App);
        const from = Date.parse(p.startedAt);
        const baseline = own.filter((row) => timeOf(row) > from - DAY && timeOf(row) <= from).length;
        if (own.some((row) => timeOf(row) >= from && timeOf(row) < endOf(incident, p))) {
            errors.push(`appSilent: ${p.dimensions.App} logs events while it is meant to be silent`);
        }
        if (baseline < (resolveRules().appSilent.minBaselineEvents ?? 20)) {
            errors.push(`appSilent: ${p.dimensions.App} logged only ${baseline} events in the day before it went silent`);
        }
    }
    for (const p of incident.problems.quarantine ?? []) {
        const entered = audit.some(
            (row) =>
                row.ActivityDisplayName === "Quarantine" &&
                json(row.TargetResources as string)[0].displayName === p.dimensions.App &&
                row.TimeGenerated === p.startedAt,
        );
        if (!entered) {
            errors.push(`quarantine: no Quarantine audit event for ${p.dimensions.App} at ${p.startedAt}`);
        }
    }
    for (const p of incident.problems.logsAtRisk ?? []) {
        if (!operations.some((row) => String(row.Detail).includes("OverQuota") && row.TimeGenerated === p.startedAt)) {
            errors.push(`logsAtRisk: no OverQuota event at ${p.startedAt}`);
        }
        const lost = (row: Row) =>
            Date.parse(row._TimeReceived as string) >= Date.parse(p.startedAt) &&
            Date.parse(row._TimeReceived as string) < endOf(incident, p);
        if ([...events, ...audit].some(lost)) {
            errors.push("logsAtRisk: rows arrive while the workspace is over its cap");
        }
    }
    for (const [rule, problems] of Object.entries(incident.problems)) {
        for (const p of problems ?? []) {
            if (p.dimensions.App !== undefined && !apps.has(p.dimensions.App)) {
                errors.push(`${rule}: ${p.dimensions.App} logs nothing`);
            } else if (p.dimensions.JobId !== undefined && apps.get(p.dimensions.App) !== p.dimensions.JobId) {
                errors.push(`${rule}: ${p.dimensions.App}'s JobId is ${apps.get(p.dimensions.App)}, not ${p.dimensions.JobId}`);
            }
        }
    }
    return errors;
}

const tenantIncidents = INCIDENTS.filter((incident) => incident.name !== "thousand-apps");
const smallFleet = thousandApps({ apps: 20, days: 3 });

describe("the incident library", () => {
    it("names each incident in kebab-case, once, with a one-sentence account and a range of at most 35 days", () => {
        const names = INCIDENTS.map((incident) => incident.name);
        assert.deepEqual(names, [...new Set(names)]);
        assert.ok(names.includes("thousand-apps"));
        for (const incident of INCIDENTS) {
            assert.match(incident.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.match(incident.about, /^[A-Z].*\.$/, incident.name);
            assert.doesNotMatch(incident.about.slice(0, -1), /\.\s+[A-Z]/, `${incident.name}: about is one sentence`);
            const span = Date.parse(incident.to) - Date.parse(incident.from);
            assert.ok(span > 0 && span <= 35 * DAY, `${incident.name} replays ${span / DAY} days`);
        }
    });

    it("states each problem with exactly its rule's dimensions, inside the replay range, and never for a quiet rule", () => {
        for (const incident of [...INCIDENTS, smallFleet]) {
            for (const [rule, problems] of Object.entries(incident.problems)) {
                assert.ok(ALERT_RULE_IDS.includes(rule as AlertRuleId), `${incident.name}: unknown rule ${rule}`);
                assert.ok(!incident.quiet.includes(rule as AlertRuleId), `${incident.name}: ${rule} is quiet and has problems`);
                for (const p of problems ?? []) {
                    assert.deepEqual(
                        Object.keys(p.dimensions).sort(),
                        [...ALERT_CATALOG[rule as AlertRuleId].dimensions].sort(),
                        `${incident.name}: ${rule}`,
                    );
                    assert.ok(Date.parse(p.startedAt) >= Date.parse(incident.from), `${incident.name}: ${rule} starts before the range`);
                    assert.ok(Date.parse(p.startedAt) < endOf(incident, p), `${incident.name}: ${rule} ends before it starts`);
                    assert.ok(endOf(incident, p) <= Date.parse(incident.to), `${incident.name}: ${rule} ends after the range`);
                }
            }
        }
    });

    for (const incident of [...tenantIncidents, smallFleet]) {
        it(`${incident.name}: every row has its table's columns with their types and documented values`, () => {
            assert.deepEqual(shapeErrors(incident), []);
        });

        it(`${incident.name}: its problems and quiet rules agree with its rows at the catalog's default thresholds`, () => {
            assert.deepEqual(expectationErrors(incident), []);
        });
    }

    it("makes the same rows on every run", () => {
        const [first, second] = [0, 1].map(() =>
            JSON.stringify(INCIDENTS.find((incident) => incident.name === "ingestion-delays")!.tables()),
        );
        assert.equal(first, second);
    });

    it("writes one JSON array per table, a row per line, that reads back as the rows", async () => {
        const incident = INCIDENTS.find((i) => i.name === "daily-cap-near-reset")!;
        const tables = incident.tables();
        await withTempDir((dir) => {
            writeIncident(incident, path.join(dir, "logs"));
            assert.deepEqual(fs.readdirSync(path.join(dir, "logs")).sort(), [
                "AADProvisioningLogs.json",
                "AuditLogs.json",
                "LogOperation.json",
            ]);
            for (const table of INCIDENT_TABLES) {
                const text = fs.readFileSync(path.join(dir, "logs", EXPORT_FILES[table]), "utf8");
                assert.deepEqual(JSON.parse(text), tables[table], table);
                const lines = text.trimEnd().split("\n");
                const inner = lines.slice(1, -1).map((line) => JSON.parse(line.replace(/,$/, "")));
                assert.deepEqual(inner, tables[table], `${table}: one row per line`);
            }
        });
        assert.ok(tables._LogOperation.length > 0 && tables.AuditLogs.length === 0, "both a full and an empty table were written");
    });

    it("refuses a fleet size outside its bounds in one line", () => {
        assert.throws(() => thousandApps({ apps: 9 }), { message: "thousandApps: apps must be a whole number from 10 to 5000 (got 9)." });
        assert.throws(() => thousandApps({ days: 2.5 }), { message: "thousandApps: days must be a whole number from 2 to 35 (got 2.5)." });
    });

    it("gives the fleet as many apps as asked, with its four planted problems", () => {
        const apps = new Set(tablesOf(smallFleet).AADProvisioningLogs.map(appOf));
        assert.equal(apps.size, 20);
        assert.deepEqual(Object.fromEntries(Object.entries(smallFleet.problems).map(([rule, problems]) => [rule, problems?.length])), {
            failureSpike: 2,
            disableDeleteSpike: 1,
            quarantine: 1,
            appSilent: 1,
        });
        const fleet = INCIDENTS.find((incident) => incident.name === "thousand-apps")!;
        assert.match(fleet.about, /^A tenant of 1000 apps /);
    });
});
