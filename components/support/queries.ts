import * as fs from "node:fs";
import * as path from "node:path";

/** Folder of the `.kql` files the program deploys: each query is data a KQL author edits without reading TypeScript. */
const QUERIES_DIR = path.join(__dirname, "..", "..", "queries");

/** The text of `queries/<name>.kql`; a missing file fails with its path. */
export function loadQuery(name: string, dir = QUERIES_DIR): string {
    const file = path.join(dir, `${name}.kql`);
    if (!fs.existsSync(file)) {
        throw new Error(`query file ${path.relative(process.cwd(), file) || file} does not exist`);
    }
    return fs.readFileSync(file, "utf8");
}

/** Names of every `.kql` file in the folder. */
export function queryNames(dir = QUERIES_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".kql"))
        .map((f) => f.slice(0, -".kql".length))
        .sort();
}

/**
 * A value the program sets in a query's `let` line: a number, a list of strings, a timespan, or
 * another query file's query (a tabular `let`, e.g. the paused jobs app-silent leaves out).
 */
export type KqlParameter = number | readonly string[] | { readonly timespan: string } | { readonly query: string };

function literal(value: KqlParameter): string {
    if (typeof value === "number") {
        return String(value);
    }
    if (Array.isArray(value)) {
        // KQL's double-quoted string literals escape like JSON.
        return `dynamic([${value.map((v) => JSON.stringify(v)).join(", ")}])`;
    }
    if ("query" in value) {
        // The query without its comment lines, in parentheses: one tabular expression for the let.
        const body = loadQuery(value.query)
            .split("\n")
            .filter((l) => !l.trimStart().startsWith("//") && l.trim() !== "")
            .join("\n");
        return `(${body})`;
    }
    return (value as { timespan: string }).timespan;
}

/**
 * The query `name` with the value of each named `let` line replaced, e.g. `let Apps = dynamic([]);`
 * becomes `let Apps = dynamic(["Salesforce"]);`. The file stays valid KQL with its defaults; a
 * parameter the file doesn't declare is an error naming the file.
 */
export function loadQueryWith(name: string, parameters: Readonly<Record<string, KqlParameter>>, dir = QUERIES_DIR): string {
    let text = loadQuery(name, dir);
    for (const [param, value] of Object.entries(parameters)) {
        const line = new RegExp(`^let ${param} = [^;\\n]*;`, "m");
        if (!line.test(text)) {
            throw new Error(`query file ${name}.kql has no \`let ${param} = …;\` line for the program to set`);
        }
        const replacement = `let ${param} = ${literal(value)};`;
        // A function, not a string: a query's text may hold `$` (e.g. `$left`), which a replacement string would interpret.
        text = text.replace(line, () => replacement);
    }
    return text;
}
