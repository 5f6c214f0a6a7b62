import { loadSchemas, STANDARD_COLUMNS, type TableSchemas } from "../kql/analyzer";
import type { KqlColumnType } from "../kql/executor";

/**
 * The table schemas a replay needs: each table and workspace function the queries may read, with
 * only the columns they name (and TimeGenerated), standard columns included, in the order the
 * analyzer lays them out. A month of a large tenant's logs fits in memory that way.
 */
export function replaySchemas(
    queries: readonly string[],
    all: TableSchemas = loadSchemas(),
): {
    schemas: TableSchemas;
    columns: Record<string, KqlColumnType[]>;
} {
    // Every identifier of the queries: a superset of the columns they read, which is all that matters here.
    const words = new Set(queries.flatMap((q) => q.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []));
    const keep = (columns: Record<string, string>) =>
        Object.fromEntries(Object.entries(columns).filter(([c]) => c === "TimeGenerated" || words.has(c)));
    // The standard columns every table has, kept like the others only when a query names them.
    const tables = Object.fromEntries(
        Object.entries(all.tables)
            .filter(([t]) => words.has(t))
            .map(([t, cols]) => [
                t,
                keep({ ...cols, ...Object.fromEntries(Object.entries(STANDARD_COLUMNS).filter(([c]) => !(c in cols))) }),
            ]),
    );
    const functions = Object.fromEntries(
        Object.entries(all.functions ?? {})
            .filter(([f]) => words.has(f))
            .map(([f, cols]) => [f, keep(cols)]),
    );
    const columns: Record<string, KqlColumnType[]> = {};
    for (const [t, cols] of Object.entries(tables)) {
        columns[t] = Object.entries(cols).map(([name, type]) => ({ name, type }));
    }
    for (const [f, cols] of Object.entries(functions)) {
        columns[f] = Object.entries(cols).map(([name, type]) => ({ name, type }));
    }
    return { schemas: { ...all, tables, functions, standardColumns: false }, columns };
}
