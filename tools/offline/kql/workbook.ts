/**
 * Queries inside Azure Monitor workbooks (gallery JSON, "Notebook/1.0"), and their parameter tokens
 * replaced the way the portal expands them, so the analyzer sees the query Azure would run.
 *
 * How the portal expands a token (Application-Insights-Workbooks Documentation/Parameters/*.md, now
 * https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-parameters):
 * - a text parameter is replaced by its value as typed, quotes and all: `take {NumRows}` with 100
 *   runs `take 100` (Parameters/Text.md, "Referencing a text parameter");
 * - a drop-down is replaced by its selection, each value wrapped in the parameter's `quote` and
 *   joined with its `delimiter`; a multi-select without settings gives `'a', 'b'` (Parameters/DropDown.md,
 *   "Multiple Selection");
 * - a time range by a filter (`{TimeRange}`), or by `:start`, `:end`, `:grain` (Parameters/Time.md);
 * - a parameter exported by a selection in a grid, chart or tiles (`exportParameterName`,
 *   `exportedParameters`) or by a links step (tabs) exists downstream of it, with its default value
 *   until something is selected (Interactivity.md).
 */

/** A workbook parameter as the analyzer needs it. */
export interface WorkbookParameter {
    readonly name: string;
    /** Workbook parameter type: 1 text, 2 drop-down, 4 time range, 5 resource picker, ... */
    readonly type: number;
}

/** A parameter with what the portal needs to expand it: its default value and formatting. */
export interface WorkbookParameterSettings extends WorkbookParameter {
    /** The default value as the workbook stores it: text, a selection (array), or a time range. */
    readonly value?: unknown;
    /** Multi-value parameters: the quote put around each value, and the delimiter between values. */
    readonly quote?: string;
    readonly delimiter?: string;
    readonly multiSelect?: boolean;
    /** Where the parameter is set: a parameters step, a selection exported by a step, or a links step (tabs). */
    readonly origin: "parameters" | "export" | "link";
}

/** A query found in a workbook, with where it sits. */
export interface WorkbookQuery {
    /** e.g. `items[2].content.items[0]` */
    readonly where: string;
    readonly query: string;
}

interface ParameterItem {
    name: string;
    type: number;
    query?: string;
    queryType?: number;
    value?: unknown;
    quote?: string;
    delimiter?: string;
    multiSelect?: boolean;
}

interface Item {
    type?: number;
    name?: string;
    content?: {
        query?: string;
        queryType?: number;
        items?: Item[];
        parameters?: ParameterItem[];
        exportParameterName?: string;
        exportDefaultValue?: unknown;
        exportedParameters?: Array<{
            parameterName?: string;
            parameterType?: number;
            defaultValue?: unknown;
            quote?: string;
            delimiter?: string;
        }>;
        links?: Array<{ cellValue?: string; linkTarget?: string; subTarget?: string }>;
    };
}

/** Every parameter the workbook's parameter steps define, at any depth. */
export function workbookParameters(workbook: { items?: Item[] }): WorkbookParameter[] {
    return workbookParameterSettings(workbook)
        .filter((p) => p.origin === "parameters")
        .map((p) => ({ name: p.name, type: p.type }));
}

/**
 * Every parameter the workbook sets, with its default and formatting: parameter steps, selections
 * exported by query steps, and links steps that set a parameter (tabs). In document order.
 */
export function workbookParameterSettings(workbook: { items?: Item[] }): WorkbookParameterSettings[] {
    const found: WorkbookParameterSettings[] = [];
    const walk = (items: Item[] | undefined) => {
        for (const item of items ?? []) {
            const c = item.content;
            for (const p of c?.parameters ?? []) {
                found.push({
                    name: p.name,
                    type: p.type,
                    value: p.value,
                    quote: p.quote,
                    delimiter: p.delimiter,
                    multiSelect: p.multiSelect,
                    origin: "parameters",
                });
            }
            if (c?.exportParameterName) {
                found.push({ name: c.exportParameterName, type: 1, value: c.exportDefaultValue, origin: "export" });
            }
            for (const e of c?.exportedParameters ?? []) {
                if (e.parameterName) {
                    found.push({
                        name: e.parameterName,
                        type: e.parameterType ?? 1,
                        value: e.defaultValue,
                        quote: e.quote,
                        delimiter: e.delimiter,
                        origin: "export",
                    });
                }
            }
            const links = (c?.links ?? []).filter((l) => l.linkTarget === "parameter" && l.cellValue);
            for (const name of new Set(links.map((l) => l.cellValue as string))) {
                // Until a tab is selected the parameter holds the first one's value.
                found.push({ name, type: 1, value: links.find((l) => l.cellValue === name)?.subTarget, origin: "link" });
            }
            walk(c?.items);
        }
    };
    walk(workbook.items);
    return found;
}

