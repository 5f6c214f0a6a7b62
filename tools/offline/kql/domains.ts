import type { KqlUndocumented } from "./analyzer";

/**
 * The documented-values part of the KQL check: string literals compared with an enumerated column
 * (tables.json "domains") and JSON keys read from a JSON-bearing column (tables.json "jsonKeys") that
 * Microsoft's documentation doesn't list. Both are valid KQL the analyzer accepts, and both make a
 * query match nothing: `ResultType == "failure"` (the values are Success, Failure, ...),
 * `parse_json(ServicePrincipal).name` (the key is Name). Found on Kusto.Language's syntax tree, with
 * the columns traced through `extend`/`project`/`summarize` assignments, `parse_json`/`todynamic`/
 * `tostring`/`tolower`/`toupper`, `mv-expand` and `let`.
 */

/** A JSON value as documented: an object with these keys only, an array of items, a value, or content left open. */
export type JsonShape = "string" | "any" | { readonly keys: Readonly<Record<string, JsonShape>> } | { readonly items: JsonShape };

/** The documented values of an enumerated column; with `when`, only for rows where another column has a value. */
export interface DomainSpec {
    readonly values: readonly string[];
    readonly when?: { readonly column: string; readonly is: string };
    readonly source: string;
}

export type JsonKeysSpec = Exclude<JsonShape, string> & { readonly source: string };

export interface DocumentedFacts {
    readonly domains: Readonly<Record<string, DomainSpec>>;
    readonly jsonKeys: Readonly<Record<string, JsonKeysSpec>>;
}

/** A column of a table or workspace function, as `Table.Column`, with its Kusto type. */
export interface BaseColumn {
    readonly column: string;
    readonly type: string;
}

/** Checks the shape of the "domains" and "jsonKeys" sections of tables.json: one line naming the entry and the rule. */
export function documentedFacts(
    raw: { domains?: Record<string, unknown>; jsonKeys?: Record<string, unknown> },
    file: string,
): DocumentedFacts {
    const entries = (section: Record<string, unknown> | undefined) => Object.entries(section ?? {}).filter(([k]) => !k.startsWith("$"));
    const fail = (where: string, rule: string): never => {
        throw new Error(`${file}: ${where} ${rule}`);
    };
    const isShape = (s: unknown): boolean =>
        s === "string" ||
        s === "any" ||
        (typeof s === "object" &&
            s !== null &&
            ("keys" in s
                ? typeof s.keys === "object" && s.keys !== null && Object.values(s.keys).every(isShape)
                : "items" in s && isShape(s.items)));
    for (const [name, d] of entries(raw.domains)) {
        const spec = (typeof d === "object" && d !== null ? d : {}) as Partial<DomainSpec>;
        if (!Array.isArray(spec.values) || !spec.values.every((v) => typeof v === "string") || typeof spec.source !== "string") {
            fail(`domains.${name}`, "needs values (strings) and a source");
        }
        if (spec.when && (typeof spec.when.column !== "string" || typeof spec.when.is !== "string")) {
            fail(`domains.${name}.when`, "needs a column and the value it is");
        }
    }
    for (const [name, s] of entries(raw.jsonKeys)) {
        if (typeof s !== "object" || s === null || typeof (s as { source?: unknown }).source !== "string" || !isShape(s)) {
            fail(`jsonKeys.${name}`, 'needs a source and "keys" or "items" (each "string", "any", {"keys": …} or {"items": …})');
        }
    }
    return {
        domains: Object.fromEntries(entries(raw.domains)) as Record<string, DomainSpec>,
        jsonKeys: Object.fromEntries(entries(raw.jsonKeys)) as Record<string, JsonKeysSpec>,
    };
}

/** How a comparison operator matches a value: whole or in part, and whether case matters. */
interface Operator {
    readonly match: "whole" | "part" | "start" | "end";
    readonly caseSensitive: boolean;
    /** The column is on the left and the values a list: `in`, `has_any`. */
    readonly list?: boolean;
    /** Either side may be the column: `"Failure" == ResultType`. */
    readonly symmetric?: boolean;
}

