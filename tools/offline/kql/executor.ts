import { KqlAnalyzer, loadKusto, loadSchemas, type TableSchemas, toArray } from "./analyzer";
import {
    binDatetime,
    compareValues,
    convert,
    DATETIME_ORIGIN_MS,
    hasTerm,
    NUMERIC,
    parseDatetime,
    parseTimespan,
    sameValue,
    toDynamic,
    toKustoString,
} from "./values";

/**
 * A KQL executor for the queries this project deploys, to replay alert rules on exported logs.
 * Microsoft's Kusto.Language parses and analyses each query (no second parser): the executor walks
 * its syntax tree, takes every column's name and type from the analyzer, and compiles each node to
 * a JavaScript closure once per query. It implements the operators and functions in
 * {@link IMPLEMENTED}, with Kusto's semantics as the KQL reference documents them
 * (https://learn.microsoft.com/kusto/query/), and refuses anything else with
 * {@link KqlUnsupportedError}: it never guesses. Values are held as tools/offline/kql/values.ts says.
 */

export interface KqlColumnType {
    readonly name: string;
    readonly type: string;
}

/**
 * A table: its columns and rows (one value per column). A table's row may carry one more value past
 * its columns: when the row became queryable (epoch ms), which `ingestion_time()` returns.
 */
export interface KqlTable {
    readonly columns: readonly KqlColumnType[];
    readonly rows: readonly (readonly unknown[])[];
}

export interface ExecuteOptions {
    /** What `now()` and `ago()` count from (epoch ms): an alert rule's evaluation time. */
    readonly now: number;
    /** The workspace's tables (and functions such as `_LogOperation`) by name; a missing one is empty. */
    readonly tables?: Readonly<Record<string, KqlTable>>;
}

/** A construct the executor doesn't implement: it refuses rather than guess. */
export class KqlUnsupportedError extends Error {
    constructor(
        readonly construct: string,
        readonly line: number,
        readonly column: number,
    ) {
        super(`${line}:${column}: the KQL executor does not implement ${construct}`);
        this.name = "KqlUnsupportedError";
    }
}

/** A query Kusto.Language reports errors on. */
export class KqlQueryError extends Error {
    constructor(readonly diagnostics: readonly string[]) {
        super(`the query has errors: ${diagnostics.join("; ")}`);
        this.name = "KqlQueryError";
    }
}

/** What the executor implements: tabular operators by keyword, functions as `name()`, scalar operators by symbol. */
export const IMPLEMENTED: readonly string[] = [
    // Tabular operators and statements.
    "where",
    "extend",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "summarize",
    "join",
    "mv-expand",
    "print",
    "datatable",
    "range",
    "let",
    "union",
    "take",
    "sort",
    "top",
    "count",
    "distinct",
    "as",
    "serialize",
    // Scalar operators.
    "==",
    "!=",
    "=~",
    "!~",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "and",
    "or",
    "in",
    "!in",
    "in~",
    "!in~",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "startswith",
    "!startswith",
    "startswith_cs",
    "!startswith_cs",
    "endswith",
    "!endswith",
    "endswith_cs",
    "!endswith_cs",
    "between",
    "!between",
    "[]",
    ".",
    // Scalar functions.
    "ago()",
    "now()",
    "bin()",
    "floor()",
    "iff()",
    "iif()",
    "case()",
    "isempty()",
    "isnotempty()",
    "isnull()",
    "isnotnull()",
    "not()",
    "tostring()",
    "toint()",
    "tolong()",
    "todouble()",
    "toreal()",
    "tobool()",
    "toboolean()",
    "todatetime()",
    "totimespan()",
    "todynamic()",
    "parse_json()",
    "array_length()",
    "pack_array()",
    "tolower()",
    "toupper()",
    "strlen()",
    "strcat()",
    "substring()",
    "coalesce()",
    "startofday()",
    "datetime_diff()",
    "split()",
    "set_has_element()",
    "bag_keys()",
    "max_of()",
    "min_of()",
    "abs()",
    "round()",
    "ingestion_time()",
    "column_ifexists()",
    "prev()",
    // Aggregations.
    "count()",
    "countif()",
    "sum()",
    "sumif()",
    "min()",
    "max()",
    "minif()",
    "maxif()",
    "avg()",
    "avgif()",
    "dcount()",
    "dcountif()",
    "arg_max()",
    "arg_min()",
    "make_set()",
    "make_list()",
    "take_any()",
    "any()",
];

type Row = readonly unknown[];
/** What a run of a query evaluates in. */
interface Env {
    readonly now: number;
    readonly tables: Readonly<Record<string, KqlTable>>;
    readonly values: Map<unknown, unknown>;
}
type Scalar = (row: Row, env: Env) => unknown;
interface Tabular {
    readonly columns: readonly KqlColumnType[];
    /** Rows are a table's own (ingestion time past the columns) until an operator builds new ones. */
    readonly raw: boolean;
    run(env: Env): Row[];
}
interface Scope {
    readonly columns: readonly KqlColumnType[];
    readonly index: ReadonlyMap<string, number>;
    readonly raw: boolean;
    /** In an extend: the rows before the current one, for prev() (https://learn.microsoft.com/kusto/query/prev-function). */
    readonly history?: { rows: Row[] };
}

/** A query parsed, analysed and compiled once, to run many times (e.g. at each evaluation of an alert rule). */
export interface PreparedQuery {
    readonly columns: readonly KqlColumnType[];
    /** Tables and workspace functions the query reads. */
    readonly tables: readonly string[];
    run(options: ExecuteOptions): KqlTable;
    /** The same query summarized part by part, when its form allows (see {@link IncrementalQuery}). */
    readonly incremental?: IncrementalQuery;
}

/**
 * A query of the form `Table | <row-by-row operators> | summarize … | <anything>`, whose operators
 * before the summarize don't depend on the evaluation time, and whose aggregates merge: its
 * summarize can be computed on parts of the table's rows and the parts merged, giving what
 * {@link PreparedQuery.run} gives on all of them. A replay keeps each hour's part once its rows are
 * all queryable, instead of summarizing the same rows again at every evaluation.
 */
export interface IncrementalQuery {
    readonly table: string;
    /** The summarize's state over `rows` (rows of {@link IncrementalQuery.table}); parts are never changed. */
    partial(rows: readonly (readonly unknown[])[], options: ExecuteOptions): unknown;
    /** The query's result over the rows of all `parts`; `options.tables` holds the other tables it reads. */
    finish(parts: readonly unknown[], options: ExecuteOptions): KqlTable;
}

type Groups = Map<unknown, { key: unknown[]; states: unknown[] }>;
interface SummarizePlan {
    readonly input: Tabular;
    group(rows: readonly Row[], env: Env): Groups;
    merge(parts: readonly Groups[]): Groups;
    finish(groups: Groups): Row[];
}

/** Operators that take each row on its own, in any order: what may come before an incremental summarize. */
const ROW_BY_ROW = new Set([
    "FilterOperator",
    "ExtendOperator",
    "ProjectOperator",
    "ProjectAwayOperator",
    "ProjectKeepOperator",
    "ProjectRenameOperator",
    "ProjectReorderOperator",
]);

/** Functions whose value depends on when, or in what order, rows are evaluated. */
const TIME_OR_ORDER = new Set(["now", "ago", "prev", "next", "row_number", "row_cumsum", "rand", "new_guid", "current_timestamp"]);

const OPERATOR_NAMES: Readonly<Record<string, string>> = {
    FilterOperator: "where",
    ExtendOperator: "extend",
    ProjectOperator: "project",
    ProjectAwayOperator: "project-away",
    ProjectKeepOperator: "project-keep",
    ProjectRenameOperator: "project-rename",
    ProjectReorderOperator: "project-reorder",
    SummarizeOperator: "summarize",
    JoinOperator: "join",
    MvExpandOperator: "mv-expand",
    PrintOperator: "print",
    DataTableExpression: "datatable",
    RangeOperator: "range",
    LetStatement: "let",
    UnionOperator: "union",
    TakeOperator: "take",
    SortOperator: "sort",
    TopOperator: "top",
    CountOperator: "count",
    DistinctOperator: "distinct",
    AsOperator: "as",
    SerializeOperator: "serialize",
    LookupOperator: "lookup",
    MvApplyOperator: "mv-apply",
    MakeSeriesOperator: "make-series",
    ParseOperator: "parse",
    EvaluateOperator: "evaluate",
    SearchOperator: "search",
    TopNestedOperator: "top-nested",
    RenderOperator: "render",
    SampleOperator: "sample",
    FacetOperator: "facet",
    ForkOperator: "fork",
    PartitionOperator: "partition",
    ScanOperator: "scan",
    GetSchemaOperator: "getschema",
    ProjectByNamesOperator: "project-by-names",
    FindOperator: "find",
    ConsumeOperator: "consume",
    InvokeOperator: "invoke",
    ParseWhereOperator: "parse-where",
    ParseKvOperator: "parse-kv",
    SampleDistinctOperator: "sample-distinct",
    ExecuteAndCacheOperator: "execute-and-cache",
    AssertSchemaOperator: "assert-schema",
};

const BINARY_NAMES: Readonly<Record<string, string>> = {
    EqualExpression: "==",
    NotEqualExpression: "!=",
    EqualTildeExpression: "=~",
    BangTildeExpression: "!~",
    LessThanExpression: "<",
    LessThanOrEqualExpression: "<=",
    GreaterThanExpression: ">",
    GreaterThanOrEqualExpression: ">=",
    AddExpression: "+",
    SubtractExpression: "-",
    MultiplyExpression: "*",
    DivideExpression: "/",
    ModuloExpression: "%",
    AndExpression: "and",
    OrExpression: "or",
    InExpression: "in",
    NotInExpression: "!in",
    InCsExpression: "in~",
    NotInCsExpression: "!in~",
    HasExpression: "has",
    NotHasExpression: "!has",
    HasCsExpression: "has_cs",
    NotHasCsExpression: "!has_cs",
    ContainsExpression: "contains",
    NotContainsExpression: "!contains",
    ContainsCsExpression: "contains_cs",
    NotContainsCsExpression: "!contains_cs",
    StartsWithExpression: "startswith",
    NotStartsWithExpression: "!startswith",
    StartsWithCsExpression: "startswith_cs",
    NotStartsWithCsExpression: "!startswith_cs",
    EndsWithExpression: "endswith",
    NotEndsWithExpression: "!endswith",
    EndsWithCsExpression: "endswith_cs",
    NotEndsWithCsExpression: "!endswith_cs",
    BetweenExpression: "between",
    NotBetweenExpression: "!between",
    HasAnyExpression: "has_any",
    HasAllExpression: "has_all",
    HasPrefixExpression: "hasprefix",
    HasSuffixExpression: "hassuffix",
    MatchesRegexExpression: "matches regex",
    LikeExpression: "like",
    ElementExpression: "[]",
    PathExpression: ".",
};

