import * as fs from "node:fs";
import * as path from "node:path";
import type { TableSchemas } from "../kql/analyzer";
import type { KqlColumnType, KqlTable } from "../kql/executor";
import { convert, parseDatetime } from "../kql/values";

/**
 * Exported workspace logs, as `npm run replay -- --logs <dir>` reads them: one file per table,
 * `<dir>/<Table>.json` (`LogOperation.json` or `_LogOperation.json` for the `_LogOperation`
 * function's rows), each either
 * - an array of row objects, as `az monitor log-analytics query -o json` prints them, or
 * - the Logs query API's answer, `{"tables":[{"columns":[{"name","type"}],"rows":[[…]]}]}`
 *   (https://learn.microsoft.com/rest/api/loganalytics/dataaccess/query/get).
 * Dynamic columns may be JSON text or objects. When a row became queryable is, in this order: its
 * `IngestionTime` column (an export that ran `extend IngestionTime = ingestion_time()`, the time
 * "the record ... [is] available for log queries"), its `_TimeReceived` (when it reached Azure
 * Monitor's ingestion point; https://learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns),
 * else its TimeGenerated plus the ingestion delay given.
 */

/** A table's rows sorted by TimeGenerated, each with its ingestion time past its columns. */
export interface LoadedTable extends KqlTable {
    /** TimeGenerated of each row (epoch ms), ascending. */
    readonly generated: Float64Array;
    /** When each row became queryable (epoch ms). */
    readonly ingested: Float64Array;
    readonly file: string;
}

/** Logs that can't be read: one line naming the file and what is wrong. */
export class LogsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LogsError";
    }
}

const FILE_TABLES: Readonly<Record<string, string>> = { LogOperation: "_LogOperation" };

export interface LoadOptions {
    /** Delay between TimeGenerated and queryable for rows without IngestionTime or _TimeReceived (ms). */
    readonly ingestionDelayMs: number;
    /**
     * Per table, the columns to keep (a replay keeps only what its queries name: 30 days of a large
     * tenant would not fit in memory whole). Tables not listed are not read.
     */
    readonly columns: Readonly<Record<string, readonly KqlColumnType[]>>;
}

/** Reads the tables `options.columns` names from `dir`; a table without a file is empty. */
export function loadLogs(dir: string, schemas: TableSchemas, options: LoadOptions): Record<string, LoadedTable> {
    const files = fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith(".json"));
    const out: Record<string, LoadedTable> = {};
    for (const f of files) {
        const base = f.slice(0, -".json".length);
        const table = FILE_TABLES[base] ?? base;
        const columns = options.columns[table];
        if (!columns) {
            continue;
        }
        if (!schemas.tables[table] && !schemas.functions?.[table]) {
            throw new LogsError(`${path.join(dir, f)}: ${table} is not a table the KQL schemas know (tools/offline/kql/tables.json)`);
        }
        out[table] = readTable(path.join(dir, f), columns, options.ingestionDelayMs);
    }
    return out;
}

function readTable(file: string, columns: readonly KqlColumnType[], delayMs: number): LoadedTable {
    const rows: unknown[][] = [];
    const generated: number[] = [];
    const ingested: number[] = [];
    const strings = new Map<string, string>();
    // Equal strings (app names, service principal JSON) are kept once: a month of logs repeats them millions of times.
    const intern = (s: string): string => {
        const known = strings.get(s);
        if (known !== undefined) {
            return known;
        }
        if (strings.size < 1_000_000) {
            strings.set(s, s);
        }
        return s;
    };
    let n = 0;
    const add = (get: (name: string) => unknown) => {
        n++;
        const row = columns.map((c) => {
            const v = get(c.name);
            const value = cell(v, c.type, file, n, c.name);
            return typeof value === "string" ? intern(value) : value;
        });
        const t = cell(get("TimeGenerated"), "datetime", file, n, "TimeGenerated") as number | null;
        if (t === null) {
            throw new LogsError(`${file}: row ${n} has no TimeGenerated`);
        }
        const explicit = get("IngestionTime") ?? get("_TimeReceived");
        const at =
            explicit === undefined || explicit === null || explicit === ""
                ? t + delayMs
                : (cell(explicit, "datetime", file, n, "_TimeReceived") as number);
        row.push(at);
        rows.push(row);
        generated.push(t);
        ingested.push(at);
    };
    forEachRow(file, add);
    // Sorted by TimeGenerated, so each evaluation finds its time range by binary search.
    const order = rows.map((_, i) => i).sort((a, b) => generated[a] - generated[b]);
    return {
        columns,
        rows: order.map((i) => rows[i]),
        generated: Float64Array.from(order, (i) => generated[i]),
        ingested: Float64Array.from(order, (i) => ingested[i]),
        file,
    };
}