/** Every Log Analytics query of the workbook: query steps (type 3, queryType 0) and parameter queries. */
export function workbookQueries(workbook: { items?: Item[] }): WorkbookQuery[] {
    const found: WorkbookQuery[] = [];
    const walk = (items: Item[] | undefined, at: string) => {
        (items ?? []).forEach((item, i) => {
            const where = `${at}[${i}]`;
            if (item.type === 3 && item.content?.query !== undefined && (item.content.queryType ?? 0) === 0) {
                found.push({ where: `${where} (${item.name ?? "query"})`, query: item.content.query });
            }
            (item.content?.parameters ?? []).forEach((p) => {
                if (p.query !== undefined && (p.queryType ?? 0) === 0) {
                    found.push({ where: `${where}.parameters.${p.name}`, query: p.query });
                }
            });
            walk(item.content?.items, `${where}.content.items`);
        });
    };
    walk(workbook.items, "items");
    return found;
}

const START = "datetime(2024-01-01T00:00:00Z)";
const END = "datetime(2024-01-02T00:00:00Z)";
const TOKEN = /(["']?)\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z$][^{}\s]*))?\}(["']?)/g;

/** The values a default holds, when they are known: none for special selections such as `value::all`. */
function knownValues(value: unknown): string[] | undefined {
    const values = Array.isArray(value) ? value : [value];
    if (
        values.length === 0 ||
        !values.every((v) => (typeof v === "string" && v !== "" && !v.startsWith("value::")) || typeof v === "number")
    ) {
        return undefined;
    }
    return values.map(String);
}

function expandTimeRange(format: string | undefined): string {
    switch (format) {
        case "start":
            return START;
        case "end":
            return END;
        case "grain":
            return "1h";
        case "label":
            return "Last 24 hours";
        default:
            return `between (${START} .. ${END})`;
    }
}

/** What a parameter of any other type expands to, outside quotes (`quoted` false) or between them. */
function expandValue(p: WorkbookParameter | WorkbookParameterSettings, quoted: boolean): string {
    const settings = "origin" in p ? p : undefined;
    const values = knownValues(settings?.value);
    if (!values) {
        // Unknown until the user picks: a string stands in for it, as the value is text in most queries.
        return quoted ? "placeholder" : "'placeholder'";
    }
    if (p.type === 1 || quoted) {
        // Text, exported selections and tabs are replaced by the value as it is; so is anything between quotes.
        return values.join(settings?.delimiter ?? ", ");
    }
    const quote = settings?.quote ?? (settings?.multiSelect ? "'" : "");
    return values.map((v) => `${quote}${v}${quote}`).join(settings?.delimiter ?? ", ");
}

/**
 * Replaces `{Name}` and `{Name:format}` tokens as the portal would with each parameter's default:
 * a time range becomes a filter or datetimes (`{TimeRange}` → `between (start .. end)`, `:start`/`:end`
 * → datetimes, `:grain` → a timespan); text becomes its value as typed (`take {NumRows}` → `take 100`);
 * a selection its values, quoted as the parameter says. A value the workbook leaves to the user
 * becomes a string literal, or bare text when already inside quotes. Throws on a token the workbook
 * does not define.
 */
export function substituteParameters(
    query: string,
    parameters: ReadonlyArray<WorkbookParameter | WorkbookParameterSettings>,
    /** Given, receives where each expansion is in the result ([start, end)): text the workbook's user sets, not its author. */
    expansions?: Array<readonly [number, number]>,
): string {
    const byName = new Map<string, WorkbookParameter | WorkbookParameterSettings>();
    for (const p of parameters) {
        // A parameter steps defines wins over a default exported under the same name.
        if (!byName.has(p.name) || ("origin" in p && p.origin === "parameters")) {
            byName.set(p.name, p);
        }
    }
    let shift = 0;
    return query.replace(TOKEN, (token: string, open: string, name: string, format: string | undefined, close: string, at: number) => {
        const p = byName.get(name);
        if (!p) {
            throw new Error(`the query uses the parameter {${name}}, which the workbook does not define`);
        }
        const quoted = open !== "" && close !== "";
        const value = p.type === 4 ? expandTimeRange(format) : expandValue(p, quoted);
        const expanded = `${open}${value}${close}`;
        expansions?.push([at + shift, at + shift + expanded.length]);
        shift += expanded.length - token.length;
        return expanded;
    });
}