/** Executes KQL on in-memory tables; see the module comment. */
export class KqlExecutor {
    private readonly analyzer: KqlAnalyzer;
    private readonly builtins: Set<unknown>;

    constructor(schemas: TableSchemas = loadSchemas()) {
        this.analyzer = new KqlAnalyzer(schemas);
        const L = loadKusto().Language;
        // Built-in functions and aggregates are dispatched by name only when the analyzer resolved the
        // call to Kusto's own symbol, never to a user function of the same name.
        this.builtins = new Set([...Object.values(L.Functions), ...Object.values(L.Aggregates)].filter((s) => s && typeof s === "object"));
    }

    /** Parses, analyses and compiles `query`; throws {@link KqlQueryError} or {@link KqlUnsupportedError}. */
    prepare(query: string): PreparedQuery {
        return new Compiler(query, this.analyzer.globals, this.builtins).compile();
    }

    /** Runs `query` once. */
    execute(query: string, options: ExecuteOptions): KqlTable {
        return this.prepare(query).run(options);
    }

    /** The constructs `query` uses, named as in {@link IMPLEMENTED} (whether implemented or not). */
    constructs(query: string): string[] {
        const L = loadKusto().Language;
        const code = L.KustoCode.ParseAndAnalyze(query, this.analyzer.globals);
        const found = new Set<string>();
        code.Syntax.WalkNodes((n: any) => {
            const kind = kindName(n);
            if (OPERATOR_NAMES[kind]) {
                found.add(OPERATOR_NAMES[kind]);
            } else if (BINARY_NAMES[kind]) {
                found.add(BINARY_NAMES[kind]);
            } else if (kind === "FunctionCallExpression") {
                found.add(`${String(n.Name.SimpleName)}()`);
            } else if (
                kind === "NameReference" &&
                this.builtins.has(n.ReferencedSymbol) &&
                n.Parent &&
                kindName(n.Parent) !== "FunctionCallExpression"
            ) {
                // A function called without parentheses (e.g. `now`) is a name reference.
                found.add(`${String(n.SimpleName)}()`);
            } else if (/(Operator|Expression)$/.test(kind) && !NEUTRAL_KINDS.has(kind)) {
                found.add(kind);
            }
        });
        // Whatever the compiler refuses (a parameter, a literal's form, a function's argument) is named too.
        try {
            this.prepare(query);
        } catch (e) {
            if (e instanceof KqlUnsupportedError) {
                found.add(e.construct);
            }
        }
        return [...found].sort();
    }
}

/** Syntax the executor handles wherever it appears, which names no construct of its own. */
const NEUTRAL_KINDS = new Set([
    "PipeExpression",
    "ParenthesizedExpression",
    "NameReference",
    "SimpleNamedExpression",
    "CompoundNamedExpression",
    "FunctionCallExpression",
    "StarExpression",
    "OrderedExpression",
    "BracketedExpression",
    "PrimitiveTypeExpression",
    "TypeOfLiteralExpression",
    "MvExpandExpression",
    "TokenLiteralExpression",
    "UnaryMinusExpression",
    "UnaryPlusExpression",
    "StringLiteralExpression",
    "BooleanLiteralExpression",
    "LongLiteralExpression",
    "IntLiteralExpression",
    "RealLiteralExpression",
    "DecimalLiteralExpression",
    "DateTimeLiteralExpression",
    "TimespanLiteralExpression",
    "GuidLiteralExpression",
    "DynamicExpression",
    "CompoundStringLiteralExpression",
    "JsonArrayExpression",
    "JsonObjectExpression",
    "ExpressionCouple",
    "NullLiteralExpression",
]);

function kindName(node: any): string {
    return loadKusto().System.Enum.toString(loadKusto().Language.Syntax.SyntaxKind, node.Kind);
}

function elements(list: any): any[] {
    return toArray<any>(list).map((e) => (e && e.Element !== undefined ? e.Element : e));
}

function typeName(type: any): string {
    const name = String(type?.Name ?? "unknown");
    return name === "dynamic" || name.startsWith("dynamic") ? "dynamic" : name;
}

function columnsOf(node: any): KqlColumnType[] {
    const t = node.ResultType;
    if (!t || !("Columns" in t)) {
        return [];
    }
    return toArray<any>(t.Columns).map((c) => ({ name: String(c.Name), type: typeName(c.Type) }));
}

function isTabular(node: any): boolean {
    const t = node?.ResultType;
    return !!t && typeof t === "object" && "Columns" in t;
}

function scopeOf(columns: readonly KqlColumnType[], raw = false): Scope {
    return { columns, index: new Map(columns.map((c, i) => [c.name, i])), raw };
}

const CASE_BLIND = (s: string) => s.toLowerCase();

class Compiler {
    private readonly L: any;
    private readonly tableNames = new Set<string>();
    /** How often the query reads each table: an incremental query reads its own table once. */
    private readonly tableReads = new Map<string, number>();
    private readonly lets = new Map<unknown, { scalar?: Scalar; table?: Tabular }>();
    /** Each let's value, to tell whether what reads it depends on the evaluation time. */
    private readonly letValues = new Map<unknown, any>();
    /** Each summarize compiled, split for {@link IncrementalQuery}. */
    private readonly plans = new Map<any, SummarizePlan>();

    constructor(
        private readonly text: string,
        private readonly globals: any,
        private readonly builtins: Set<unknown>,
    ) {
        this.L = loadKusto().Language;
    }

    compile(): PreparedQuery {
        const code = this.L.KustoCode.ParseAndAnalyze(this.text, this.globals);
        const errors = toArray<any>(code.GetDiagnostics())
            .filter((d) => String(d.Severity) === "Error")
            .map((d) => `${this.at(d.Start)} ${String(d.Code)} ${String(d.Message)}`);
        if (errors.length > 0) {
            throw new KqlQueryError(errors);
        }
        const root = code.Syntax;
        let result: Tabular | undefined;
        for (const statement of elements(root.Statements)) {
            const kind = kindName(statement);
            if (kind === "LetStatement") {
                this.compileLet(statement);
            } else if (kind === "ExpressionStatement") {
                if (result) {
                    this.unsupported(statement, "more than one query statement");
                }
                result = this.tabular(statement.Expression);
            } else {
                this.unsupported(statement, kind);
            }
        }
        if (!result) {
            this.unsupported(root, "a query without a tabular statement");
        }
        const final = result;
        const tables = [...this.tableNames];
        const last = elements(root.Statements)
            .map((st) => st)
            .find((st) => kindName(st) === "ExpressionStatement");
        const incremental = this.incremental(last.Expression);
        return {
            columns: final.columns,
            tables,
            run: (options) => {
                const env: Env = { now: options.now, tables: options.tables ?? {}, values: new Map() };
                return { columns: final.columns, rows: final.run(env) };
            },
            ...(incremental ? { incremental } : {}),
        };
    }

    /** The query as an {@link IncrementalQuery}, when its form allows; else undefined. */
    private incremental(expression: any): IncrementalQuery | undefined {
        const ops: { op: any; pipe: any }[] = [];
        let node = expression;
        while (kindName(node) === "PipeExpression") {
            ops.unshift({ op: node.Operator, pipe: node });
            node = node.Expression;
        }
        const source = node;
        if (!["NameReference", "FunctionCallExpression"].includes(kindName(source))) {
            return undefined;
        }
        const symbol = source.ReferencedSymbol;
        const sourceKind = symbol ? loadKusto().System.Enum.toString(this.L.Symbols.SymbolKind, symbol.Kind) : "";
        if (this.lets.has(symbol) || !["Table", "Function"].includes(sourceKind)) {
            return undefined;
        }
        const at = ops.findIndex((o) => kindName(o.op) === "SummarizeOperator");
        if (at < 0 || !ops.slice(0, at).every((o) => ROW_BY_ROW.has(kindName(o.op)) && this.timeless(o.op))) {
            return undefined;
        }
        // The summarize's own expressions are evaluated row by row too.
        if (!this.timeless(ops[at].op)) {
            return undefined;
        }
        const plan = this.plans.get(ops[at].op);
        const table = String(sourceKind === "Function" ? source.Name.SimpleName : symbol.Name);
        // Its parts hold all the query reads of its table; other tables are read whole at finish.
        if (!plan || (this.tableReads.get(table) ?? 0) !== 1) {
            return undefined;
        }
        const tableColumns = columnsOf(source);
        // What follows the summarize runs on the merged parts, handed over through the run's values.
        const merged = {};
        let rest: Tabular = {
            columns: columnsOf(ops[at].pipe),
            raw: false,
            run: (env) => env.values.get(merged) as Row[],
        };
        for (const o of ops.slice(at + 1)) {
            rest = this.operator(rest, o.op, o.pipe);
        }
        const tail = rest;
        const envOf = (options: ExecuteOptions, rows?: readonly (readonly unknown[])[]): Env => ({
            now: options.now,
            tables: rows ? { [table]: { columns: tableColumns, rows } } : (options.tables ?? {}),
            values: new Map(),
        });
        return {
            table,
            partial: (rows, options) => {
                const env = envOf(options, rows);
                return plan.group(plan.input.run(env), env);
            },
            finish: (parts, options) => {
                const env = envOf(options);
                env.values.set(merged, plan.finish(plan.merge(parts as Groups[])));
                return { columns: tail.columns, rows: tail.run(env) };
            },
        };
    }