// By the operator as written (https://learn.microsoft.com/kusto/query/datatypes-string-operators). has and
// its kin match whole terms; accepting any part of a value keeps the check from flagging a valid term.
const OPERATORS: Readonly<Record<string, Operator>> = (() => {
    const ops: Record<string, Operator> = {
        "==": { match: "whole", caseSensitive: true, symmetric: true },
        "!=": { match: "whole", caseSensitive: true, symmetric: true },
        "=~": { match: "whole", caseSensitive: false, symmetric: true },
        "!~": { match: "whole", caseSensitive: false, symmetric: true },
        in: { match: "whole", caseSensitive: true, list: true },
        "!in": { match: "whole", caseSensitive: true, list: true },
        "in~": { match: "whole", caseSensitive: false, list: true },
        "!in~": { match: "whole", caseSensitive: false, list: true },
        has_any: { match: "part", caseSensitive: false, list: true },
        has_all: { match: "part", caseSensitive: false, list: true },
    };
    const kinds: Array<[string[], Operator["match"]]> = [
        [["has", "contains", "hasprefix", "hassuffix"], "part"],
        [["startswith"], "start"],
        [["endswith"], "end"],
    ];
    for (const [names, match] of kinds) {
        for (const n of names) {
            for (const not of ["", "!"]) {
                ops[`${not}${n}`] = { match, caseSensitive: false };
                ops[`${not}${n}_cs`] = { match, caseSensitive: true };
            }
        }
    }
    return ops;
})();

/** A step of a JSON path: a key, an index, an element of `mv-expand`, or `parse_json` applied again. */
type Step =
    | { readonly key: string; readonly start: number; readonly end: number }
    | { readonly index: string; readonly start: number; readonly end: number }
    | { readonly expanded: true }
    | { readonly reparsed: true };

/** Where a value comes from: a table column, a path into it, and what was done to it. */
interface Origin {
    readonly column: string;
    readonly steps: readonly Step[];
    /** Dynamic (a parsed JSON value) rather than text: a path can be read from it. */
    readonly dynamic: boolean;
    readonly transform?: "tolower" | "toupper";
}

/**
 * The origins of a tabular expression's columns where they differ from the tables', by column symbol;
 * and its scope: the rows it stands for, which the filters of its pipeline and of the lets it reads restrict.
 */
class Env extends Map<unknown, Origin | undefined> {
    constructor(
        readonly scope: number,
        entries?: Iterable<readonly [unknown, Origin | undefined]>,
    ) {
        super(entries);
    }
}

const JSON_FUNCTIONS = new Set(["parse_json", "todynamic"]);
const CASE_FUNCTIONS = new Set(["tolower", "toupper"]);
const ELLIPSIS = "\u2026";

/**
 * The undocumented values and keys a parsed query uses. `L` is Kusto.Language; `base` maps the
 * column symbols of the tables and workspace functions to their names.
 */
export function undocumentedUses(
    L: any,
    root: any,
    query: string,
    base: ReadonlyMap<unknown, BaseColumn>,
    facts: DocumentedFacts,
    at: (offset: number) => { line: number; column: number },
): KqlUndocumented[] {
    return new Walk(L, query, base, facts, at).run(root);
}

interface Comparison {
    readonly subject: string;
    readonly transform?: Origin["transform"];
    readonly operator: string;
    readonly literals: ReadonlyArray<{ readonly value: string; readonly node: any }>;
    readonly text: string;
    /** The rows compared (Env.scope). */
    readonly scope: number;
}

class Walk {
    private readonly Kind: any;
    private readonly letEnvs = new Map<unknown, Env>();
    /** Each scope's parent: the scope of the let a pipeline starts from. */
    private readonly scopes: Array<number | undefined> = [];
    private readonly comparisons: Comparison[] = [];
    private readonly found: KqlUndocumented[] = [];
    private readonly reported = new Set<number>();

