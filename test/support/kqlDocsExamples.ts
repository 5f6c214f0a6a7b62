import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadKusto } from "../../tools/offline/kql/analyzer";

/**
 * Microsoft's documented KQL examples, as test cases for the KQL executor (issue 22: "Each operator
 * and function it implements is checked against Microsoft's documented examples").
 *
 * The source is the KQL reference's own Markdown, MicrosoftDocs/dataexplorer-docs, folder
 * `data-explorer/kusto/query/` (page URL https://learn.microsoft.com/kusto/query/<file without .md>).
 * An example is a ```kusto block followed by a Markdown table (after at most an "Output" label). It is
 * kept when the query is self-contained (Kusto.Language reports no error with no tables in scope, so
 * no StormEvents or other sample database) and returns one table whose documented columns are the
 * query's, and the table is whole (no "..." rows or cells, no "first 10 rows" note). What the
 * reference documents as true in other forms becomes `print r = …` examples too: "Example (yields `true`)"
 * columns (e.g. datatypes-string-operators.md: `"abc" =~ "ABC"`), the timespan literals table of
 * scalar-data-types/timespan.md, the "Operation | Result" table of numerical-operators.md, "x | f(x)"
 * tables (isempty-function.md), and blocks whose every line is an expression with its value as a
 * comment (substring-function.md, round-function.md).
 *
 * Refresh the fixture (pin a newer commit only on purpose, then rerun the docs test):
 *   git clone https://github.com/MicrosoftDocs/dataexplorer-docs /tmp/dataexplorer-docs
 *   node -r ./tools/register.js test/support/kqlDocsExamples.ts /tmp/dataexplorer-docs [commit]
 * It writes test/fixtures/kql-docs-examples.json.
 */

export const DOCS_REPO = "MicrosoftDocs/dataexplorer-docs";
export const DOCS_FOLDER = "data-explorer/kusto/query/";
/** The commit the fixture was made from (the snapshot issue 22's research read). */
export const DOCS_COMMIT = "1bbb122cebcea58faa906a914030367551762a8c";
export const FIXTURE = path.join(__dirname, "..", "fixtures", "kql-docs-examples.json");

/** One documented example: a query and the table the page says it returns. */
export interface DocExample {
    /** `<page>:<line>`: the page (under the folder) and the 1-based line of its ```kusto fence or table row. */
    readonly id: string;
    readonly page: string;
    readonly url: string;
    readonly commit: string;
    /** The heading the example sits under. */
    readonly heading: string;
    readonly line: number;
    readonly query: string;
    /** Names as the page prints them; types as Kusto.Language types the query's result (the pages rarely print them). */
    readonly columns: readonly { readonly name: string; readonly type: string }[];
    /** Cells as the page prints them (backticks and surrounding spaces removed, `\|` unescaped). */
    readonly rows: readonly (readonly string[])[];
    /** Whether the query fixes its rows' order (see {@link fixesOrder}); otherwise rows compare as a multiset. */
    readonly ordered: boolean;
    /** Why the documented values depend on when or where the page's author ran it (now(), rand(), take_any() …); then only the shape is comparable. */
    readonly nondeterministic?: string;
    /** For examples made from a table of documented truths: the row's text the expected result comes from. */
    readonly documented?: string;
}

/** A query with a documented table that is not a usable example, and why: kept so the count of what was left out stays visible. */
export interface ExcludedExample {
    readonly id: string;
    readonly reason: string;
}

export interface DocExamplesFixture {
    readonly $comment: string;
    readonly source: { readonly repo: string; readonly folder: string; readonly commit: string; readonly pageUrl: string };
    readonly examples: readonly DocExample[];
    readonly excluded: readonly ExcludedExample[];
}

export function loadDocExamples(file = FIXTURE): DocExamplesFixture {
    return JSON.parse(fs.readFileSync(file, "utf8")) as DocExamplesFixture;
}

export function pageUrl(page: string): string {
    return `https://learn.microsoft.com/kusto/query/${page.replace(/\.md$/, "")}`;
}

// ---------------------------------------------------------------------------------------------
// Documented cell text → the executor's values

/**
 * The executor's value for a cell as the reference prints it in a column of Kusto type `type`
 * (values as executor.ts documents them: datetime and timespan in milliseconds, dynamic as JSON).
 * An empty cell, or `null`, is null, except in a string column, where it is the empty string (a
 * string is never null in Kusto).
 */
export function docCellToValue(text: string, type: string): unknown {
    if (type === "string") {
        return text.trim();
    }
    // A trailing <br> is layout; dynamic cells keep theirs as line breaks (JSON whitespace).
    const cell = (type === "dynamic" ? text : text.replace(/<br\s*\/?>/gi, "")).trim();
    if (cell === "" || cell === "null") {
        return null;
    }
    switch (type) {
        case "bool":
            if (/^(true|1)$/i.test(cell)) {
                return true;
            }
            if (/^(false|0)$/i.test(cell)) {
                return false;
            }
            break;
        case "int":
        case "long":
        case "real":
        case "decimal": {
            const n = parseNumber(cell);
            if (n !== undefined) {
                return n;
            }
            break;
        }
        case "datetime": {
            const ms = parseDatetime(cell);
            if (ms !== undefined) {
                return ms;
            }
            break;
        }
        case "timespan": {
            const ms = parseTimespan(cell);
            if (ms !== undefined) {
                return ms;
            }
            break;
        }
        case "dynamic":
            return parseDynamic(cell);
        case "guid":
            return cell.toLowerCase();
    }
    throw new Error(`documented cell "${text}" is not a ${type}`);
}