    /** Whether nothing under `node` depends on the evaluation time or the order of rows (lets followed). */
    private timeless(node: any, seen = new Set<unknown>()): boolean {
        let ok = true;
        node.WalkNodes((n: any) => {
            const kind = kindName(n);
            if ((kind === "FunctionCallExpression" || kind === "NameReference") && this.builtins.has(n.ReferencedSymbol)) {
                const name = String(kind === "FunctionCallExpression" ? n.Name.SimpleName : n.SimpleName);
                if (TIME_OR_ORDER.has(name)) {
                    ok = false;
                }
            } else if (kind === "NameReference" && this.letValues.has(n.ReferencedSymbol) && !seen.has(n.ReferencedSymbol)) {
                seen.add(n.ReferencedSymbol);
                if (!this.timeless(this.letValues.get(n.ReferencedSymbol), seen)) {
                    ok = false;
                }
            }
        });
        return ok;
    }

    private at(offset: number): string {
        const before = this.text.slice(0, offset);
        return `${before.split("\n").length}:${offset - before.lastIndexOf("\n")}`;
    }

    private unsupported(node: any, construct: string): never {
        const before = this.text.slice(0, node.TextStart);
        const snippet = this.text
            .slice(node.TextStart, node.TextStart + node.Width)
            .replace(/\s+/g, " ")
            .slice(0, 60);
        throw new KqlUnsupportedError(`${construct} (${snippet})`, before.split("\n").length, node.TextStart - before.lastIndexOf("\n"));
    }

    private compileLet(node: any): void {
        const symbol = node.Name.ReferencedSymbol;
        const value = node.Expression;
        this.letValues.set(symbol, value);
        if (kindName(value) === "FunctionDeclaration") {
            this.unsupported(node, "let with a function (user-defined functions)");
        }
        if (isTabular(value)) {
            const table = this.tabular(value);
            // A tabular let is evaluated once per run, however often the query reads it.
            const key = {};
            this.lets.set(symbol, {
                table: {
                    columns: table.columns,
                    raw: false,
                    run: (env) => memo(env, key, () => table.run(env)),
                },
            });
        } else {
            const scalar = this.scalar(value, scopeOf([]));
            const key = {};
            this.lets.set(symbol, { scalar: (_row, env) => memo(env, key, () => scalar([], env)) });
        }
    }

    // ---------------------------------------------------------------- tabular expressions

    private tabular(node: any): Tabular {
        const kind = kindName(node);
        switch (kind) {
            case "PipeExpression":
                return this.operator(this.tabular(node.Expression), node.Operator, node);
            case "ParenthesizedExpression":
                return this.tabular(node.Expression);
            case "NameReference":
                return this.tableReference(node);
            case "FunctionCallExpression":
                if (elements(node.ArgumentList?.Expressions).length === 0) {
                    return this.tableReference(node);
                }
                return this.unsupported(node, `${String(node.Name.SimpleName)}() as a table`);
            case "DataTableExpression":
                return this.datatable(node);
            case "PrintOperator":
                return this.print(node);
            case "RangeOperator":
                return this.range(node);
            case "UnionOperator":
                return this.union(undefined, node, node);
            default:
                return this.unsupported(node, OPERATOR_NAMES[kind] ?? kind);
        }
    }

    private tableReference(node: any): Tabular {
        const symbol = node.ReferencedSymbol;
        const bound = this.lets.get(symbol);
        if (bound?.table) {
            return bound.table;
        }
        const kind = loadKusto().System.Enum.toString(this.L.Symbols.SymbolKind, symbol?.Kind);
        const name = String(kind === "Function" ? node.Name.SimpleName : (symbol?.Name ?? node.SimpleName));
        if (kind !== "Table" && kind !== "Function") {
            return this.unsupported(node, `a reference to ${kind} ${name}`);
        }
        if (kind === "Function" && this.builtins.has(symbol)) {
            return this.unsupported(node, `${name}() as a table`);
        }
        this.tableNames.add(name);
        this.tableReads.set(name, (this.tableReads.get(name) ?? 0) + 1);
        const columns = columnsOf(node);
        const layouts = new WeakMap<KqlTable, Row[]>();
        return {
            columns,
            raw: true,
            run: (env) => {
                const table = env.tables[name];
                if (!table) {
                    return [];
                }
                let rows = layouts.get(table);
                if (!rows) {
                    rows = alignRows(table, columns, name);
                    layouts.set(table, rows);
                }
                return rows;
            },
        };
    }

    private datatable(node: any): Tabular {
        const columns = columnsOf(node);
        const values = elements(node.Values).map((v) => this.scalar(v, scopeOf([])));
        if (columns.length === 0 || values.length % columns.length !== 0) {
            return this.unsupported(node, "datatable whose values don't fill its rows");
        }
        const cells = elements(node.Values);
        const types = cells.map((c, i) => [typeName(c.ResultType), columns[i % columns.length].type] as const);
        return {
            columns,
            raw: false,
            run: (env) => {
                const rows: Row[] = [];
                for (let i = 0; i < values.length; i += columns.length) {
                    rows.push(columns.map((c, j) => coerce(values[i + j]([], env), types[i + j][0], c.type)));
                }
                return rows;
            },
        };
    }

    private print(node: any): Tabular {
        const columns = columnsOf(node);
        const exprs = elements(node.Expressions).map((e) => this.scalar(named(e).expression, scopeOf([])));
        if (exprs.length !== columns.length) {
            return this.unsupported(node, "print with tuple names");
        }
        return { columns, raw: false, run: (env) => [exprs.map((e) => e([], env))] };
    }

    private range(node: any): Tabular {
        const columns = columnsOf(node);
        const from = this.scalar(node.From, scopeOf([]));
        const to = this.scalar(node.To, scopeOf([]));
        const step = this.scalar(node.Step, scopeOf([]));
        return {
            columns,
            raw: false,
            run: (env) => {
                const [a, b, s] = [from([], env), to([], env), step([], env)] as number[];
                const rows: Row[] = [];
                if (a === null || b === null || s === null || s === 0) {
                    return rows;
                }
                for (let v = a; s > 0 ? v <= b : v >= b; v += s) {
                    rows.push([v]);
                    if (rows.length > 10_000_000) {
                        break;
                    }
                }
                return rows;
            },
        };
    }

    private parameters(node: any, allowed: readonly string[]): Record<string, string> {
        const out: Record<string, string> = {};
        for (const p of elements(node.Parameters)) {
            const name = String(p.Name?.SimpleName ?? "");
            if (!allowed.includes(name)) {
                this.unsupported(p, `the ${name} parameter`);
            }
            out[name] = this.text.slice(p.Expression.TextStart, p.Expression.TextStart + p.Expression.Width).trim();
        }
        return out;
    }

    // ---------------------------------------------------------------- tabular operators

    private operator(input: Tabular, node: any, pipe: any): Tabular {
        const kind = kindName(node);
        const columns = columnsOf(pipe);
        const scope = scopeOf(input.columns, input.raw);
        switch (kind) {
            case "FilterOperator": {
                this.parameters(node, []);
                const condition = this.scalar(node.Condition, scope);
                return {
                    columns,
                    raw: input.raw,
                    run: (env) => input.run(env).filter((r) => condition(r, env) === true),
                };
            }
            case "ExtendOperator":
                return this.extend(input, node, columns);
            case "ProjectOperator":
                return this.project(input, node, columns);
            case "ProjectAwayOperator":
            case "ProjectKeepOperator":
            case "ProjectReorderOperator":
            case "ProjectRenameOperator":
                return this.reshape(input, node, columns, kind);
            case "SummarizeOperator":
                return this.summarize(input, node, columns);
            case "JoinOperator":
                return this.join(input, node, columns);
            case "MvExpandOperator":
                return this.mvExpand(input, node, columns);
            case "UnionOperator":
                return this.union(input, node, pipe);
            case "TakeOperator": {
                this.parameters(node, []);
                const count = this.scalar(node.Expression, scopeOf([]));
                return { columns, raw: input.raw, run: (env) => input.run(env).slice(0, Number(count([], env))) };
            }
            case "SortOperator": {
                this.parameters(node, []);
                const order = this.ordering(elements(node.Expressions), scope);
                return { columns, raw: input.raw, run: (env) => sortRows(input.run(env), order, env) };
            }
            case "TopOperator": {
                this.parameters(node, []);
                const count = this.scalar(node.Expression, scopeOf([]));
                const order = this.ordering([node.ByExpression], scope);
                if (columns.length !== input.columns.length) {
                    return this.unsupported(node, "top by an expression that is not a column");
                }
                return {
                    columns,
                    raw: input.raw,
                    run: (env) => sortRows(input.run(env), order, env).slice(0, Number(count([], env))),
                };
            }
            case "CountOperator":
                return { columns, raw: false, run: (env) => [[input.run(env).length]] };
            case "DistinctOperator":
                return this.distinct(input, node, columns);
            case "AsOperator":
                this.parameters(node, []);
                return { columns, raw: input.raw, run: input.run };
            case "SerializeOperator":
                if (elements(node.Expressions).length > 0) {
                    return this.unsupported(node, "serialize with columns");
                }
                return { columns, raw: input.raw, run: input.run };
            default:
                return this.unsupported(node, OPERATOR_NAMES[kind] ?? kind);
        }
    }

    private extend(input: Tabular, node: any, columns: KqlColumnType[]): Tabular {
        const out = scopeOf(columns);
        const copy = columns.map((c) => input.columns.findIndex((i) => i.name === c.name));
        // Unnamed expressions take the result's new columns in order (Column1, …).
        const fresh = columns.map((c, i) => (copy[i] < 0 ? c.name : undefined)).filter((n): n is string => n !== undefined);
        const history: { rows: Row[] } = { rows: [] };
        const steps = elements(node.Expressions).map((e) => {
            const n = named(e);
            if (n.tuple) {
                this.unsupported(e, "extend with tuple names");
            }
            const name = n.name ?? (kindName(e) === "NameReference" ? String(e.SimpleName) : fresh.shift());
            const at = name === undefined ? -1 : out.index.get(name);
            if (at === undefined || at < 0) {
                return this.unsupported(e, "an extend column the analyzer doesn't name");
            }
            if (n.name && fresh[0] === n.name) {
                fresh.shift();
            }
            // Later expressions of one extend see the columns set before them.
            return { at, value: this.scalar(n.expression, { ...out, raw: false, history }) };
        });
        return {
            columns,
            raw: false,
            run: (env) => {
                history.rows = [];
                return input.run(env).map((r) => {
                    const row = copy.map((i) => (i < 0 ? null : r[i]));
                    for (const s of steps) {
                        row[s.at] = s.value(row, env);
                    }
                    history.rows.push(row);
                    return row;
                });
            },
        };
    }