    constructor(
        private readonly L: any,
        private readonly query: string,
        private readonly base: ReadonlyMap<unknown, BaseColumn>,
        private readonly facts: DocumentedFacts,
        private readonly at: (offset: number) => { line: number; column: number },
    ) {
        this.Kind = L.Syntax.SyntaxKind;
    }

    run(root: any): KqlUndocumented[] {
        this.scalar(root, this.newEnv());
        this.checkValues();
        return this.found.sort((a, b) => a.start - b.start);
    }

    // ---- walking: a tabular expression gives the origins of its columns; scalar code reads them.

    private isTable(node: any): boolean {
        return node?.ResultType?.Kind === this.L.Symbols.SymbolKind.Table;
    }

    /** The origins of the columns of a tabular expression's result, where they differ from the tables'. */
    private tabular(node: any): Env {
        const K = this.Kind;
        switch (node.Kind) {
            case K.PipeExpression:
                return this.operator(node.Operator, this.tabular(node.Expression));
            case K.ParenthesizedExpression:
                return this.tabular(node.Expression);
            case K.NameReference:
                return this.newEnv(this.letEnvs.get(node.ReferencedSymbol));
            default:
                // A query operator that starts a query (union, datatable, ...) or an expression giving a table.
                return this.operator(node, this.newEnv());
        }
    }

    /** Reads a query operator's expressions with the columns' origins `env`, and gives those of its result. */
    private operator(op: any, env: Env): Env {
        const K = this.Kind;
        const nested: Env[] = [];
        this.children(op, env, nested);
        const out = new Env(env.scope, env);
        // Columns of joined, looked-up and unioned tables (the analyzer renames a clash, e.g. App1).
        for (const e of nested) {
            for (const [symbol, origin] of e) {
                if (!out.has(symbol)) {
                    out.set(symbol, origin);
                }
            }
        }
        if (op.Kind === K.MvExpandOperator) {
            // mv-expand X, or mv-expand Name = X: each row holds one element of the array.
            for (const item of this.descendants(op, (n) => n.Kind === K.MvExpandExpression)) {
                const e = item.Expression;
                if (e?.Kind === K.SimpleNamedExpression) {
                    out.set(e.Name.ReferencedSymbol, this.expand(this.origin(e.Expression, env)));
                } else if (e?.Kind === K.NameReference && e.ReferencedSymbol) {
                    out.set(e.ReferencedSymbol, this.expand(this.origin(e, env)));
                }
            }
        } else {
            for (const named of this.descendants(op, (n) => n.Kind === K.SimpleNamedExpression)) {
                const symbol = named.Name?.ReferencedSymbol;
                if (symbol) {
                    out.set(symbol, this.origin(named.Expression, env));
                }
            }
        }
        return out;
    }

    /** A new scope: a query of its own, or one reading a let's rows (`from`), whose columns it starts with. */
    private newEnv(from?: Env): Env {
        this.scopes.push(from?.scope);
        return new Env(this.scopes.length - 1, from);
    }

    /** The scope and those whose rows it reads. */
    private lineage(scope: number): number[] {
        const found: number[] = [];
        for (let s: number | undefined = scope; s !== undefined; s = this.scopes[s]) {
            found.push(s);
        }
        return found;
    }

    private expand(o: Origin | undefined): Origin | undefined {
        return o?.dynamic ? { ...o, steps: [...o.steps, { expanded: true }], transform: undefined } : undefined;
    }

    /** Nodes under `node` matching `test`, not looking inside nested queries. */
    private descendants(node: any, test: (n: any) => boolean): any[] {
        const found: any[] = [];
        const visit = (n: any) => {
            for (let i = 0; i < n.ChildCount; i++) {
                const c = n.GetChild(i);
                if (!c || c.IsToken || this.startsQuery(c)) {
                    continue;
                }
                if (test(c)) {
                    found.push(c);
                }
                visit(c);
            }
        };
        visit(node);
        return found;
    }