function parseNumber(cell: string): number | undefined {
    if (/^(NaN)$/i.test(cell)) {
        return Number.NaN;
    }
    if (/^\+?(inf|infinity|∞)$/i.test(cell)) {
        return Number.POSITIVE_INFINITY;
    }
    if (/^-(inf|infinity|∞)$/i.test(cell)) {
        return Number.NEGATIVE_INFINITY;
    }
    // Some pages group thousands: 1,048,576.
    const plain = /^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(cell) ? cell.replace(/,/g, "") : cell;
    return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(plain) ? Number(plain) : undefined;
}

/** `2016-05-01 00:00:00.0000000`, `2023-01-01T00:00:00Z`, `2023-01-01`: UTC, up to 100 ns ticks. */
export function parseDatetime(cell: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(?:Z|\+00:00)?$/.exec(cell);
    if (!m) {
        return undefined;
    }
    const [, y, mo, d, h = "0", mi = "0", s = "0", frac = ""] = m;
    const whole = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    return whole + fractionMs(frac);
}

/** `[-][d.]hh:mm:ss[.fffffff]`, as Kusto prints a timespan. */
export function parseTimespan(cell: string): number | undefined {
    const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(cell);
    if (!m) {
        return undefined;
    }
    const [, sign, d = "0", h, mi, s, frac = ""] = m;
    const ms = ((Number(d) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000 + fractionMs(frac);
    return sign ? -ms : ms;
}

/** Seconds' fraction in milliseconds, to 100 ns (0.0001 ms). */
function fractionMs(frac: string): number {
    return frac === "" ? 0 : Number(frac.padEnd(7, "0")) / 10_000;
}

/**
 * A dynamic cell: JSON, which some pages print with single-quoted strings (`['a','b']`) or with
 * `<br>` for line breaks. Text that isn't JSON is a dynamic string.
 */
export function parseDynamic(cell: string): unknown {
    const text = cell.replace(/<br\s*\/?>/gi, "\n");
    try {
        return JSON.parse(text);
    } catch {
        // Single-quoted strings → double-quoted, outside double-quoted ones.
        const requoted = text.replace(/"(?:[^"\\]|\\.)*"|'((?:[^'\\]|\\.)*)'/g, (all, inner: string | undefined) =>
            inner === undefined ? all : JSON.stringify(inner.replace(/\\'/g, "'")),
        );
        try {
            return JSON.parse(requoted);
        } catch {
            return cell;
        }
    }
}

/**
 * Whether a value the executor returned is the documented cell. Reals match to the digits the page
 * prints (`0.333333333333333` for 1/3); datetimes to the tick a JavaScript number can hold; dynamic
 * values structurally, with the same rule for their numbers.
 */
export function sameAsDocumented(got: unknown, text: string, type: string): boolean {
    const expected = docCellToValue(text, type);
    if (type === "datetime" || type === "timespan") {
        return typeof got === "number" && typeof expected === "number" ? Math.abs(got - expected) < 0.0005 : got === expected;
    }
    if (type === "real" || type === "decimal") {
        return sameNumber(got, expected as number | null, text.replace(/<br\s*\/?>|,/gi, "").trim());
    }
    if (type === "dynamic") {
        return sameJson(got, expected);
    }
    return got === expected;
}

function sameNumber(got: unknown, expected: number | null, printed: string): boolean {
    if (expected === null || typeof got !== "number") {
        return got === expected;
    }
    if (Number.isNaN(expected) || !Number.isFinite(expected)) {
        return Object.is(got, expected);
    }
    // Kusto prints a real to about 15 significant digits (1/3 as 0.333333333333333), and a page may
    // cut a long fraction shorter: half a unit of the last printed digit when five or more are printed.
    // A shorter number (2.2, -100) is the value itself, to rounding error.
    const m = /^[-+]?\d*(?:\.(\d+))?(?:e([-+]?\d+))?$/i.exec(printed);
    if (!m) {
        return got === expected;
    }
    const fraction = m[1]?.length ?? 0;
    const decimals = fraction - Number(m[2] ?? 0);
    const printedUnit = fraction >= 5 ? 0.5 * 10 ** -decimals * (1 + 1e-9) : 0;
    const tolerance = Math.max(printedUnit, Math.abs(expected) * 1e-12, Number.MIN_VALUE);
    return Math.abs(got - expected) <= tolerance;
}

function sameJson(got: unknown, expected: unknown): boolean {
    if (typeof expected === "number") {
        return sameNumber(got, expected, String(expected));
    }
    if (Array.isArray(expected)) {
        return Array.isArray(got) && got.length === expected.length && expected.every((e, i) => sameJson(got[i], e));
    }
    if (expected && typeof expected === "object") {
        if (!got || typeof got !== "object" || Array.isArray(got)) {
            return false;
        }
        const keys = Object.keys(expected);
        return (
            keys.length === Object.keys(got).length &&
            keys.every(
                (k) => Object.hasOwn(got, k) && sameJson((got as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]),
            )
        );
    }
    return got === expected;
}

// ---------------------------------------------------------------------------------------------
// Checking an executor against an example

/** What the docs test needs of tools/offline/kql/executor.ts. */
export interface DocsExecutor {
    execute(
        query: string,
        options: { now: number; tables: Record<string, never> },
    ): { readonly columns: readonly { readonly name: string; readonly type: string }[]; readonly rows: readonly (readonly unknown[])[] };
    constructs(query: string): string[];
}

/** How an executor did on one example. */
export type DocOutcome =
    /** It uses only implemented constructs and the executor gave the documented table. */
    | { readonly kind: "passed"; readonly constructs: readonly string[] }
    /** Its documented values depend on when it ran: the executor gave the documented columns and number of rows. */
    | { readonly kind: "shape"; readonly constructs: readonly string[] }
    /** It uses a construct the executor doesn't implement, and the executor refused it. */
    | { readonly kind: "refused"; readonly constructs: readonly string[]; readonly missing: readonly string[] }
    | { readonly kind: "failed"; readonly constructs: readonly string[]; readonly detail: string };

/** Any time will do: the examples whose values depend on the clock are compared by shape only. */
export const DOCS_NOW = Date.parse("2026-01-01T00:00:00Z");

/**
 * Runs one example: when every construct it uses is implemented, the result must be the documented
 * table (rows in order when the query fixes it, else as a multiset); otherwise the executor must
 * refuse it with `isUnsupported(error)`. A wrong answer, a crash or a refusal of an implemented query fails.
 */
export function checkExample(
    x: DocsExecutor,
    example: DocExample,
    implemented: ReadonlySet<string>,
    isUnsupported: (e: unknown) => boolean,
): DocOutcome {
    let constructs: string[];
    try {
        constructs = x.constructs(example.query);
    } catch (e) {
        return { kind: "failed", constructs: [], detail: `constructs() threw ${describeError(e)}` };
    }
    const missing = constructs.filter((c) => !implemented.has(c));
    const failed = (detail: string): DocOutcome => ({ kind: "failed", constructs, detail });
    let result: ReturnType<DocsExecutor["execute"]>;
    try {
        result = x.execute(example.query, { now: DOCS_NOW, tables: {} });
    } catch (e) {
        if (missing.length > 0 && isUnsupported(e)) {
            return { kind: "refused", constructs, missing };
        }
        return failed(
            missing.length > 0
                ? `uses ${missing.join(", ")} (not implemented) but threw ${describeError(e)}`
                : `uses only implemented constructs (${constructs.join(", ")}) but threw ${describeError(e)}`,
        );
    }
    if (missing.length > 0) {
        return failed(`uses ${missing.join(", ")} (not implemented) but returned a result instead of refusing`);
    }
    const names = result.columns.map((c) => c.name);
    const documented = example.columns.map((c) => c.name);
    if (names.join("|") !== documented.join("|")) {
        return failed(`columns: documented ${documented.join(", ")}; got ${names.join(", ")}`);
    }
    const types = result.columns.map((c) => c.type);
    const expectedTypes = example.columns.map((c) => c.type);
    if (types.join("|") !== expectedTypes.join("|")) {
        return failed(`column types: Kusto.Language's ${expectedTypes.join(", ")}; got ${types.join(", ")}`);
    }
    if (result.rows.length !== example.rows.length) {
        return failed(`documented ${example.rows.length} rows; got ${result.rows.length}:\n${formatRows(result.rows)}`);
    }
    if (example.nondeterministic) {
        return { kind: "shape", constructs };
    }
    const rowMatches = (got: readonly unknown[], doc: readonly string[]) =>
        got.length === doc.length && doc.every((cell, i) => sameAsDocumented(got[i], cell, expectedTypes[i]));
    if (example.ordered) {
        const at = example.rows.findIndex((doc, i) => !rowMatches(result.rows[i], doc));
        if (at >= 0) {
            return failed(`row ${at + 1}: documented ${formatDocRow(example.rows[at])}; got ${formatRow(result.rows[at])}`);
        }
    } else {
        const unmatched = [...result.rows];
        const missingRows: (readonly string[])[] = [];
        for (const doc of example.rows) {
            const i = unmatched.findIndex((got) => rowMatches(got, doc));
            if (i < 0) {
                missingRows.push(doc);
            } else {
                unmatched.splice(i, 1);
            }
        }
        if (missingRows.length > 0) {
            return failed(
                `documented rows not returned: ${missingRows.map(formatDocRow).join(" ")}; returned instead: ${unmatched.map(formatRow).join(" ")}`,
            );
        }
    }
    return { kind: "passed", constructs };
}

/** How the documented examples cover one construct (distinct queries: a few tables repeat on several pages). */
export interface ConstructCoverage {
    /** Examples using it that gave the documented table. */
    readonly passing: number;
    /** Examples using it. */
    readonly documented: number;
    /** Constructs the executor doesn't implement, by how many of its examples also use them. */
    readonly alsoUse: Readonly<Record<string, number>>;
    readonly refused: number;
    readonly failing: readonly string[];
    readonly shapeOnly: readonly string[];
    /** The page of the table row that is its only example, when that is all there is. */
    readonly onlyTableRow?: string;
}

export function constructCoverage(
    implemented: readonly string[],
    results: readonly { readonly example: DocExample; readonly outcome: DocOutcome }[],
): Map<string, ConstructCoverage> {
    const coverage = new Map<string, ConstructCoverage>();
    for (const c of implemented) {
        const seen = new Set<string>();
        const uses = results.filter(
            ({ example, outcome }) => outcome.constructs.includes(c) && !seen.has(example.query) && seen.add(example.query),
        );
        const alsoUse: Record<string, number> = {};
        for (const { outcome } of uses) {
            for (const m of outcome.kind === "refused" ? outcome.missing : []) {
                alsoUse[m] = (alsoUse[m] ?? 0) + 1;
            }
        }
        coverage.set(c, {
            passing: uses.filter(({ outcome }) => outcome.kind === "passed").length,
            documented: uses.length,
            alsoUse,
            refused: uses.filter(({ outcome }) => outcome.kind === "refused").length,
            failing: uses.filter(({ outcome }) => outcome.kind === "failed").map(({ example }) => example.id),
            shapeOnly: uses.filter(({ outcome }) => outcome.kind === "shape").map(({ example }) => example.id),
            ...(uses.length === 1 && uses[0].example.documented ? { onlyTableRow: uses[0].example.page } : {}),
        });
    }
    return coverage;
}

/** Why a construct has the examples it has, in words (what the docs test suggests for its shortfall table). */
export function coverageReason(c: ConstructCoverage): string {
    const parts: string[] = [];
    if (c.documented === 0) {
        parts.push("no self-contained example with a documented result uses it");
    } else if (c.onlyTableRow) {
        parts.push(`documented by one example, its row of ${c.onlyTableRow}'s table`);
    } else {
        parts.push(`${c.documented} self-contained example${c.documented > 1 ? "s use" : " uses"} it`);
    }
    if (c.refused > 0) {
        const names = Object.entries(c.alsoUse)
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .map(([name]) => name);
        const geo = names.filter((n) => n.startsWith("geo_"));
        const other = names.filter((n) => !n.startsWith("geo_"));
        const shown = [...other.slice(0, 4), ...(geo.length > 0 ? ["geo_*()"] : []), ...(other.length > 4 ? ["…"] : [])];
        parts.push(`${c.refused} of them also use${c.refused > 1 ? "" : "s"} what the executor doesn't implement (${shown.join(", ")})`);
    }
    if (c.shapeOnly.length > 0) {
        parts.push(`${c.shapeOnly.join(", ")} depend${c.shapeOnly.length > 1 ? "" : "s"} on the clock or chance (compared by shape only)`);
    }
    if (c.failing.length > 0) {
        parts.push(`${c.failing.join(", ")} fail${c.failing.length > 1 ? "" : "s"}`);
    }
    return parts.join("; ");
}

function describeError(e: unknown): string {
    return e instanceof Error ? `${e.name}: ${e.message.split("\n")[0]}` : String(e);
}

function formatRow(row: readonly unknown[] | undefined): string {
    return row
        ? `[${row.map((v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : JSON.stringify(v))).join(", ")}]`
        : "(none)";
}

function formatRows(rows: readonly (readonly unknown[])[]): string {
    return rows.slice(0, 10).map(formatRow).join("\n") + (rows.length > 10 ? `\n… ${rows.length - 10} more` : "");
}

function formatDocRow(row: readonly string[]): string {
    return `|${row.join("|")}|`;
}

// ---------------------------------------------------------------------------------------------
// Extraction

interface Table {
    readonly line: number;
    readonly header: string[];
    readonly rows: string[][];
}

/** A ```kusto block and the table after it. */
interface Candidate {
    readonly line: number;
    readonly heading: string;
    readonly query: string;
    /** Non-blank lines between the block and the table. */
    readonly between: string[];
    readonly table: Table;
}

/** Splits a Markdown table row into cells: `\|`, `\_` and `\*` are literal; backticks around a whole cell go. */
export function tableCells(row: string): string[] {
    const body = row.trim().replace(/^\|/, "").replace(/\|$/, "");
    const cells: string[] = [];
    let cell = "";
    for (let i = 0; i < body.length; i++) {
        if (body[i] === "\\" && "|_*".includes(body[i + 1] ?? "")) {
            cell += body[i + 1];
            i++;
        } else if (body[i] === "|") {
            cells.push(cell);
            cell = "";
        } else {
            cell += body[i];
        }
    }
    cells.push(cell);
    const entities: Record<string, string> = { nbsp: " ", lt: "<", gt: ">", amp: "&", quot: '"', "#124": "|" };
    return cells.map((c) => {
        const t = c.replace(/&(nbsp|lt|gt|amp|quot|#124);/g, (_, e: string) => entities[e]).trim();
        const ticked = /^(`+)([\s\S]*)\1$/.exec(t);
        return ticked ? ticked[2].trim() : t;
    });
}

function readTable(lines: string[], start: number): Table | undefined {
    const block: string[] = [];
    for (let i = start; i < lines.length && lines[i].trim().startsWith("|"); i++) {
        block.push(lines[i]);
    }
    if (block.length < 2 || !/^\|?[\s:|-]+\|?$/.test(block[1].trim()) || !block[1].includes("-")) {
        return undefined;
    }
    return { line: start + 1, header: tableCells(block[0]), rows: block.slice(2).map(tableCells) };
}

function candidates(markdown: string): Candidate[] {
    const lines = markdown.split(/\r?\n/);
    const found: Candidate[] = [];
    let heading = "";
    for (let i = 0; i < lines.length; i++) {
        const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
        if (h) {
            heading = h[1].trim();
            continue;
        }
        if (!/^\s*```kusto\s*$/i.test(lines[i])) {
            continue;
        }
        let end = i + 1;
        while (end < lines.length && !/^\s*```/.test(lines[end])) {
            end++;
        }
        const query = lines.slice(i + 1, end).join("\n");
        const between: string[] = [];
        let k = end + 1;
        while (k < lines.length && !lines[k].trim().startsWith("|") && !/^\s*```/.test(lines[k]) && !/^#/.test(lines[k])) {
            if (lines[k].trim()) {
                between.push(lines[k].trim());
            }
            k++;
        }
        const table = k < lines.length ? readTable(lines, k) : undefined;
        if (table) {
            found.push({ line: i + 1, heading, query, between, table });
        }
        i = end;
    }
    return found;
}

/** "Output", "**Output**", "**Output:**", "*Output*", "**Results**", "Produces this result:" (and a moniker's end): a label, not a remark on the table. */
const OUTPUT_LABEL = /^(\**\s*(output|ouput|results?)\s*:?\s*\**:?|produces this result:|::: ?moniker-end)$/i;
/** Remarks that the table is cut short. */
const TRUNCATION = /(first|only|partial|truncat|sample of|some of the|few)/i;
/** A cell or row standing for rows or text the page left out. */
const ELLIPSIS = /\.\.\.|…/;

// Kusto.Language (the parser the executor is built on), loaded as tools/offline/kql/analyzer.ts does.
function language(): any {
    return loadKusto().Language;
}

function list<T>(l: any): T[] {
    const out: T[] = [];
    for (let i = 0; l && i < l.Count; i++) {
        out.push(l.getItem(i));
    }
    return out;
}

function kindName(node: any): string {
    const L = language();
    return String(loadKusto().System.Enum.toString(L.Syntax.SyntaxKind, node.Kind));
}

function children(node: any): any[] {
    const out: any[] = [];
    for (let i = 0; node && !node.IsToken && i < node.ChildCount; i++) {
        const c = node.GetChild(i);
        if (c) {
            out.push(c);
        }
    }
    return out;
}

function descendants(node: any): any[] {
    const out: any[] = [];
    const walk = (n: any) => {
        if (!n || n.IsToken) {
            return;
        }
        out.push(n);
        children(n).forEach(walk);
    };
    walk(node);
    return out;
}

/** Functions whose value depends on the clock, chance or the cluster, and aggregates that pick any row. */
const NONDETERMINISTIC_FUNCTIONS = new Set([
    "now",
    "ago",
    "rand",
    "new_guid",
    "ingestion_time",
    "current_cluster_endpoint",
    "current_database",
    "current_principal",
    "current_principal_details",
    "current_principal_is_member_of",
    "cursor_current",
    "cursor_after",
    "cursor_before_or_at",
    "extent_id",
    "extent_tags",
    "estimate_data_size",
    "take_any",
    "take_anyif",
    "any",
    "anyif",
]);
const NONDETERMINISTIC_OPERATORS = new Set(["SampleOperator", "SampleDistinctOperator"]);

function nondeterminism(root: any): string | undefined {
    for (const node of descendants(root)) {
        const kind = kindName(node);
        if (kind === "FunctionCallExpression") {
            const name = String(node.Name?.SimpleName ?? "");
            if (NONDETERMINISTIC_FUNCTIONS.has(name)) {
                return `uses ${name}()`;
            }
        } else if (NONDETERMINISTIC_OPERATORS.has(kind)) {
            return `uses ${kind.replace(/Operator$/, "").toLowerCase()}`;
        }
    }
    return undefined;
}

/** Operators after which the rows keep the order their input had. */
const ORDER_KEEPING = new Set([
    "FilterOperator",
    "ExtendOperator",
    "ProjectOperator",
    "ProjectAwayOperator",
    "ProjectKeepOperator",
    "ProjectRenameOperator",
    "ProjectReorderOperator",
    "TakeOperator",
    "MvExpandOperator",
    "SerializeOperator",
    "ParseOperator",
    "ParseWhereOperator",
    "AsOperator",
]);
/** Operators that order their output. */
const ORDERING = new Set(["SortOperator", "TopOperator"]);
/** Sources whose rows come in a defined order. */
const ORDERED_SOURCES = new Set(["PrintOperator", "RangeOperator", "DataTableExpression"]);

/**
 * Whether the query's rows come in a defined order: the last operator that decides the order is a
 * sort/order by or top, or the rows come from print, range or datatable through operators that keep
 * their order (where, extend, project…, take, mv-expand, serialize, parse). Anything else (summarize,
 * join, union, distinct …) leaves the order to the engine.
 */
export function fixesOrder(expression: any, lets: Map<string, any>, seen = new Set<string>()): boolean {
    if (!expression) {
        return false;
    }
    const kind = kindName(expression);
    if (kind === "PipeExpression") {
        const op = kindName(expression.Operator);
        if (ORDERING.has(op)) {
            return true;
        }
        return ORDER_KEEPING.has(op) && fixesOrder(expression.Expression, lets, seen);
    }
    if (ORDERED_SOURCES.has(kind)) {
        return true;
    }
    if (kind === "ParenthesizedExpression") {
        return fixesOrder(expression.Expression, lets, seen);
    }
    if (kind === "NameReference") {
        const name = String(expression.SimpleName);
        if (lets.has(name) && !seen.has(name)) {
            return fixesOrder(lets.get(name), lets, new Set([...seen, name]));
        }
    }
    return false;
}

/** Kusto's name of a column type; Kusto.Language's dynamic subtypes (arrays, bags of known shape) are `dynamic`. */
function scalarTypeName(type: any): string {
    const name = String(type?.Name ?? "unknown");
    return name.startsWith("dynamic") ? "dynamic" : name;
}

let globals: any;
/** A cluster with one database and no tables: `database("Samples")`, `table("StormEvents")` and the like are errors. */
function emptyDatabase(): any {
    if (!globals) {
        const L = language();
        const database = new L.Symbols.DatabaseSymbol.ctor("docs", []);
        globals = L.GlobalState.Default.WithCluster(new L.Symbols.ClusterSymbol.ctor("docs", [database])).WithDatabase(database);
    }
    return globals;
}

interface Analysis {
    readonly errors: string[];
    readonly columns: { name: string; type: string }[];
    readonly statements: number;
    readonly ordered: boolean;
    readonly nondeterministic?: string;
}

/** Kusto.Language's view of a query with no tables in scope. */
function analyse(query: string): Analysis {
    const L = language();
    let code: any;
    try {
        code = L.KustoCode.ParseAndAnalyze(query, emptyDatabase());
    } catch (e) {
        // Its binder throws on a few graph queries.
        const message = `Kusto.Language fails on it (${String((e as Error).message).slice(0, 60)})`;
        return { errors: [message], columns: [], statements: 0, ordered: false };
    }
    const errors = list<any>(code.GetDiagnostics())
        .filter((d) => String(d.Severity) === "Error")
        .map((d) => String(d.Message));
    const result = code.ResultType;
    const columns =
        result && typeof result === "object" && result.Columns
            ? list<any>(result.Columns).map((c) => ({ name: String(c.Name), type: scalarTypeName(c.Type) }))
            : [];
    const lets = new Map<string, any>();
    const expressions: any[] = [];
    for (const node of descendants(code.Syntax)) {
        const kind = kindName(node);
        if (kind === "LetStatement" && kindName(node.Parent?.Parent) === "List") {
            lets.set(String(node.Name.SimpleName), node.Expression);
        }
        if (kind === "ExpressionStatement") {
            expressions.push(node.Expression);
        }
    }
    const last = expressions[expressions.length - 1];
    return {
        errors,
        columns,
        statements: expressions.length,
        ordered: fixesOrder(last, lets),
        nondeterministic: nondeterminism(code.Syntax),
    };
}

/**
 * Examples whose table, read against the page's own text, can't be the query's exact output, and
 * examples the page itself calls one of several possible outputs. Keyed by id at the pinned commit;
 * a key that no longer matches fails the refresh, so the list is rechecked when the commit moves.
 */
const PAGE_ERRATA: Readonly<Record<string, { readonly exclude?: string; readonly nondeterministic?: string }>> = {
    "range-operator.md:77": {
        exclude:
            "the table starts at 2024-01-04, but `range Time from datetime(2024-01-01) …` starts at 2024-01-01 (its first three rows are missing)",
    },
    "scalar-data-types/string.md:125": { exclude: 'the table prints the U+00A0 of "Hello\\u00A0World" as a plain space' },
    "scalar-data-types/string.md:163": { exclude: "the table prints a multi-line string on one line" },
    "join-innerunique.md:96": { nondeterministic: 'the page shows it as one of "Two possible outputs from innerunique join"' },
    "join-innerunique.md:125": { nondeterministic: 'the page shows it as one of "Two possible outputs from innerunique join"' },
};

interface Extracted {
    examples: DocExample[];
    excluded: ExcludedExample[];
    /** Ids of ```kusto blocks with a table, to find stale {@link PAGE_ERRATA} keys. */
    errataSeen: Set<string>;
}

function fromCandidate(page: string, commit: string, c: Candidate, out: Extracted): void {
    const id = `${page}:${c.line}`;
    const exclude = (reason: string) => out.excluded.push({ id, reason });
    const errata = PAGE_ERRATA[id];
    out.errataSeen.add(id);
    if (errata?.exclude) {
        exclude(errata.exclude);
        return;
    }
    const remark = c.between.find((l) => !OUTPUT_LABEL.test(l));
    if (remark !== undefined) {
        // Prose between the query and the table: a remark that the table is cut short, or the table isn't its output.
        exclude(
            TRUNCATION.test(c.between.join(" "))
                ? `the page says the table is partial: "${remark.slice(0, 80)}"`
                : `text between the query and the table: "${remark.slice(0, 80)}"`,
        );
        return;
    }
    const a = analyse(c.query);
    if (a.errors.length > 0) {
        // Sample-database tables, graph queries, control commands, and queries Kusto.Language can't analyse.
        exclude(`not self-contained or not valid: ${a.errors[0].slice(0, 100)}`);
        return;
    }
    if (a.statements !== 1) {
        exclude(`the query returns ${a.statements} tables`);
        return;
    }
    const names = a.columns.map((col) => col.name);
    if (names.length === 0) {
        exclude("the query's result is not a table (a bare scalar expression or a command)");
        return;
    }
    if (names.join("|") !== c.table.header.join("|")) {
        exclude(`the table's columns (${c.table.header.join(", ")}) are not the query's (${names.join(", ")})`);
        return;
    }
    if (c.table.rows.some((r) => r.length !== names.length)) {
        exclude("a row of the table has a different number of cells than the header");
        return;
    }
    if (c.table.rows.some((r) => r.some((cell) => ELLIPSIS.test(cell)))) {
        exclude("the table leaves rows or values out (...)");
        return;
    }
    const unreadable = unreadableCell(c.table.rows, a.columns);
    if (unreadable) {
        exclude(unreadable);
        return;
    }
    out.examples.push({
        id,
        page,
        url: pageUrl(page),
        commit,
        heading: c.heading,
        line: c.line,
        query: c.query,
        columns: a.columns,
        rows: c.table.rows,
        ordered: a.ordered,
        ...(errata?.nondeterministic || a.nondeterministic ? { nondeterministic: errata?.nondeterministic ?? a.nondeterministic } : {}),
    });
}

/** Why a cell doesn't read as a value of its column's type, if one doesn't. */
function unreadableCell(rows: readonly (readonly string[])[], columns: readonly { name: string; type: string }[]): string | undefined {
    for (const row of rows) {
        for (const [i, cell] of row.entries()) {
            try {
                docCellToValue(cell, columns[i].type);
            } catch {
                return `the cell "${cell.slice(0, 60)}" of column ${columns[i].name} does not read as a ${columns[i].type}`;
            }
        }
    }
    return undefined;
}

/** One `print r = <expression>` example per row of a table of documented truths. */
function printExample(
    page: string,
    commit: string,
    heading: string,
    line: number,
    expression: string,
    cell: string,
    documented: string,
): DocExample | string {
    const query = `print r = ${expression}`;
    const a = analyse(query);
    if (a.errors.length > 0) {
        return `not valid: ${a.errors[0].slice(0, 100)}`;
    }
    return {
        id: `${page}:${line}`,
        page,
        url: pageUrl(page),
        commit,
        heading,
        line,
        query,
        columns: a.columns,
        rows: [[cell]],
        ordered: true,
        documented,
    };
}

/** "2 days", "1.5 hours", "100 ns", "`0d+12h+34m+56.7s`" → Kusto's timespan text. */
function lengthOfTime(text: string): string | undefined {
    const units: Record<string, number> = {
        d: 86_400_000,
        day: 86_400_000,
        h: 3_600_000,
        hour: 3_600_000,
        m: 60_000,
        minute: 60_000,
        s: 1000,
        second: 1000,
        millisecond: 1,
        microsecond: 0.001,
        ns: 0.000001,
    };
    let ms = 0;
    for (const term of text.split("+")) {
        const m = /^\s*([\d.]+)\s*([a-z]+)\s*$/i.exec(term);
        const unit = m?.[2].toLowerCase() ?? "";
        const known = unit in units ? unit : unit.replace(/s$/, "");
        if (!m || !(known in units)) {
            return undefined;
        }
        ms += Number(m[1]) * units[known];
    }
    return formatTimespan(ms);
}

function formatTimespan(ms: number): string {
    const ticks = Math.round(ms * 10_000);
    const days = Math.floor(ticks / 864_000_000_000);
    const rest = ticks - days * 864_000_000_000;
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const h = Math.floor(rest / 36_000_000_000);
    const mi = Math.floor((rest % 36_000_000_000) / 600_000_000);
    const s = Math.floor((rest % 600_000_000) / 10_000_000);
    const f = rest % 10_000_000;
    return `${days ? `${days}.` : ""}${pad(h)}:${pad(mi)}:${pad(s)}${f ? `.${pad(f, 7)}` : ""}`;
}

/** Tables whose rows are documented truths, each row an example. */
function truthTables(page: string, commit: string, markdown: string, out: Extracted): void {
    const lines = markdown.split(/\r?\n/);
    let heading = "";
    for (let i = 0; i < lines.length; i++) {
        const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
        if (h) {
            heading = h[1].trim();
        }
        if (!lines[i].trim().startsWith("|") || (i > 0 && lines[i - 1].trim().startsWith("|"))) {
            continue;
        }
        const table = readTable(lines, i);
        if (!table) {
            continue;
        }
        const col = (re: RegExp) => table.header.findIndex((c) => re.test(c));
        const add = (rowIndex: number, made: DocExample | string) => {
            if (typeof made === "string") {
                out.excluded.push({ id: `${page}:${table.line + 2 + rowIndex}`, reason: made });
            } else {
                out.examples.push(made);
            }
        };
        const yieldsTrue = col(/^Example \(yields `?true`?\)$/);
        // "|x|isempty(x)|": each row an argument and the function's documented value.
        const applied = table.header.length === 2 && table.header[0] === "x" ? /^([a-z_]+)\(x\)$/.exec(table.header[1]) : null;
        const operation = col(/^Operation$/);
        const result = col(/^Result$/);
        const example = col(/^Example$/);
        const length = col(/^Length of time$/);
        table.rows.forEach((row, r) => {
            const line = table.line + 2 + r;
            if (applied) {
                add(r, printExample(page, commit, heading, line, `${applied[1]}(${row[0]})`, row[1], row.join(" | ")));
            } else if (yieldsTrue >= 0 && row[yieldsTrue]) {
                add(r, printExample(page, commit, heading, line, row[yieldsTrue], "true", row.join(" | ")));
            } else if (page === "numerical-operators.md" && operation >= 0 && result >= 0) {
                // "`1.0` `/` `2`": the operands and operator are ticked one by one.
                const expression = row[operation].replace(/`/g, "").replace(/\s+/g, " ");
                add(r, printExample(page, commit, heading, line, expression, row[result], row.join(" | ")));
            } else if (page === "scalar-data-types/timespan.md" && example >= 0 && length >= 0) {
                const literal = row[example] || (/^timespan\(null\)$/.test(row[0]) ? row[0] : "");
                const expected = row[length] === "" && literal === "timespan(null)" ? "" : lengthOfTime(row[length]);
                if (literal && expected !== undefined) {
                    add(r, printExample(page, commit, heading, line, literal, expected, row.join(" | ")));
                } else if (literal) {
                    add(r, `the length "${row[length]}" is not a timespan this script reads`);
                }
            }
        });
        i += table.rows.length + 1;
    }
}

/**
 * Blocks of scalar expressions, each followed by its value as a comment (substring-function.md:
 * `substring("123456", 1)        // 23456`): each line an example. A second comment is a remark
 * (`round(2.15)         // 2 // equivalent to round(2.15, 0)`).
 */
function commentResults(page: string, commit: string, markdown: string, out: Extracted): void {
    const lines = markdown.split(/\r?\n/);
    let heading = "";
    for (let i = 0; i < lines.length; i++) {
        const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
        if (h) {
            heading = h[1].trim();
        }
        if (!/^\s*```kusto\s*$/i.test(lines[i])) {
            continue;
        }
        let end = i + 1;
        while (end < lines.length && !/^\s*```/.test(lines[end])) {
            end++;
        }
        const body = lines.slice(i + 1, end).map((text, k) => ({ text, line: i + 2 + k }));
        const parsed = body
            .filter((l) => l.text.trim())
            .map((l) => ({ ...l, m: /^\s*([^/|\s][^/]*?)\s*\/\/\s*([^/]*?)\s*(\/\/.*)?$/.exec(l.text) }));
        // A call on each line: jsonpath.md's block of bare paths carries descriptions, not values.
        if (parsed.length > 0 && parsed.every((l) => l.m && /^[a-z_]\w*\(/i.test(l.m[1]) && !/^print\b/.test(l.m[1]))) {
            for (const l of parsed) {
                const made = printExample(page, commit, heading, l.line, l.m![1], l.m![2], l.text.trim());
                if (typeof made === "string") {
                    out.excluded.push({ id: `${page}:${l.line}`, reason: made });
                } else {
                    const unreadable = unreadableCell(made.rows, made.columns);
                    if (unreadable) {
                        out.excluded.push({ id: made.id, reason: unreadable });
                    } else {
                        out.examples.push(made);
                    }
                }
            }
        }
        i = end;
    }
}

function git(repo: string, ...args: string[]): string {
    return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

/** Every example of the reference's pages at `commit` of a clone (or mirror) of the docs repository. */
export function extract(repo: string, commit = DOCS_COMMIT): DocExamplesFixture {
    const pages = git(repo, "ls-tree", "-r", "--name-only", commit, DOCS_FOLDER)
        .split("\n")
        .filter((p) => p.endsWith(".md"))
        .sort();
    const out: Extracted = { examples: [], excluded: [], errataSeen: new Set() };
    for (const file of pages) {
        const page = file.slice(DOCS_FOLDER.length);
        const markdown = git(repo, "show", `${commit}:${file}`);
        for (const c of candidates(markdown)) {
            fromCandidate(page, commit, c, out);
        }
        truthTables(page, commit, markdown, out);
        commentResults(page, commit, markdown, out);
    }
    const stale = Object.keys(PAGE_ERRATA).filter((id) => !out.errataSeen.has(id));
    if (stale.length > 0) {
        throw new Error(`PAGE_ERRATA names examples not found at ${commit}: ${stale.join(", ")}; recheck them against the pages`);
    }
    return {
        $comment:
            "Made by test/support/kqlDocsExamples.ts (see there how to refresh); read by test/tools/offline/kqlExecutorDocs.test.ts. Cells are as the pages print them; column types are Kusto.Language's.",
        source: { repo: DOCS_REPO, folder: DOCS_FOLDER, commit, pageUrl: "https://learn.microsoft.com/kusto/query/<page without .md>" },
        examples: out.examples,
        excluded: out.excluded,
    };
}

if (require.main === module) {
    const [repo, commit = DOCS_COMMIT] = process.argv.slice(2);
    if (!repo) {
        console.error(
            "usage: node -r ./tools/register.js test/support/kqlDocsExamples.ts <clone of MicrosoftDocs/dataexplorer-docs> [commit]",
        );
        process.exit(2);
    }
    const fixture = extract(repo, commit);
    // One example per line: a refresh's diff shows which examples changed.
    const lines = (items: readonly unknown[]) => items.map((item) => `  ${JSON.stringify(item)}`).join(",\n");
    const { examples, excluded, ...head } = fixture;
    const text = `${JSON.stringify(head, null, 1).replace(/\n}$/, "")},\n "examples": [\n${lines(examples)}\n ],\n "excluded": [\n${lines(excluded)}\n ]\n}\n`;
    JSON.parse(text);
    fs.writeFileSync(FIXTURE, text);
    console.log(`${fixture.examples.length} examples, ${fixture.excluded.length} left out, from ${commit}`);
}