    private project(input: Tabular, node: any, columns: KqlColumnType[]): Tabular {
        const scope = scopeOf(input.columns);
        const items = elements(node.Expressions);
        if (items.length !== columns.length) {
            return this.unsupported(node, "project with wildcards or tuple names");
        }
        const values = items.map((e) => this.scalar(named(e).expression, scope));
        return { columns, raw: false, run: (env) => input.run(env).map((r) => values.map((v) => v(r, env))) };
    }

    private reshape(input: Tabular, node: any, columns: KqlColumnType[], kind: string): Tabular {
        const renamed = new Map<string, string>();
        for (const e of elements(node.Expressions)) {
            const ek = kindName(e);
            if (kind === "ProjectRenameOperator") {
                if (ek !== "SimpleNamedExpression") {
                    this.unsupported(e, "project-rename without new = old");
                }
                renamed.set(String(e.Name.SimpleName), String(e.Expression.SimpleName));
            } else if (ek !== "NameReference") {
                this.unsupported(e, `${OPERATOR_NAMES[kind]} with wildcards`);
            }
        }
        const from = columns.map((c) => input.columns.findIndex((i) => i.name === (renamed.get(c.name) ?? c.name)));
        if (from.some((i) => i < 0)) {
            return this.unsupported(node, OPERATOR_NAMES[kind]);
        }
        return { columns, raw: false, run: (env) => input.run(env).map((r) => from.map((i) => r[i])) };
    }

    private distinct(input: Tabular, node: any, columns: KqlColumnType[]): Tabular {
        this.parameters(node, []);
        const items = elements(node.Expressions);
        const scope = scopeOf(input.columns);
        const values =
            items.length === 1 && kindName(items[0]) === "StarExpression"
                ? input.columns.map((_, i) => (r: Row) => r[i])
                : items.map((e) => this.scalar(named(e).expression, scope));
        if (values.length !== columns.length) {
            return this.unsupported(node, "distinct with tuple names");
        }
        return {
            columns,
            raw: false,
            run: (env) => {
                const seen = new Map<string, Row>();
                for (const r of input.run(env)) {
                    const row = values.map((v) => v(r, env));
                    const key = JSON.stringify(row);
                    if (!seen.has(key)) {
                        seen.set(key, row);
                    }
                }
                return [...seen.values()];
            },
        };
    }

    private ordering(items: any[], scope: Scope): { value: Scalar; desc: boolean; nullsFirst: boolean }[] {
        return items.map((e) => {
            let expr = e;
            let desc = true;
            let nullsFirst: boolean | undefined;
            if (kindName(e) === "OrderedExpression") {
                expr = e.Expression;
                const ordering = e.Ordering;
                if (ordering) {
                    const word = ordering.AscOrDescKeyword ? String(ordering.AscOrDescKeyword.Text) : "";
                    desc = word !== "asc";
                    const nulls = ordering.NullsClause ? String(ordering.NullsClause.FirstOrLastKeyword.Text) : "";
                    if (nulls) {
                        nullsFirst = nulls === "first";
                    }
                }
            }
            // Kusto: nulls last when descending, first when ascending, unless told
            // (https://learn.microsoft.com/kusto/query/sort-operator).
            return { value: this.scalar(expr, scope), desc, nullsFirst: nullsFirst ?? !desc };
        });
    }

    private summarize(input: Tabular, node: any, columns: KqlColumnType[]): Tabular {
        this.parameters(node, []);
        const scope = scopeOf(input.columns);
        if (node.ByClause?.BinClause) {
            this.unsupported(node.ByClause, "summarize by with a bin= clause");
        }
        const by = elements(node.ByClause?.Expressions).map((e) => this.scalar(named(e).expression, scope));
        const taken = new Set(columns.slice(0, by.length).map((c) => c.name));
        const aggregates = elements(node.Aggregates).map((e) => this.aggregate(named(e).expression, scope, taken));
        const width = by.length + aggregates.reduce((n, a) => n + a.width, 0);
        if (width !== columns.length) {
            return this.unsupported(node, "summarize whose result columns the executor can't lay out");
        }
        const group = (rows: readonly Row[], env: Env): Groups => {
            const groups: Groups = new Map();
            for (const r of rows) {
                const key = by.map((b) => b(r, env));
                const id = by.length === 1 && typeof key[0] !== "object" ? key[0] : groupId(key);
                let g = groups.get(id);
                if (!g) {
                    g = { key, states: aggregates.map((a) => a.init()) };
                    groups.set(id, g);
                }
                for (let i = 0; i < aggregates.length; i++) {
                    g.states[i] = aggregates[i].add(g.states[i], r, env);
                }
            }
            return groups;
        };
        const finish = (groups: Groups): Row[] => {
            // Without `by`, an empty input still gives one row of each aggregate's default
            // (https://learn.microsoft.com/kusto/query/summarize-operator, "Default values of aggregations").
            if (by.length === 0 && groups.size === 0) {
                return [[...aggregates.flatMap((a) => a.result(a.init()))]];
            }
            return [...groups.values()].map((g) => [...g.key, ...g.states.flatMap((s, i) => aggregates[i].result(s))]);
        };
        const merge = (parts: readonly Groups[]): Groups => {
            const merged: Groups = new Map();
            for (const part of parts) {
                for (const [id, g] of part) {
                    const m = merged.get(id);
                    merged.set(id, m ? { key: m.key, states: m.states.map((s, i) => aggregates[i].merge(s, g.states[i])) } : g);
                }
            }
            return merged;
        };
        this.plans.set(node, { input, group, merge, finish });
        return { columns, raw: false, run: (env) => finish(group(input.run(env), env)) };
    }