    private startsQuery(n: any): boolean {
        const K = this.Kind;
        return n.Kind === K.PipeExpression || (n.Kind === K.ParenthesizedExpression && this.isTable(n));
    }

    private children(node: any, env: Env, nested?: Env[]): void {
        for (let i = 0; i < node.ChildCount; i++) {
            this.scalar(node.GetChild(i), env, nested);
        }
    }

    /** Visits scalar code (and the statements of the query), with the columns' origins `env`. */
    private scalar(node: any, env: Env, nested?: Env[]): void {
        const K = this.Kind;
        if (!node || node.IsToken) {
            return;
        }
        if (node.Kind === K.LetStatement) {
            if (this.isTable(node.Expression)) {
                this.letEnvs.set(node.Name?.ReferencedSymbol, this.tabular(node.Expression));
            } else {
                this.scalar(node.Expression, this.newEnv());
            }
            return;
        }
        if (this.startsQuery(node)) {
            const result = this.tabular(node);
            nested?.push(result);
            return;
        }
        if (node.Kind === K.NameReference && this.letEnvs.has(node.ReferencedSymbol)) {
            nested?.push(this.newEnv(this.letEnvs.get(node.ReferencedSymbol)));
            return;
        }
        if (node.Kind === K.PathExpression || node.Kind === K.ElementExpression) {
            this.checkPath(node, env);
        }
        const op = OPERATORS[String(node.Operator?.Text ?? "")];
        if (op && node.Left && node.Right) {
            this.compare(node, op, env);
        }
        this.children(node, env, nested);
    }

    // ---- origins

    private origin(node: any, env: Env): Origin | undefined {
        const K = this.Kind;
        switch (node?.Kind) {
            case K.NameReference: {
                const symbol = node.ReferencedSymbol;
                return symbol?.Kind === this.L.Symbols.SymbolKind.Column ? this.columnOrigin(symbol, env) : undefined;
            }
            case K.ParenthesizedExpression:
                return this.origin(node.Expression, env);
            case K.FunctionCallExpression: {
                const name = String(node.ReferencedSymbol?.Name ?? "");
                const args = this.items(node.ArgumentList?.Expressions).map((e) => e.Element);
                const o = args.length === 1 ? this.origin(args[0], env) : undefined;
                if (!o) {
                    return undefined;
                }
                if (JSON_FUNCTIONS.has(name)) {
                    return {
                        ...o,
                        dynamic: true,
                        transform: undefined,
                        steps: o.steps.length > 0 ? [...o.steps, { reparsed: true }] : o.steps,
                    };
                }
                if (name === "tostring") {
                    return { ...o, dynamic: false };
                }
                if (CASE_FUNCTIONS.has(name)) {
                    return { ...o, dynamic: false, transform: name as Origin["transform"] };
                }
                return undefined;
            }
            case K.PathExpression:
            case K.ElementExpression: {
                const o = this.origin(node.Expression, env);
                // A path read from text is the analyzer's error (KS...), not this check's.
                const step = o?.dynamic ? this.step(node.Selector) : undefined;
                return step && o ? { ...o, steps: [...o.steps, step], transform: undefined } : undefined;
            }
            default:
                return undefined;
        }
    }

    private columnOrigin(symbol: any, env: Env): Origin | undefined {
        if (env.has(symbol)) {
            return env.get(symbol);
        }
        const b = this.base.get(symbol);
        if (b) {
            return { column: b.column, steps: [], dynamic: b.type === "dynamic" };
        }
        // A column a union or join made of others: known when they all come from the same column.
        const originals = this.items(symbol.OriginalColumns)
            .filter((c) => c !== symbol)
            .map((c) => this.columnOrigin(c, env));
        const first = originals[0];
        return first && originals.every((o) => o && o.column === first.column && o.steps.length === 0 && o.dynamic === first.dynamic)
            ? first
            : undefined;
    }

