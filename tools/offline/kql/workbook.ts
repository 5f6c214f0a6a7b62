/**
 * Queries inside Azure Monitor workbooks (gallery JSON, "Notebook/1.0"), and their parameter tokens
 * replaced by type-correct placeholders so the analyzer sees the query Azure would run.
 */

/** A workbook parameter as the analyzer needs it. */
export interface WorkbookParameter {
    readonly name: string;
    /** Workbook parameter type: 1 text, 2 drop-down, 4 time range, 5 resource picker, ... */
    readonly type: number;
}

/** A query found in a workbook, with where it sits. */
export interface WorkbookQuery {
    /** e.g. `items[2].content.items[0]` */
    readonly where: string;
    readonly query: string;
}

interface Item {
    type?: number;
    name?: string;
    content?: { query?: string; queryType?: number; items?: Item[]; parameters?: Array<{ name: string; type: number; query?: string; queryType?: number }> };
}

/** Every parameter the workbook defines (parameter steps at any depth). */
export function workbookParameters(workbook: { items?: Item[] }): WorkbookParameter[] {
    const found: WorkbookParameter[] = [];
    const walk = (items: Item[] | undefined) => {
        for (const item of items ?? []) {
            for (const p of item.content?.parameters ?? []) {
                found.push({ name: p.name, type: p.type });
            }
            walk(item.content?.items);
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

/**
 * Replaces `{Name}` and `{Name:format}` tokens. A time range becomes what the workbook expands it
 * to (`{TimeRange}` → `between (start .. end)`, `:start`/`:end` → datetimes, `:grain` → a
 * timespan); any other parameter becomes a string literal, or bare text when already inside quotes.
 * Throws on a token the workbook does not define.
 */
export function substituteParameters(query: string, parameters: readonly WorkbookParameter[]): string {
    const byName = new Map(parameters.map((p) => [p.name, p]));
    return query.replace(/(["']?)\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}(["']?)/g, (token, open: string, name: string, format: string | undefined, close: string) => {
        const p = byName.get(name);
        if (!p) {
            throw new Error(`the query uses the parameter {${name}}, which the workbook does not define`);
        }
        if (p.type === 4) {
            const value = format === "start" ? START : format === "end" ? END : format === "grain" ? "1h" : `between (${START} .. ${END})`;
            return `${open}${value}${close}`;
        }
        return open && close ? `${open}placeholder${close}` : `${open}'placeholder'${close}`;
    });
}
