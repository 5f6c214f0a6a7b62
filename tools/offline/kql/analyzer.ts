import * as fs from "node:fs";
import * as path from "node:path";
import { type BaseColumn, type DocumentedFacts, documentedFacts, type JsonKeysSpec, undocumentedUses } from "./domains";

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

/**
 * A construct that log search alert rules restrict, where the query uses it: a `union` that is not
 * across resources, `search`, `ago()` of anything but a timespan literal, the reserved name
 * `AggregatedValue`, and the `pivot`, `bag_unpack` and `narrow` plugins. The check decides what each
 * means for an alert query (kql/check.ts, ALERT_RESTRICTIONS).
 */
export interface KqlConstruct {
    readonly construct: "union" | "search" | "ago" | "AggregatedValue" | "pivot" | "bag_unpack" | "narrow";
    /** The query text of the construct, shortened. */
    readonly text: string;
    readonly line: number;
    readonly column: number;
}

/**
 * A value or JSON key the query uses that Microsoft's documentation doesn't list for the column
 * (tables.json "domains" and "jsonKeys"; kql/domains.ts): a comparison that can never match, or a
 * key that reads null. Plain data, as KqlAnalysis goes to the check by structured clone.
 */
export interface KqlUndocumented {
    readonly kind: "value" | "key";
    /** What is wrong, with the query text and the documented values or keys. */
    readonly message: string;
    /** Where the values or keys are documented (tables.json). */
    readonly source: string;
    readonly line: number;
    readonly column: number;
    /** Offsets of the literal or key in the query text, end exclusive. */
    readonly start: number;
    readonly end: number;
}

/** What analysing one query gives. */
export interface KqlAnalysis {
    readonly errors: readonly KqlDiagnostic[];
    /** The analyzer's warnings (e.g. KS205, a fuzzy union leg naming no known table). */
    readonly warnings: readonly KqlDiagnostic[];
    readonly columns: readonly KqlColumn[];
    readonly constructs: readonly KqlConstruct[];
    readonly undocumented: readonly KqlUndocumented[];
}

/** Column name → Kusto type, per table; and per workspace function that returns a table. */
export interface TableSchemas {
    readonly tables: Record<string, Record<string, string>>;
    /**
     * False when each table lists every column it is to have: the standard columns are then not added
     * (a replay keeps only the columns its queries name). Defaults to true.
     */
    readonly standardColumns?: boolean;
    /** Functions without parameters that every workspace has (e.g. `_LogOperation`), by the columns they return. */
    readonly functions?: Record<string, Record<string, string>>;
    /** Documented values of enumerated columns, by `Table.Column` (kql/domains.ts, DomainSpec). */
    readonly domains?: Record<string, unknown>;
    /** Documented keys of JSON-bearing columns, by `Table.Column` (kql/domains.ts, JsonKeysSpec). */
    readonly jsonKeys?: Record<string, JsonKeysSpec | string>;
}

const SCHEMAS_FILE = path.join(__dirname, "tables.json");

/**
 * Columns every Log Analytics table has, which table references and tables.json may leave out: "Some
 * of the standard columns will not show in the schema view or intellisense"
 * (https://learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns). Added to each table
 * that doesn't list them.
 */
export const STANDARD_COLUMNS: Readonly<Record<string, string>> = {
    TenantId: "string",
    TimeGenerated: "datetime",
    _TimeReceived: "datetime",
    Type: "string",
    _ItemId: "string",
    _ResourceId: "string",
    _SubscriptionId: "string",
    _IsBillable: "string",
    _BilledSize: "real",
};

/**
 * Log Analytics' cross-resource functions (https://learn.microsoft.com/azure/azure-monitor/logs/cross-workspace-query):
 * `workspace("…").T`, `app("…").T`, `resource("…").T`. Kusto.Language doesn't know them; each is a
 * function returning this workspace's database, so the table after the dot is checked against the
 * same schemas (the other workspace is taken to have the same tables).
 */
export const CROSS_RESOURCE_FUNCTIONS = ["workspace", "app", "resource"] as const;

/** Plugins that log search alert rules don't support (check.ts cites the page). */
const ALERT_UNSUPPORTED_PLUGINS = ["pivot", "bag_unpack", "narrow"] as const;

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
    /**
     * Bridge.NET's runtime (`System.Enum.toString` names a syntax kind), kept with the Kusto it
     * loaded: the global `System` is anybody's to replace once loaded.
     */
    System: any;
}

let kusto: KustoGlobal | undefined;
/** Kusto.Language, loaded once per process (also the executor's front end). */
export function loadKusto(): KustoGlobal {
    if (!kusto) {
        require("@kusto/language-service-next/bridge.min.js");
        require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
        const g = globalThis as unknown as { Kusto: { Language: any }; System: any };
        kusto = { Language: g.Kusto.Language, System: g.System };
    }
    return kusto;
}