    private aggregate(node: any, scope: Scope, taken: Set<string>): Aggregate {
        if (kindName(node) !== "FunctionCallExpression" || !this.builtins.has(node.ReferencedSymbol)) {
            return this.unsupported(node, "an aggregation that is not a single aggregate function call");
        }
        const name = String(node.Name.SimpleName);
        const argNodes = elements(node.ArgumentList.Expressions);
        const args = argNodes.map((a) => (kindName(a) === "StarExpression" ? undefined : this.scalar(a, scope)));
        const arg = (i: number): Scalar => {
            const a = args[i];
            if (!a) {
                return this.unsupported(node, `${name}(*)`);
            }
            return a;
        };
        const type = argNodes[0] ? typeName(argNodes[0].ResultType) : "long";
        const one = (
            init: () => unknown,
            add: (s: any, r: Row, env: Env) => unknown,
            merge: (a: any, b: any) => unknown,
            result: (s: any) => unknown = (s) => s,
        ): Aggregate => ({
            width: 1,
            init,
            add,
            merge,
            result: (s) => [result(s)],
        });
        const sum = (a: number, b: number) => a + b;
        const nullableSum = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
        const ifArg = (i: number) => arg(i);
        switch (name) {
            case "count":
                if (args.length > 0) {
                    return this.unsupported(node, "count() of an expression");
                }
                return one(
                    () => 0,
                    (s) => s + 1,
                    sum,
                );
            case "countif": {
                const p = arg(0);
                return one(
                    () => 0,
                    (s, r, env) => (p(r, env) === true ? s + 1 : s),
                    sum,
                );
            }
            case "sum":
            case "sumif": {
                const v = arg(0);
                const p = name === "sumif" ? ifArg(1) : undefined;
                return one(
                    () => null,
                    (s, r, env) => {
                        if (p && p(r, env) !== true) {
                            return s;
                        }
                        const x = v(r, env);
                        return x === null ? s : (s ?? 0) + Number(x);
                    },
                    nullableSum,
                    (s) => s ?? 0,
                );
            }
            case "min":
            case "max":
            case "minif":
            case "maxif": {
                const v = arg(0);
                const p = name.endsWith("if") ? ifArg(1) : undefined;
                const sign = name.startsWith("max") ? 1 : -1;
                return one(
                    () => null,
                    (s, r, env) => {
                        if (p && p(r, env) !== true) {
                            return s;
                        }
                        const x = v(r, env);
                        if (x === null || (type === "string" && x === "")) {
                            return s;
                        }
                        return s === null || sign * compareValues(x, s) > 0 ? x : s;
                    },
                    (a, b) => (a === null ? b : b === null ? a : sign * compareValues(b, a) > 0 ? b : a),
                );
            }
            case "avg":
            case "avgif": {
                const v = arg(0);
                const p = name === "avgif" ? ifArg(1) : undefined;
                return one(
                    () => ({ sum: 0, n: 0 }),
                    (s, r, env) => {
                        if (p && p(r, env) !== true) {
                            return s;
                        }
                        const x = v(r, env);
                        if (x !== null) {
                            s.sum += Number(x);
                            s.n++;
                        }
                        return s;
                    },
                    (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
                    (s) => (s.n === 0 ? null : s.sum / s.n),
                );
            }
            case "dcount":
            case "dcountif": {
                // Exact: Kusto's dcount estimates (HyperLogLog), exact for small sets; replays count small sets.
                const v = arg(0);
                const p = name === "dcountif" ? ifArg(1) : undefined;
                if (name === "dcount" && args.length > 1) {
                    return this.unsupported(node, "dcount() with an accuracy");
                }
                return one(
                    () => new Set<string>(),
                    (s, r, env) => {
                        if (p && p(r, env) !== true) {
                            return s;
                        }
                        const x = v(r, env);
                        if (x !== null) {
                            s.add(JSON.stringify(x));
                        }
                        return s;
                    },
                    (a, b) => new Set([...a, ...b]),
                    (s) => s.size,
                );
            }
            case "make_set":
            case "make_list": {
                const v = arg(0);
                const limit = args[1] ? Number(args[1]([], emptyEnv)) : 1_048_576;
                const set = name === "make_set";
                return one(
                    () => ({ out: [] as unknown[], seen: new Set<string>() }),
                    (s, r, env) => {
                        const x = v(r, env);
                        if (x === null || s.out.length >= limit) {
                            return s;
                        }
                        const d = toDynamic(x, type);
                        if (set) {
                            // make_set adds an array's elements (https://learn.microsoft.com/kusto/query/make-set-aggregation-function).
                            for (const item of Array.isArray(d) && type === "dynamic" ? d : [d]) {
                                const k = JSON.stringify(item);
                                if (!s.seen.has(k) && s.out.length < limit) {
                                    s.seen.add(k);
                                    s.out.push(item);
                                }
                            }
                        } else {
                            s.out.push(d);
                        }
                        return s;
                    },
                    (a, b) => {
                        const merged = { out: [...a.out], seen: new Set<string>(a.seen) };
                        for (const item of b.out) {
                            const k = JSON.stringify(item);
                            if (merged.out.length < limit && (!set || !merged.seen.has(k))) {
                                merged.seen.add(k);
                                merged.out.push(item);
                            }
                        }
                        return merged;
                    },
                    (s) => s.out,
                );
            }
            case "take_any":
            case "any": {
                if (args.length !== 1) {
                    return this.unsupported(node, `${name}() of several columns`);
                }
                const v = arg(0);
                return one(
                    () => undefined,
                    (s, r, env) => (s === undefined ? v(r, env) : s),
                    (a, b) => (a === undefined ? b : a),
                    (s) => (s === undefined ? null : s),
                );
            }
            case "arg_max":
            case "arg_min": {
                const v = arg(0);
                const sign = name === "arg_max" ? 1 : -1;
                const first = argNodes[0];
                const firstName = kindName(first) === "NameReference" ? String(first.SimpleName) : undefined;
                const picks: Scalar[] = [];
                for (const a of argNodes.slice(1)) {
                    if (kindName(a) === "StarExpression") {
                        // `*`: every input column the result doesn't have yet (not the by columns, not the first argument).
                        for (const [i, c] of scope.columns.entries()) {
                            if (!taken.has(c.name) && c.name !== firstName) {
                                picks.push((r) => r[i]);
                            }
                        }
                    } else {
                        picks.push(this.scalar(named(a).expression, scope));
                    }
                }
                return {
                    width: 1 + picks.length,
                    init: () => ({ best: null as unknown, row: undefined as Row | undefined, env: undefined as Env | undefined }),
                    add: (s: any, r: Row, env: Env) => {
                        const x = v(r, env);
                        // Rows whose value is null lose to any other; a group of only nulls keeps its first row.
                        if (s.row === undefined || (x !== null && (s.best === null || sign * compareValues(x, s.best) > 0))) {
                            s.best = x;
                            s.row = r;
                            s.env = env;
                        }
                        return s;
                    },
                    merge: (a: any, b: any) =>
                        a.row === undefined ||
                        (b.row !== undefined && b.best !== null && (a.best === null || sign * compareValues(b.best, a.best) > 0))
                            ? b
                            : a,
                    result: (s: any) =>
                        s.row === undefined ? [null, ...picks.map(() => null)] : [s.best, ...picks.map((p) => p(s.row, s.env))],
                };
            }
            default:
                return this.unsupported(node, `${name}()`);
        }
    }

    private join(left: Tabular, node: any, columns: KqlColumnType[]): Tabular {
        const params = this.parameters(node, ["kind"]);
        const kind = (params.kind ?? "innerunique").toLowerCase();
        const right = this.tabular(node.Expression);
        const clause = node.ConditionClause;
        if (kindName(clause) !== "JoinOnClause") {
            return this.unsupported(clause, "join with a where clause");
        }
        const leftScope = scopeOf(left.columns);
        const rightScope = scopeOf(right.columns);
        const keys: { left: number; right: number }[] = [];
        for (const e of elements(clause.Expressions)) {
            const k = kindName(e);
            if (k === "NameReference") {
                const name = String(e.SimpleName);
                keys.push({ left: leftScope.index.get(name) ?? -1, right: rightScope.index.get(name) ?? -1 });
            } else if (k === "EqualExpression") {
                const side = (p: any) => {
                    if (kindName(p) !== "PathExpression") {
                        return undefined;
                    }
                    const which = String(p.Expression.SimpleName);
                    const name = String(p.Selector.SimpleName);
                    return { which, at: (which === "$left" ? leftScope : rightScope).index.get(name) ?? -1 };
                };
                const a = side(e.Left);
                const b = side(e.Right);
                if (!a || !b || a.which === b.which) {
                    return this.unsupported(e, "a join condition that is not $left.A == $right.B");
                }
                keys.push(a.which === "$left" ? { left: a.at, right: b.at } : { left: b.at, right: a.at });
            } else {
                return this.unsupported(e, "a join condition that is not a column or $left.A == $right.B");
            }
        }
        if (keys.some((k) => k.left < 0 || k.right < 0)) {
            return this.unsupported(clause, "a join key the executor can't find");
        }
        const keyOf = (r: Row, side: "left" | "right"): string | undefined => {
            const values = keys.map((k) => r[k[side]]);
            // Null keys match nothing, as in SQL (Kusto's join compares with ==, and null == null is null).
            return values.some((v) => v === null) ? undefined : JSON.stringify(values);
        };
        const lw = left.columns.length;
        const rw = right.columns.length;
        const expected = kind === "leftanti" || kind === "leftsemi" ? lw : kind === "rightanti" || kind === "rightsemi" ? rw : lw + rw;
        if (expected !== columns.length) {
            return this.unsupported(node, `join kind=${kind} whose result columns the executor can't lay out`);
        }
        const known = [
            "inner",
            "innerunique",
            "leftouter",
            "rightouter",
            "fullouter",
            "leftanti",
            "rightanti",
            "leftsemi",
            "rightsemi",
            "anti",
            "leftantisemi",
            "rightantisemi",
        ];
        if (!known.includes(kind)) {
            return this.unsupported(node, `join kind=${kind}`);
        }
        if (kind === "innerunique") {
            // Which left row innerunique keeps, and whether a later filter applies before it chooses, is
            // up to Kusto's optimizer (https://learn.microsoft.com/kusto/query/join-innerunique, "Two
            // possible outputs"): a replay can't know it, so the query must name its kind.
            return this.unsupported(node, "join kind=innerunique (the default kind: name the kind)");
        }
        const k = kind === "anti" || kind === "leftantisemi" ? "leftanti" : kind === "rightantisemi" ? "rightanti" : kind;
        // An unmatched side's columns are empty: null, or "" for strings (Kusto strings are never null).
        const nullsLeft = left.columns.map((c) => (c.type === "string" ? "" : null));
        const nullsRight = right.columns.map((c) => (c.type === "string" ? "" : null));
        return {
            columns,
            raw: false,
            run: (env) => {
                const lrows = left.run(env);
                const rrows = right.run(env);
                const byKey = new Map<string, Row[]>();
                for (const r of rrows) {
                    const key = keyOf(r, "right");
                    if (key !== undefined) {
                        const list = byKey.get(key);
                        list ? list.push(r) : byKey.set(key, [r]);
                    }
                }
                const out: Row[] = [];
                const matchedRight = new Set<Row>();
                for (const l of lrows) {
                    const key = keyOf(l, "left");
                    const matches = key === undefined ? undefined : byKey.get(key);
                    if (k === "leftanti") {
                        if (!matches) {
                            out.push(l);
                        }
                        continue;
                    }
                    if (k === "leftsemi") {
                        if (matches) {
                            out.push(l);
                        }
                        continue;
                    }
                    if (matches) {
                        for (const r of matches) {
                            matchedRight.add(r);
                            if (k !== "rightanti" && k !== "rightsemi") {
                                out.push([...l, ...r]);
                            }
                        }
                    } else if (k === "leftouter" || k === "fullouter") {
                        out.push([...l, ...nullsRight]);
                    }
                }
                if (k === "rightouter" || k === "fullouter") {
                    for (const r of rrows) {
                        if (!matchedRight.has(r)) {
                            out.push([...nullsLeft, ...r]);
                        }
                    }
                }
                if (k === "rightanti" || k === "rightsemi") {
                    return rrows.filter((r) => matchedRight.has(r) === (k === "rightsemi"));
                }
                return out;
            },
        };
    }

    private mvExpand(input: Tabular, node: any, columns: KqlColumnType[]): Tabular {
        this.parameters(node, []);
        if (node.RowLimitClause) {
            this.unsupported(node.RowLimitClause, "mv-expand limit");
        }
        const scope = scopeOf(input.columns);
        const out = scopeOf(columns);
        const items = elements(node.Expressions).map((e) => {
            const inner = e.Expression;
            const n = named(inner);
            const name = n.name ?? (kindName(inner) === "NameReference" ? String(inner.SimpleName) : undefined);
            const at = name === undefined ? undefined : out.index.get(name);
            if (at === undefined) {
                return this.unsupported(e, "mv-expand of an expression without a name");
            }
            const to = e.ToTypeOf ? typeName(e.ToTypeOf.ReferencedSymbol ?? e.ResultType) : "dynamic";
            return { at, value: this.scalar(n.expression, scope), from: typeName(n.expression.ResultType), to };
        });
        const copy = columns.map((c) => input.columns.findIndex((i) => i.name === c.name));
        return {
            columns,
            raw: false,
            run: (env) => {
                const rows: Row[] = [];
                for (const r of input.run(env)) {
                    const lists = items.map((it) => {
                        const v = it.value(r, env);
                        if (it.from !== "dynamic") {
                            return [v];
                        }
                        if (Array.isArray(v)) {
                            return v;
                        }
                        // A property bag expands to one single-property bag per property.
                        if (v !== null && typeof v === "object") {
                            return Object.entries(v).map(([k, x]) => ({ [k]: x }));
                        }
                        return [v];
                    });
                    const n = Math.max(...lists.map((l) => l.length));
                    for (let i = 0; i < n; i++) {
                        const row = copy.map((c) => (c < 0 ? null : r[c]));
                        items.forEach((it, j) => {
                            const x = i < lists[j].length ? lists[j][i] : null;
                            row[it.at] = it.to === "dynamic" ? x : castOnly(x, it.to);
                        });
                        rows.push(row);
                    }
                }
                return rows;
            },
        };
    }

    private union(input: Tabular | undefined, node: any, pipe: any): Tabular {
        const params = this.parameters(node, ["isfuzzy", "kind"]);
        if (params.kind && params.kind.toLowerCase() !== "outer") {
            return this.unsupported(node, `union kind=${params.kind}`);
        }
        const columns = columnsOf(pipe);
        const legs = [...(input ? [input] : []), ...elements(node.Expressions).map((e) => this.tabular(e))];
        const maps = legs.map((leg) => columns.map((c) => leg.columns.findIndex((l) => l.name === c.name && l.type === c.type)));
        for (const [i, c] of columns.entries()) {
            if (maps.every((m) => m[i] < 0)) {
                return this.unsupported(node, `union of columns named alike with different types (${c.name})`);
            }
        }
        return {
            columns,
            raw: false,
            run: (env) => legs.flatMap((leg, i) => leg.run(env).map((r) => maps[i].map((at) => (at < 0 ? null : r[at])))),
        };
    }

    // ---------------------------------------------------------------- scalar expressions

    private scalar(node: any, scope: Scope): Scalar {
        const kind = kindName(node);
        switch (kind) {
            case "ParenthesizedExpression":
                return this.scalar(node.Expression, scope);
            case "StringLiteralExpression":
            case "BooleanLiteralExpression":
            case "LongLiteralExpression":
            case "IntLiteralExpression":
            case "RealLiteralExpression":
            case "DecimalLiteralExpression":
            case "DateTimeLiteralExpression":
            case "TimespanLiteralExpression":
            case "GuidLiteralExpression":
            case "DynamicExpression":
            case "CompoundStringLiteralExpression": {
                const value = this.literal(node, kind);
                return () => value;
            }
            case "TokenLiteralExpression":
                return this.unsupported(node, "a keyword literal");
            case "NameReference":
                return this.name(node, scope);
            case "PathExpression":
                return this.path(node, scope);
            case "ElementExpression": {
                const target = this.scalar(node.Expression, scope);
                const selector = node.Selector;
                const index = this.scalar(kindName(selector) === "BracketedExpression" ? selector.Expression : selector, scope);
                return (r, env) => element(target(r, env), index(r, env));
            }
            case "UnaryMinusExpression": {
                const v = this.scalar(node.Expression, scope);
                return (r, env) => {
                    const x = v(r, env);
                    return x === null ? null : -(x as number);
                };
            }
            case "UnaryPlusExpression":
                return this.scalar(node.Expression, scope);
            case "FunctionCallExpression":
                return this.call(node, scope);
            case "BetweenExpression":
            case "NotBetweenExpression": {
                const v = this.scalar(node.Left, scope);
                const lo = this.scalar(node.Right.First, scope);
                const hi = this.scalar(node.Right.Second, scope);
                const not = kind === "NotBetweenExpression";
                return (r, env) => {
                    const x = v(r, env);
                    const a = lo(r, env);
                    const b = hi(r, env);
                    if (x === null || a === null || b === null) {
                        return null;
                    }
                    const inside = compareValues(x, a) >= 0 && compareValues(x, b) <= 0;
                    return not ? !inside : inside;
                };
            }
            case "InExpression":
            case "NotInExpression":
            case "InCsExpression":
            case "NotInCsExpression":
                return this.inList(node, scope, kind);
            default:
                if (BINARY_NAMES[kind] && node.Left && node.Right) {
                    return this.binary(node, scope, kind);
                }
                return this.unsupported(node, BINARY_NAMES[kind] ?? kind);
        }
    }

    private literal(node: any, kind: string): unknown {
        const text = this.text.slice(node.TextStart, node.TextStart + node.Width).trim();
        const inner = /^\w+\s*\(([\s\S]*)\)$/.exec(text)?.[1]?.trim();
        if (inner !== undefined && /^null$/i.test(inner)) {
            return kind === "StringLiteralExpression" ? "" : null;
        }
        switch (kind) {
            case "StringLiteralExpression":
            case "CompoundStringLiteralExpression":
                return String(node.LiteralValue ?? "");
            case "BooleanLiteralExpression":
                return /^(bool|boolean)\s*\(/i.test(text) ? /true|1/i.test(inner ?? "") : /^true$/i.test(text);
            case "LongLiteralExpression":
            case "IntLiteralExpression":
            case "RealLiteralExpression":
            case "DecimalLiteralExpression": {
                const raw = inner ?? text;
                if (/^0x[0-9a-f]+$/i.test(raw)) {
                    return Number.parseInt(raw, 16);
                }
                if (/^[-+]?(nan)$/i.test(raw)) {
                    return Number.NaN;
                }
                if (/^[-+]?(\+?inf)$/i.test(raw)) {
                    return raw.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
                }
                const n = Number(raw);
                if (Number.isNaN(n)) {
                    return this.unsupported(node, `the literal ${text}`);
                }
                return n;
            }
            case "DateTimeLiteralExpression": {
                const v = parseDatetime(inner ?? "");
                if (v === null) {
                    return this.unsupported(node, `the literal ${text}`);
                }
                return v;
            }
            case "TimespanLiteralExpression": {
                const v = parseTimespan(text);
                if (v === null) {
                    return this.unsupported(node, `the literal ${text}`);
                }
                return v;
            }
            case "GuidLiteralExpression":
                return (inner ?? "").toLowerCase();
            case "DynamicExpression":
                try {
                    return JSON.parse(jsonText(inner ?? "null"));
                } catch {
                    return this.unsupported(node, `the dynamic literal ${text.slice(0, 40)} (not JSON)`);
                }
        }
        return this.unsupported(node, kind);
    }

    private name(node: any, scope: Scope): Scalar {
        const symbol = node.ReferencedSymbol;
        const bound = this.lets.get(symbol);
        if (bound?.scalar) {
            return bound.scalar;
        }
        if (bound?.table) {
            return this.unsupported(node, "a tabular let used as a scalar");
        }
        const kind = loadKusto().System.Enum.toString(this.L.Symbols.SymbolKind, symbol?.Kind);
        if (kind === "Column") {
            const at = scope.index.get(String(node.SimpleName));
            if (at === undefined) {
                return this.unsupported(node, `the column ${String(node.SimpleName)} here`);
            }
            return (r) => r[at];
        }
        if (kind === "Function" && this.builtins.has(symbol)) {
            // A built-in called without parentheses, e.g. `now`.
            return this.builtin(String(node.SimpleName), [], [], node, scope);
        }
        return this.unsupported(node, `a reference to ${kind} ${String(node.SimpleName)}`);
    }

    private path(node: any, scope: Scope): Scalar {
        const target = this.scalar(node.Expression, scope);
        const selector = node.Selector;
        const sk = kindName(selector);
        let key: string;
        if (sk === "NameReference") {
            key = String(selector.SimpleName);
        } else if (sk === "BracketedName") {
            key = String(selector.Name?.LiteralValue ?? "");
        } else {
            return this.unsupported(node, `a path selector ${sk}`);
        }
        return (r, env) => element(target(r, env), key);
    }

    private inList(node: any, scope: Scope, kind: string): Scalar {
        const value = this.scalar(node.Left, scope);
        const caseless = kind === "InCsExpression" || kind === "NotInCsExpression";
        const negate = kind === "NotInExpression" || kind === "NotInCsExpression";
        const valueType = typeName(node.Left.ResultType);
        const items = elements(node.Right.Expressions);
        const sources = items.map((e) => {
            if (isTabular(e)) {
                const t = this.tabular(e);
                return { table: t };
            }
            return { value: this.scalar(e, scope), type: typeName(e.ResultType) };
        });
        const norm = (x: unknown, type: string): unknown => {
            const v = type === "dynamic" || valueType === "string" ? (typeof x === "object" && x !== null ? JSON.stringify(x) : x) : x;
            return caseless && typeof v === "string" ? CASE_BLIND(v) : v;
        };
        const constant = items.every((e) => !isTabular(e) && this.isConstant(e));
        const key = {};
        const build = (r: Row, env: Env): Set<unknown> => {
            const set = new Set<unknown>();
            for (const s of sources) {
                if (s.table) {
                    for (const row of s.table.run(env)) {
                        if (row[0] !== null) {
                            set.add(norm(row[0], s.table.columns[0]?.type ?? "dynamic"));
                        }
                    }
                } else {
                    const v = s.value!(r, env);
                    if (s.type === "dynamic" && Array.isArray(v)) {
                        for (const x of v) {
                            if (x !== null) {
                                set.add(norm(x, "dynamic"));
                            }
                        }
                    } else if (v !== null) {
                        set.add(norm(v, s.type!));
                    }
                }
            }
            return set;
        };
        return (r, env) => {
            const x = value(r, env);
            if (x === null) {
                return null;
            }
            const set = constant ? memo(env, key, () => build(r, env)) : build(r, env);
            const hit = set.has(norm(x, valueType));
            return negate ? !hit : hit;
        };
    }

    /** Whether an expression's value is the same for every row: literals, lets and calls of those. */
    private isConstant(node: any): boolean {
        const kind = kindName(node);
        if (kind === "NameReference") {
            return this.lets.get(node.ReferencedSymbol)?.scalar !== undefined;
        }
        if (kind.endsWith("LiteralExpression") || kind === "DynamicExpression") {
            return true;
        }
        if (kind === "FunctionCallExpression") {
            const name = String(node.Name.SimpleName);
            return (
                !["ingestion_time", "rand", "new_guid"].includes(name) &&
                elements(node.ArgumentList.Expressions).every((a) => this.isConstant(a))
            );
        }
        if (kind === "ParenthesizedExpression") {
            return this.isConstant(node.Expression);
        }
        return false;
    }

    private binary(node: any, scope: Scope, kind: string): Scalar {
        const a = this.scalar(node.Left, scope);
        const b = this.scalar(node.Right, scope);
        const ta = typeName(node.Left.ResultType);
        const tb = typeName(node.Right.ResultType);
        const result = typeName(node.ResultType);
        const text = (v: unknown, t: string) => toKustoString(v, t);
        switch (kind) {
            case "AndExpression":
            case "OrExpression": {
                // Three-valued logic: false decides `and`, true decides `or`; otherwise null when a side is null.
                const decides = kind === "OrExpression";
                return (r, env) => {
                    const x = a(r, env);
                    if (x === decides) {
                        return decides;
                    }
                    const y = b(r, env);
                    if (y === decides) {
                        return decides;
                    }
                    return x === null || y === null ? null : !decides;
                };
            }
            case "EqualExpression":
            case "NotEqualExpression": {
                const not = kind === "NotEqualExpression";
                // "Applying the equality operator to two null values yields bool(null). Applying the equality
                // operator to a null value and a non-null value yields bool(false)" (scalar-data-types/null-values).
                return (r, env) => {
                    const x = comparable(a(r, env), ta, tb);
                    const y = comparable(b(r, env), tb, ta);
                    if (x === null && y === null) {
                        return null;
                    }
                    if (x === null || y === null) {
                        return not;
                    }
                    return sameValue(x, y) !== not;
                };
            }
            case "EqualTildeExpression":
            case "BangTildeExpression": {
                const not = kind === "BangTildeExpression";
                return (r, env) => (CASE_BLIND(text(a(r, env), ta)) === CASE_BLIND(text(b(r, env), tb))) !== not;
            }
            case "LessThanExpression":
            case "LessThanOrEqualExpression":
            case "GreaterThanExpression":
            case "GreaterThanOrEqualExpression": {
                const test =
                    kind === "LessThanExpression"
                        ? (c: number) => c < 0
                        : kind === "LessThanOrEqualExpression"
                          ? (c: number) => c <= 0
                          : kind === "GreaterThanExpression"
                            ? (c: number) => c > 0
                            : (c: number) => c >= 0;
                return (r, env) => {
                    const x = comparable(a(r, env), ta, tb);
                    const y = comparable(b(r, env), tb, ta);
                    if (x === null || y === null) {
                        return null;
                    }
                    if (typeof x === "number" && typeof y === "number" && (Number.isNaN(x) || Number.isNaN(y))) {
                        return false;
                    }
                    return test(compareValues(x, y));
                };
            }
            case "AddExpression":
            case "SubtractExpression":
            case "MultiplyExpression":
            case "DivideExpression":
            case "ModuloExpression": {
                const integral = result === "long" || result === "int";
                const op =
                    kind === "AddExpression"
                        ? (x: number, y: number) => x + y
                        : kind === "SubtractExpression"
                          ? (x: number, y: number) => x - y
                          : kind === "MultiplyExpression"
                            ? (x: number, y: number) => x * y
                            : kind === "DivideExpression"
                              ? (x: number, y: number) => (integral ? (y === 0 ? null : Math.trunc(x / y)) : x / y)
                              : // "0 ≤ (N % D) < abs(D)": -14 % 12 is 10 (https://learn.microsoft.com/kusto/query/numerical-operators).
                                (x: number, y: number) => (y === 0 ? null : ((x % Math.abs(y)) + Math.abs(y)) % Math.abs(y));
                if (![ta, tb].every((t) => NUMERIC.has(t) || t === "datetime" || t === "timespan" || t === "dynamic")) {
                    return this.unsupported(node, `${BINARY_NAMES[kind]} on ${ta} and ${tb}`);
                }
                // A timespan divided by a timespan is a number of them; times a number, still a timespan (ms).
                return (r, env) => {
                    const x = a(r, env);
                    const y = b(r, env);
                    if (typeof x !== "number" || typeof y !== "number") {
                        return null;
                    }
                    const v = op(x, y);
                    return v === null ? null : integral && typeof v === "number" && !Number.isFinite(v) ? null : v;
                };
            }
        }
        const cs = /Cs|_cs/.test(kind);
        const not = kind.startsWith("Not");
        const tests: Record<string, (t: string, n: string) => boolean> = {
            Has: (t, n) => hasTerm(t, n, cs),
            Contains: (t, n) => (cs ? t.includes(n) : CASE_BLIND(t).includes(CASE_BLIND(n))),
            StartsWith: (t, n) => (cs ? t.startsWith(n) : CASE_BLIND(t).startsWith(CASE_BLIND(n))),
            EndsWith: (t, n) => (cs ? t.endsWith(n) : CASE_BLIND(t).endsWith(CASE_BLIND(n))),
        };
        const family = Object.keys(tests).find((f) => kind.replace(/^Not/, "").startsWith(f));
        if (!family || /HasAny|HasAll|HasPrefix|HasSuffix/.test(kind)) {
            return this.unsupported(node, BINARY_NAMES[kind] ?? kind);
        }
        const test = tests[family];
        return (r, env) => test(text(a(r, env), ta), text(b(r, env), tb)) !== not;
    }

    private call(node: any, scope: Scope): Scalar {
        const symbol = node.ReferencedSymbol;
        const name = String(node.Name.SimpleName);
        if (!this.builtins.has(symbol)) {
            return this.unsupported(node, `${name}() (not a built-in function)`);
        }
        const argNodes = elements(node.ArgumentList.Expressions);
        return this.builtin(
            name,
            argNodes,
            argNodes.map((a) => typeName(a.ResultType)),
            node,
            scope,
        );
    }

    private builtin(name: string, argNodes: any[], types: string[], node: any, scope: Scope): Scalar {
        if (name === "column_ifexists") {
            const column = String(argNodes[0]?.LiteralValue ?? "");
            const at = scope.index.get(column);
            return at === undefined ? this.scalar(argNodes[1], scope) : (r) => r[at];
        }
        if (name === "ingestion_time") {
            if (!scope.raw) {
                return this.unsupported(node, "ingestion_time() after an operator that builds new rows");
            }
            const width = scope.columns.length;
            return (r) => (r.length > width ? (r[width] as number) : null);
        }
        if (name === "prev") {
            // The rows an extend has done so far, in order: its input must be serialized (sort, serialize), which the analyzer checks.
            const history = scope.history;
            if (!history) {
                return this.unsupported(node, "prev() outside extend");
            }
            const column = this.scalar(argNodes[0], scope);
            const offset = argNodes[1] ? this.scalar(argNodes[1], scope) : () => 1;
            const fallback = argNodes[2] ? this.scalar(argNodes[2], scope) : () => null;
            return (r, env) => {
                const back = Number(offset(r, env));
                const earlier = history.rows[history.rows.length - back];
                return earlier === undefined ? fallback(r, env) : column(earlier, env);
            };
        }
        const args = argNodes.map((a) => this.scalar(a, scope));
        const result = typeName(node.ResultType);
        const unary = (f: (x: any) => unknown, nullIn = true): Scalar => {
            const [a] = args;
            return (r, env) => {
                const x = a(r, env);
                return nullIn && x === null ? null : f(x);
            };
        };
        switch (name) {
            case "now": {
                const offset = args[0];
                return (r, env) => env.now + (offset ? ((offset(r, env) as number) ?? 0) : 0);
            }
            case "ago": {
                const [a] = args;
                return (r, env) => {
                    const x = a(r, env);
                    return x === null ? null : env.now - (x as number);
                };
            }
            case "bin":
            case "floor": {
                const [a, b] = args;
                return (r, env) => {
                    const x = a(r, env) as number | null;
                    const s = b(r, env) as number | null;
                    if (x === null || s === null || s <= 0) {
                        return null;
                    }
                    if (types[0] === "datetime") {
                        return binDatetime(x, s);
                    }
                    return Math.floor(x / s) * s;
                };
            }
            case "iff":
            case "iif": {
                const [c, t, f] = args;
                const tt = types[1];
                const tf = types[2];
                return (r, env) => (c(r, env) === true ? coerce(t(r, env), tt, result) : coerce(f(r, env), tf, result));
            }
            case "case": {
                return (r, env) => {
                    for (let i = 0; i + 1 < args.length; i += 2) {
                        if (args[i](r, env) === true) {
                            return coerce(args[i + 1](r, env), types[i + 1], result);
                        }
                    }
                    return coerce(args[args.length - 1](r, env), types[args.length - 1], result);
                };
            }
            case "isempty":
            case "isnotempty": {
                const not = name === "isnotempty";
                return unary((x) => (x === null || x === "") !== not, false);
            }
            case "isnull":
            case "isnotnull": {
                const not = name === "isnotnull";
                return unary((x) => (x === null) !== not, false);
            }
            case "not":
                return unary((x) => !x);
            case "tostring":
                return unary((x) => toKustoString(x, types[0]), false);
            case "toint":
            case "tolong":
            case "todouble":
            case "toreal":
            case "tobool":
            case "toboolean":
            case "todatetime":
            case "totimespan": {
                const to = {
                    toint: "int",
                    tolong: "long",
                    todouble: "real",
                    toreal: "real",
                    tobool: "bool",
                    toboolean: "bool",
                    todatetime: "datetime",
                    totimespan: "timespan",
                }[name] as string;
                return unary((x) => convert(x, types[0], to));
            }
            case "todynamic":
            case "parse_json":
                return unary((x) => {
                    if (types[0] !== "string") {
                        return toDynamic(x, types[0]);
                    }
                    return parseJson(x as string);
                });
            case "array_length":
                return unary((x) => (Array.isArray(x) ? x.length : null));
            case "pack_array":
                return (r, env) => args.map((a, i) => toDynamic(a(r, env), types[i]));
            case "tolower":
                return unary((x) => CASE_BLIND(toKustoString(x, types[0])), false);
            case "toupper":
                return unary((x) => toKustoString(x, types[0]).toUpperCase(), false);
            case "strlen":
                return unary((x) => [...toKustoString(x, types[0])].length, false);
            case "strcat":
                return (r, env) => args.map((a, i) => toKustoString(a(r, env), types[i])).join("");
            case "substring": {
                return (r, env) => {
                    const s = [...toKustoString(args[0](r, env), types[0])];
                    let start = Number(args[1](r, env));
                    // A negative start counts from the end: substring("123456", -2, 2) is "56".
                    if (start < 0) {
                        start = Math.max(0, s.length + start);
                    }
                    const length = args[2] ? Number(args[2](r, env)) : s.length;
                    return s.slice(start, start + length).join("");
                };
            }
            case "coalesce":
                return (r, env) => {
                    for (const a of args) {
                        const v = a(r, env);
                        if (v !== null && !(result === "string" && v === "")) {
                            return v;
                        }
                    }
                    return result === "string" ? "" : null;
                };
            case "startofday": {
                if (args.length > 1) {
                    return this.unsupported(node, "startofday() with an offset");
                }
                return unary((x: number) => Math.floor(x / 86_400_000) * 86_400_000);
            }
            case "datetime_diff": {
                const part = String(argNodes[0]?.LiteralValue ?? "").toLowerCase();
                const units: Record<string, number> = {
                    day: 86_400_000,
                    hour: 3_600_000,
                    minute: 60_000,
                    second: 1000,
                    millisecond: 1,
                };
                const unit = units[part];
                if (!unit) {
                    return this.unsupported(node, `datetime_diff('${part}')`);
                }
                // A calendar difference: both truncated to the part first (https://learn.microsoft.com/kusto/query/datetime-diff-function).
                return (r, env) => {
                    const x = args[1](r, env) as number | null;
                    const y = args[2](r, env) as number | null;
                    if (x === null || y === null) {
                        return null;
                    }
                    return Math.floor((x - DATETIME_ORIGIN_MS) / unit) - Math.floor((y - DATETIME_ORIGIN_MS) / unit);
                };
            }
            case "split":
                return (r, env) => {
                    const parts = toKustoString(args[0](r, env), types[0]).split(toKustoString(args[1](r, env), types[1]));
                    if (args[2]) {
                        const i = Number(args[2](r, env));
                        return i >= 0 && i < parts.length ? [parts[i]] : [];
                    }
                    return parts;
                };
            case "set_has_element":
                return (r, env) => {
                    const set = args[0](r, env);
                    const v = toDynamic(args[1](r, env), types[1]);
                    return Array.isArray(set) ? set.some((x) => sameValue(x, v)) : null;
                };
            case "bag_keys":
                return unary((x) => (x !== null && typeof x === "object" && !Array.isArray(x) ? Object.keys(x) : null));
            case "max_of":
            case "min_of": {
                const sign = name === "max_of" ? 1 : -1;
                return (r, env) => {
                    let best: unknown = null;
                    for (const a of args) {
                        const v = a(r, env);
                        if (v !== null && (best === null || sign * compareValues(v, best) > 0)) {
                            best = v;
                        }
                    }
                    return best;
                };
            }
            case "abs":
                return unary((x: number) => Math.abs(x));
            case "round": {
                return (r, env) => {
                    const x = args[0](r, env) as number | null;
                    const digits = args[1] ? Number(args[1](r, env)) : 0;
                    if (x === null) {
                        return null;
                    }
                    const f = 10 ** digits;
                    // Half away from zero, as .NET's Math.Round(x, MidpointRounding.AwayFromZero).
                    return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
                };
            }
        }
        return this.unsupported(node, `${name}()`);
    }
}

interface Aggregate {
    readonly width: number;
    init(): any;
    add(state: any, row: Row, env: Env): any;
    /** The state of both parts' rows, as a new state (parts may be kept and merged again). */
    merge(a: any, b: any): any;
    result(state: any): unknown[];
}

/**
 * A dynamic literal's text as JSON: Kusto also takes single-quoted strings
 * (https://learn.microsoft.com/kusto/query/scalar-data-types/dynamic).
 */
function jsonText(text: string): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '"' || c === "'") {
            const end = closing(text, i, c);
            out += c === '"' ? text.slice(i, end + 1) : JSON.stringify(text.slice(i + 1, end).replace(/\\(.)/g, "$1"));
            i = end;
        } else {
            out += c;
        }
    }
    return out;
}

