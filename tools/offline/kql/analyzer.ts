import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Microsoft's Kusto.Language analyzer (`@kusto/language-service-next`, the one the portal's editor
 * uses) over the table schemas in `kql/tables.json`, as a Log Analytics workspace sees them: the
 * tables, and the workspace's system functions such as `_LogOperation`, are in scope without a
 * `database()` prefix.
 */

/** One problem the analyzer found, at a 1-based line and column of the query text. */
export interface KqlDiagnostic {
    readonly code: string;
    readonly message: string;
    readonly line: number;
    readonly column: number;
}

/** A column of a query's result. */
export interface KqlColumn {
    readonly name: string;
    readonly type: string;
}

/** What analysing one query gives. */
export interface KqlAnalysis {
    readonly errors: readonly KqlDiagnostic[];
    readonly columns: readonly KqlColumn[];
}

/** Column name → Kusto type, per table; and per workspace function that returns a table. */
export interface TableSchemas {
    readonly tables: Record<string, Record<string, string>>;
    /** Functions without parameters that every workspace has (e.g. `_LogOperation`), by the columns they return. */
    readonly functions?: Record<string, Record<string, string>>;
}

const SCHEMAS_FILE = path.join(__dirname, "tables.json");

export function loadSchemas(file = SCHEMAS_FILE): TableSchemas {
    return JSON.parse(fs.readFileSync(file, "utf8")) as TableSchemas;
}

// The package is Bridge.NET output: bridge.js installs the runtime, the main file fills the global `Kusto`.
// The minified builds shipped beside them are the same code in under a third of the bytes, quicker to load.
interface BridgeList<T> {
    readonly Count: number;
    getItem(i: number): T;
}
interface KustoGlobal {
    Language: any;
}

let kusto: KustoGlobal | undefined;
function loadKusto(): KustoGlobal {
    if (!kusto) {
        require("@kusto/language-service-next/bridge.min.js");
        require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
        kusto = (globalThis as unknown as { Kusto: KustoGlobal }).Kusto;
    }
    return kusto;
}

function toArray<T>(list: BridgeList<T> | T[] | null | undefined): T[] {
    if (!list) {
        return [];
    }
    if (Array.isArray(list)) {
        return list;
    }
    const out: T[] = [];
    for (let i = 0; i < list.Count; i++) {
        out.push(list.getItem(i));
    }
    return out;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return { line, column: offset - before.lastIndexOf("\n") };
}

/** An analyzer bound to a set of table schemas. Loading Kusto.Language costs ~0.5 s once per process. */
export class KqlAnalyzer {
    private readonly globals: any;

    constructor(schemas: TableSchemas = loadSchemas()) {
        const L = loadKusto().Language;
        const S = L.Symbols;
        const schema = (columns: Record<string, string>) =>
            `(${Object.entries(columns)
                .map(([c, t]) => `['${c}']:${t}`)
                .join(", ")})`;
        const tables = Object.entries(schemas.tables).map(([name, columns]) => new S.TableSymbol.$ctor7(name, schema(columns), null));
        // A workspace function is callable as `_LogOperation` or `_LogOperation()`: a function symbol
        // without parameters whose return type is a table of its documented columns.
        const functions = Object.entries(schemas.functions ?? {}).map(
            ([name, columns]) => new S.FunctionSymbol.$ctor5(name, new S.TableSymbol.$ctor7(name, schema(columns), null), []),
        );
        const database = new S.DatabaseSymbol.ctor("workspace", [...tables, ...functions]);
        this.globals = L.GlobalState.Default.WithCluster(new S.ClusterSymbol.ctor("loganalytics", [database])).WithDatabase(database);
    }

    /** Parses and analyses `query`: its errors (warnings are left out) and its result columns. */
    analyze(query: string): KqlAnalysis {
        const code = loadKusto().Language.KustoCode.ParseAndAnalyze(query, this.globals);
        const errors = toArray<any>(code.GetDiagnostics())
            .filter((d) => d.Severity === "Error")
            .map((d) => ({ code: String(d.Code), message: String(d.Message), ...lineAndColumn(query, d.Start) }));
        const result = code.ResultType;
        const columns =
            result && typeof result === "object" && "Columns" in result
                ? toArray<any>(result.Columns).map((c) => ({ name: String(c.Name), type: String(c.Type.Name) }))
                : [];
        return { errors, columns };
    }
}

/** Kusto's numeric scalar types: what a metric measure column may be. */
export const NUMERIC_TYPES: readonly string[] = ["int", "long", "real", "decimal"];