function cell(v: unknown, type: string, file: string, row: number, column: string): unknown {
    if (v === undefined || v === null || (v === "" && type !== "string")) {
        return type === "string" ? "" : null;
    }
    switch (type) {
        case "string":
            return typeof v === "string" ? v : JSON.stringify(v);
        case "dynamic":
            if (typeof v === "string") {
                try {
                    return JSON.parse(v);
                } catch {
                    return v;
                }
            }
            return v;
        case "datetime": {
            const ms = typeof v === "string" ? parseDatetime(v) : null;
            if (ms === null) {
                throw new LogsError(`${file}: row ${row}, column ${column}: ${JSON.stringify(v)} is not a datetime (ISO 8601 expected)`);
            }
            return ms;
        }
        default: {
            const x = convert(v, typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : "real", type);
            if (x === null) {
                throw new LogsError(`${file}: row ${row}, column ${column}: ${JSON.stringify(v)} is not a ${type}`);
            }
            return x;
        }
    }
}

/**
 * Calls `add` for each row of the file, in either format. The array-of-objects form is read in
 * chunks, one object at a time: an export of millions of rows is larger than a JavaScript string may be.
 */
function forEachRow(file: string, add: (get: (name: string) => unknown) => void): void {
    const fd = fs.openSync(file, "r");
    try {
        const head = Buffer.alloc(4096);
        const got = fs.readSync(fd, head, 0, head.length, 0);
        const first = head.subarray(0, got).toString("utf8").trimStart()[0];
        if (first === "[") {
            streamObjects(fd, file, (o) => add((name) => o[name]));
            return;
        }
        if (first !== "{") {
            throw new LogsError(`${file}: expected a JSON array of rows or the Logs query API's {"tables": …}`);
        }
        let doc: { tables?: { columns?: { name: string }[]; rows?: unknown[][] }[] };
        try {
            doc = JSON.parse(fs.readFileSync(file, "utf8"));
        } catch (e) {
            throw new LogsError(`${file}: invalid JSON (${(e as Error).message})`);
        }
        const table = doc.tables?.[0];
        if (!table?.columns || !table.rows) {
            throw new LogsError(`${file}: expected {"tables":[{"columns":[…],"rows":[…]}]} (the Logs query API's answer)`);
        }
        const index = new Map(table.columns.map((c, i) => [c.name, i]));
        for (const r of table.rows) {
            add((name) => {
                const i = index.get(name);
                return i === undefined ? undefined : r[i];
            });
        }
    } finally {
        fs.closeSync(fd);
    }
}

function streamObjects(fd: number, file: string, each: (o: Record<string, unknown>) => void): void {
    const chunk = Buffer.alloc(1 << 20);
    let position = 0;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let start = -1;
    let pending = "";
    let seenArray = false;
    while (true) {
        const got = fs.readSync(fd, chunk, 0, chunk.length, position);
        if (got === 0) {
            break;
        }
        position += got;
        // Decode whole UTF-8 characters only: a chunk may end inside one.
        let end = got;
        while (end > 0 && (chunk[end - 1] & 0xc0) === 0x80) {
            end--;
        }
        if (end > 0 && chunk[end - 1] >= 0xc0) {
            end--;
        }
        position -= got - end;
        const text = pending + chunk.subarray(0, end).toString("utf8");
        const offset = pending.length;
        pending = "";
        let from = start >= 0 ? 0 : -1;
        for (let i = offset; i < text.length; i++) {
            const c = text[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c === "\\") {
                    escaped = true;
                } else if (c === '"') {
                    inString = false;
                }
                continue;
            }
            if (c === '"') {
                inString = true;
            } else if (c === "[" && !seenArray && depth === 0) {
                seenArray = true;
            } else if (c === "{" || c === "[") {
                if (depth === 0) {
                    from = i;
                    start = i;
                }
                depth++;
            } else if (c === "}" || c === "]") {
                if (depth === 0) {
                    continue;
                }
                depth--;
                if (depth === 0) {
                    let o: unknown;
                    try {
                        o = JSON.parse(text.slice(from, i + 1));
                    } catch (e) {
                        throw new LogsError(`${file}: invalid JSON row (${(e as Error).message})`);
                    }
                    if (!o || typeof o !== "object" || Array.isArray(o)) {
                        throw new LogsError(`${file}: expected an array of row objects (as az monitor log-analytics query -o json prints)`);
                    }
                    each(o as Record<string, unknown>);
                    from = -1;
                    start = -1;
                }
            }
        }
        if (depth > 0 && from >= 0) {
            pending = text.slice(from);
            start = 0;
        }
    }
    if (depth !== 0 || inString) {
        throw new LogsError(`${file}: the JSON ends inside a row`);
    }
}