    private step(selector: any): Step | undefined {
        const K = this.Kind;
        const span = { start: selector.TextStart, end: selector.TextStart + selector.Width };
        if (selector?.Kind === K.NameReference) {
            return { key: String(selector.SimpleName), ...span };
        }
        if (selector?.Kind === K.BracketedExpression) {
            const e = selector.Expression;
            if (e?.Kind === K.StringLiteralExpression) {
                return { key: String(e.LiteralValue), ...span };
            }
            const number = e?.Kind === K.UnaryMinusExpression ? e.Expression : e;
            if (number?.Kind === K.LongLiteralExpression || number?.Kind === K.IntLiteralExpression) {
                return { index: this.text(selector), ...span };
            }
        }
        return undefined;
    }

    // ---- JSON paths

    private checkPath(node: any, env: Env): void {
        const o = this.origin(node, env);
        const spec = o && this.facts.jsonKeys[o.column];
        if (!o || !spec) {
            return;
        }
        let shape: JsonShape = spec;
        let where = o.column;
        for (const s of o.steps) {
            if ("reparsed" in s) {
                // parse_json of a text value (e.g. a modified property's newValue): its content is open.
                shape = shape === "string" ? "any" : shape;
                continue;
            }
            if (shape === "any") {
                return;
            }
            if ("expanded" in s) {
                // mv-expand of an object gives its properties as one-key bags; of an array, its items.
                if (shape === "string" || !("items" in shape)) {
                    return;
                }
                shape = shape.items;
                where += "[]";
                continue;
            }
            const read = "key" in s ? `.${s.key}` : s.index;
            let problem: string | undefined;
            if (shape === "string") {
                problem = `${where} is a value, not an object or array, so ${read} gives null`;
            } else if ("items" in shape) {
                if ("index" in s) {
                    shape = shape.items;
                    where += "[]";
                    continue;
                }
                problem = `${where} is an array, so ${read} gives null: index it ([0], [-1]) or mv-expand it first`;
            } else if ("index" in s) {
                problem = `${where} is an object, not an array, so ${read} gives null; its keys: ${Object.keys(shape.keys).join(", ")}`;
            } else if (!Object.hasOwn(shape.keys, s.key)) {
                problem = `'${s.key}' is not a documented key of ${where}; its keys (case-sensitive): ${Object.keys(shape.keys).join(", ")}`;
            } else {
                shape = shape.keys[s.key];
                where += `.${s.key}`;
                continue;
            }
            if (!this.reported.has(s.start)) {
                this.reported.add(s.start);
                this.found.push({ kind: "key", message: problem, source: spec.source, start: s.start, end: s.end, ...this.at(s.start) });
            }
            return;
        }
    }

    // ---- values

    private compare(node: any, op: Operator, env: Env): void {
        let column = node.Left;
        let values = node.Right;
        let o = this.origin(column, env);
        if (!o && op.symmetric) {
            [column, values] = [values, column];
            o = this.origin(column, env);
        }
        if (!o) {
            return;
        }
        const keys = o.steps.filter((s): s is Extract<Step, { key: string }> => "key" in s).map((s) => `.${s.key}`);
        const literals = this.literals(values, op.list === true);
        if (literals.length > 0) {
            this.comparisons.push({
                subject: o.column + keys.join(""),
                transform: o.transform,
                operator: String(node.Operator.Text),
                literals,
                text: this.text(node),
                scope: env.scope,
            });
        }
    }