function closing(text: string, open: number, quote: string): number {
    for (let i = open + 1; i < text.length; i++) {
        if (text[i] === "\\") {
            i++;
        } else if (text[i] === quote) {
            return i;
        }
    }
    throw new SyntaxError("unterminated string");
}

/**
 * parse_json() of a string, remembered: the logs repeat the same JSON text (an app's service
 * principal) on every row, and dynamic values are never changed in place.
 */
const parsed = new Map<string, unknown>();
function parseJson(text: string): unknown {
    // isnull(parse_json("")) is true (https://learn.microsoft.com/kusto/query/isnull-function).
    if (text.trim() === "") {
        return null;
    }
    let v = parsed.get(text);
    if (v === undefined) {
        try {
            v = JSON.parse(text);
        } catch {
            // Not JSON: the string itself, as a dynamic string (https://learn.microsoft.com/kusto/query/parse-json-function).
            v = text;
        }
        if (parsed.size > 100_000) {
            parsed.clear();
        }
        parsed.set(text, v);
    }
    return v;
}

const emptyEnv: Env = { now: 0, tables: {}, values: new Map() };

/** A group's identity from its key values: JSON is exact but slow, and most keys are strings and numbers. */
function groupId(key: readonly unknown[]): string {
    let id = "";
    for (const k of key) {
        const t = typeof k;
        id +=
            t === "string"
                ? `s${(k as string).length}:${k}`
                : t === "number" || t === "boolean"
                  ? `${t[0]}${k};`
                  : `j${JSON.stringify(k)};`;
    }
    return id;
}