export function toArray<T>(list: BridgeList<T> | T[] | null | undefined): T[] {
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
    /** Kusto.Language's GlobalState for the schemas: the workspace database with its tables and functions. */
    readonly globals: any;
    /** The column symbols of the tables and workspace functions, by name: where a compared value comes from. */
    private readonly baseColumns = new Map<unknown, BaseColumn>();
    private readonly facts: DocumentedFacts;

    constructor(schemas: TableSchemas = loadSchemas()) {
        const L = loadKusto().Language;
        const S = L.Symbols;
        const schema = (columns: Record<string, string>) =>
            `(${Object.entries(columns)
                .map(([c, t]) => `['${c}']:${t}`)
                .join(", ")})`;
        const tables = Object.entries(schemas.tables).map(
            ([name, columns]) =>
                new S.TableSymbol.$ctor7(
                    name,
                    schema(schemas.standardColumns === false ? columns : { ...columns, ...missingStandardColumns(columns) }),
                    null,
                ),
        );
        // A workspace function is callable as `_LogOperation` or `_LogOperation()`: a function symbol
        // without parameters whose return type is a table of its documented columns.
        const returned = Object.entries(schemas.functions ?? {}).map(
            ([name, columns]) => new S.TableSymbol.$ctor7(name, schema(columns), null),
        );
        const functions = returned.map((table: any) => new S.FunctionSymbol.$ctor5(table.Name, table, []));
        const crossResource = CROSS_RESOURCE_FUNCTIONS.map(
            (name) => new S.FunctionSymbol.$ctor16(name, "(id: string)", "{ database('workspace') }", null),
        );
        const database = new S.DatabaseSymbol.ctor("workspace", [...tables, ...functions, ...crossResource]);
        for (const table of [...tables, ...returned]) {
            for (const c of toArray<any>(table.Columns)) {
                this.baseColumns.set(c, { column: `${table.Name}.${c.Name}`, type: String(c.Type.Name) });
            }
        }
        this.facts = documentedFacts(schemas, "tables.json");
        this.globals = L.GlobalState.Default.WithCluster(new S.ClusterSymbol.ctor("loganalytics", [database])).WithDatabase(database);
    }

    /** Parses and analyses `query`: its errors and warnings, its result columns and the constructs alert rules restrict. */
    analyze(query: string): KqlAnalysis {
        const code = loadKusto().Language.KustoCode.ParseAndAnalyze(query, this.globals);
        const diagnostics = toArray<any>(code.GetDiagnostics()).map((d) => ({
            severity: String(d.Severity),
            code: String(d.Code),
            message: String(d.Message),
            ...lineAndColumn(query, d.Start),
        }));
        const strip = ({ severity: _, ...d }: (typeof diagnostics)[number]): KqlDiagnostic => d;
        const errors = diagnostics.filter((d) => d.severity === "Error").map(strip);
        const warnings = diagnostics.filter((d) => d.severity === "Warning").map(strip);
        const result = code.ResultType;
        const columns =
            result && typeof result === "object" && "Columns" in result
                ? toArray<any>(result.Columns).map((c) => ({ name: String(c.Name), type: String(c.Type.Name) }))
                : [];
        let undocumented: KqlUndocumented[];
        try {
            undocumented = undocumentedUses(loadKusto().Language, code.Syntax, query, this.baseColumns, this.facts, (o) =>
                lineAndColumn(query, o),
            );
        } catch (e) {
            // A query this check can't follow is reported, not a crash of the whole check.
            const message = `the documented-values check could not analyse this query (${(e as Error).message}); please report it`;
            undocumented = [{ kind: "value", message, source: "tools/offline/kql/domains.ts", line: 1, column: 1, start: 0, end: 0 }];
        }
        return { errors, warnings, columns, constructs: restrictedConstructs(code.Syntax, query), undocumented };
    }
}

function missingStandardColumns(columns: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(STANDARD_COLUMNS).filter(([c]) => !(c in columns)));
}

/** The constructs of {@link KqlConstruct} in a parsed query, found on its syntax tree. */
function restrictedConstructs(root: any, query: string): KqlConstruct[] {
    const L = loadKusto().Language;
    const Kind = L.Syntax.SyntaxKind;
    const found: KqlConstruct[] = [];
    const add = (construct: KqlConstruct["construct"], node: any) => {
        const text = query.slice(node.TextStart, node.TextStart + node.Width).replace(/\s+/g, " ");
        found.push({ construct, text: text.length > 60 ? `${text.slice(0, 57)}...` : text, ...lineAndColumn(query, node.TextStart) });
    };
    const calledName = (call: any): string | undefined =>
        call?.Kind === Kind.FunctionCallExpression ? String(call.Name?.SimpleName ?? "") : undefined;
    // A union across resources names each of its legs as workspace("…").T, app("…").T or resource("…").T.
    const crossResource = (leg: any): boolean =>
        leg?.Kind === Kind.PathExpression && (CROSS_RESOURCE_FUNCTIONS as readonly string[]).includes(calledName(leg.Expression) ?? "");
    const visit = (node: any): void => {
        if (!node || node.IsToken) {
            return;
        }
        switch (node.Kind) {
            case Kind.UnionOperator: {
                const legs = toArray<any>(node.Expressions).map((e) => e.Element);
                if (!legs.every(crossResource)) {
                    add("union", node);
                }
                break;
            }
            case Kind.SearchOperator:
                add("search", node);
                break;
            case Kind.FunctionCallExpression:
                if (node.ReferencedSymbol === L.Functions.Ago) {
                    const args = toArray<any>(node.ArgumentList?.Expressions).map((e) => e.Element);
                    if (args.length !== 1 || args[0].Kind !== Kind.TimespanLiteralExpression) {
                        add("ago", node);
                    }
                }
                break;
            case Kind.EvaluateOperator: {
                const plugin = calledName(node.FunctionCall);
                if ((ALERT_UNSUPPORTED_PLUGINS as readonly string[]).includes(plugin ?? "")) {
                    add(plugin as KqlConstruct["construct"], node);
                }
                break;
            }
            case Kind.NameDeclaration:
            case Kind.NameReference:
                if (String(node.SimpleName) === "AggregatedValue") {
                    add("AggregatedValue", node);
                }
                break;
        }
        for (let i = 0; i < node.ChildCount; i++) {
            visit(node.GetChild(i));
        }
    };
    visit(root);
    return found;
}

/** Kusto's numeric scalar types: what a metric measure column may be. */
export const NUMERIC_TYPES: readonly string[] = ["int", "long", "real", "decimal"];