    /** The string literals of a comparison's other side: one, or a list (with dynamic([...]) arrays). */
    private literals(node: any, list: boolean): Array<{ value: string; node: any }> {
        const K = this.Kind;
        if (!list) {
            return node?.Kind === K.StringLiteralExpression ? [{ value: String(node.LiteralValue), node }] : [];
        }
        const found: Array<{ value: string; node: any }> = [];
        for (const e of this.items(node?.Expressions).map((x) => x.Element)) {
            if (e?.Kind === K.StringLiteralExpression) {
                found.push({ value: String(e.LiteralValue), node: e });
            } else if (e?.Kind === K.DynamicExpression && e.Expression?.Kind === K.JsonArrayExpression) {
                for (const v of this.items(e.Expression.Values).map((x) => x.Element)) {
                    if (v?.Kind === K.StringLiteralExpression) {
                        found.push({ value: String(v.LiteralValue), node: v });
                    }
                }
            }
        }
        return found;
    }

    private checkValues(): void {
        // A condition holds for a comparison's rows when its pipeline, or a let it reads, filters on it.
        const holds = (when: NonNullable<DomainSpec["when"]>, scope: number) =>
            this.comparisons.some(
                (c) =>
                    c.subject === when.column &&
                    this.lineage(scope).includes(c.scope) &&
                    ["==", "=~", "in", "in~"].includes(c.operator) &&
                    c.literals.some((l) =>
                        OPERATORS[c.operator].caseSensitive && !c.transform
                            ? l.value === when.is
                            : l.value.toLowerCase() === when.is.toLowerCase(),
                    ),
            );
        for (const c of this.comparisons) {
            const spec = this.facts.domains[c.subject];
            if (!spec || (spec.when && !holds(spec.when, c.scope))) {
                continue;
            }
            const op = OPERATORS[c.operator];
            const values = spec.values.map((v) =>
                c.transform === "tolower" ? v.toLowerCase() : c.transform === "toupper" ? v.toUpperCase() : v,
            );
            const subject = c.transform ? `${c.transform}(${c.subject})` : c.subject;
            for (const l of c.literals) {
                // The empty string tests for a missing value.
                if (l.value === "" || values.some((v) => matches(v, l.value, op))) {
                    continue;
                }
                const quoted = JSON.stringify(l.value);
                const inCase = op.caseSensitive ? `${c.operator} compares case-sensitively` : `${c.operator} compares in any case`;
                const problem =
                    op.match === "whole"
                        ? `${quoted} is not a documented value of ${subject} (${inCase})`
                        : `no documented value of ${subject} ${op.match === "part" ? "contains" : op.match === "start" ? "starts with" : "ends with"} ${quoted} (${inCase})`;
                const start = l.node.TextStart;
                this.found.push({
                    kind: "value",
                    message: `${c.text}: ${problem}; its values: ${values.join(", ")}`,
                    source: spec.source,
                    start,
                    end: start + l.node.Width,
                    ...this.at(start),
                });
            }
        }
    }

    // ---- helpers

    private text(node: any): string {
        const t = this.query.slice(node.TextStart, node.TextStart + node.Width).replace(/\s+/g, " ");
        return t.length > 80 ? `${t.slice(0, 77)}...` : t;
    }

    private items(list: any): any[] {
        if (!list) {
            return [];
        }
        const out: any[] = [];
        for (let i = 0; i < list.Count; i++) {
            out.push(list.getItem(i));
        }
        return out;
    }
}

/**
 * Whether a documented value matches a literal under an operator. A value with … has a variable part:
 * matched whole with anything in its place, in part within one of its fixed parts.
 */
function matches(value: string, literal: string, op: Operator): boolean {
    const fold = (s: string) => (op.caseSensitive ? s : s.toLowerCase());
    const parts = value.split(ELLIPSIS).map(fold);
    const l = fold(literal);
    switch (op.match) {
        case "whole":
            return new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`, "s").test(l);
        case "part":
            return parts.some((p) => p.includes(l));
        case "start":
            return parts[0].startsWith(l);
        case "end":
            return parts[parts.length - 1].endsWith(l);
    }
}