function memo<T>(env: Env, key: unknown, make: () => T): T {
    if (env.values.has(key)) {
        return env.values.get(key) as T;
    }
    const v = make();
    env.values.set(key, v);
    return v;
}

function named(e: any): { name?: string; tuple?: boolean; expression: any } {
    const kind = kindName(e);
    if (kind === "SimpleNamedExpression") {
        return { name: String(e.Name.SimpleName), expression: e.Expression };
    }
    if (kind === "CompoundNamedExpression") {
        return { tuple: true, expression: e.Expression };
    }
    return { expression: e };
}

/** A value of `from` used as `to` (iff's branches, datatable cells): numbers widen, null stays null. */
function coerce(value: unknown, from: string, to: string): unknown {
    if (value === null || from === to || (NUMERIC.has(from) && NUMERIC.has(to))) {
        return value === null && to === "string" ? "" : value;
    }
    return convert(value, from, to);
}

/** A dynamic value compared with a typed one is read as that type first. */
function comparable(value: unknown, type: string, other: string): unknown {
    if (value === null) {
        return null;
    }
    if (type === "dynamic" && other !== "dynamic") {
        if (other === "string") {
            return typeof value === "string" ? value : JSON.stringify(value);
        }
        return fromDynamic(value, other);
    }
    return value;
}

/** A dynamic value read as a typed one (`to typeof(T)`, comparisons): datetimes and timespans from their strings. */
function fromDynamic(value: unknown, to: string): unknown {
    if (value === null) {
        return to === "string" ? "" : null;
    }
    if (to === "string") {
        return typeof value === "string" ? value : JSON.stringify(value);
    }
    return convert(value, typeof value === "string" ? "string" : "dynamic", to);
}

/**
 * mv-expand's `to typeof(T)`: "cast-only and doesn't include parsing or type-conversion. Array
 * elements that don't conform with the declared type become null values"
 * (https://learn.microsoft.com/kusto/query/mv-expand-operator).
 */
function castOnly(value: unknown, to: string): unknown {
    const fits =
        to === "string" || to === "guid"
            ? typeof value === "string"
            : to === "long" || to === "int"
              ? typeof value === "number" && Number.isInteger(value)
              : to === "real" || to === "decimal"
                ? typeof value === "number"
                : to === "bool"
                  ? typeof value === "boolean"
                  : false;
    if (fits) {
        return value;
    }
    return to === "string" ? "" : null;
}

/** `a.b`, `a["b"]`, `a[0]`, `a[-1]` on a dynamic value; null when absent. */
function element(target: unknown, key: unknown): unknown {
    if (target === null || typeof target !== "object") {
        return null;
    }
    if (Array.isArray(target)) {
        if (typeof key !== "number") {
            return null;
        }
        const i = key < 0 ? target.length + key : key;
        return i >= 0 && i < target.length ? (target[i] ?? null) : null;
    }
    if (typeof key !== "string") {
        return null;
    }
    const v = (target as Record<string, unknown>)[key];
    return v === undefined ? null : v;
}

function sortRows(rows: Row[], order: { value: Scalar; desc: boolean; nullsFirst: boolean }[], env: Env): Row[] {
    const keyed = rows.map((r) => ({ r, k: order.map((o) => o.value(r, env)) }));
    keyed.sort((x, y) => {
        for (let i = 0; i < order.length; i++) {
            const a = x.k[i];
            const b = y.k[i];
            if (a === null || b === null) {
                if (a === b) {
                    continue;
                }
                return (a === null) === order[i].nullsFirst ? -1 : 1;
            }
            const c = compareValues(a, b);
            if (c !== 0) {
                return order[i].desc ? -c : c;
            }
        }
        return 0;
    });
    return keyed.map((x) => x.r);
}

/** A table's rows laid out in the analyzer's column order (by name; a column the table lacks is null). */
function alignRows(table: KqlTable, columns: readonly KqlColumnType[], name: string): Row[] {
    const same = table.columns.length === columns.length && table.columns.every((c, i) => c.name === columns[i].name);
    if (same) {
        return table.rows as Row[];
    }
    const from = columns.map((c) => table.columns.findIndex((t) => t.name === c.name));
    const width = table.columns.length;
    if (from.every((i) => i < 0) && table.rows.length > 0) {
        throw new Error(`table ${name} has none of the columns its schema lists`);
    }
    return table.rows.map((r) => {
        const row = from.map((i, j) => (i < 0 ? (columns[j].type === "string" ? "" : null) : r[i]));
        if (r.length > width) {
            row.push(r[width]);
        }
        return row;
    });
}
