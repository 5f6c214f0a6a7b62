import * as fs from "node:fs";
import * as path from "node:path";
import { KqlAnalyzer } from "./analyzer";
import { checkQueries, type KqlFinding } from "./check";
import { type DeployedQuery, workbookDeployedQueries } from "./collect";

/**
 * The KQL check of files given by path, not deployed by a stack: `.kql` files (one query each, as
 * the Logs editor runs them) and gallery workbooks (`Notebook/1.0` JSON, `.workbook` or `.json`,
 * bare or wrapped in an ARM template's `serializedData`), with parameter tokens expanded as the
 * portal does. `npm run check:kql -- <paths>` runs it on Microsoft's gallery workbooks and Learn
 * samples as readily as on this project's files.
 */

/** A path that is not something the check can read: the command line is wrong, not the file. */
export class KqlFilesError extends Error {}

/** A JSON parse error as a finding: `JSON.parse` names an offset, reported as line and column. */
function jsonFinding(file: string, text: string, e: Error): KqlFinding {
    const message = `not valid JSON: ${e.message}`;
    const at = /position (\d+)/.exec(e.message);
    if (!at) {
        return { source: file, message };
    }
    const before = text.slice(0, Number(at[1]));
    return { source: file, line: before.split("\n").length, column: Number(at[1]) - before.lastIndexOf("\n"), message };
}

interface WorkbookLike {
    version?: unknown;
    items?: unknown[];
    resources?: Array<{ type?: string; name?: unknown; properties?: { serializedData?: unknown } }>;
}

/** The workbooks a JSON document holds: itself when it is one, or those an ARM template deploys. */
function workbooksIn(doc: WorkbookLike, file: string): Array<{ source: string; workbook: { items?: unknown[] } }> {
    if (doc.version === "Notebook/1.0" || Array.isArray(doc.items)) {
        return [{ source: file, workbook: doc }];
    }
    return (doc.resources ?? [])
        .map((r, n) => ({ r, n }))
        .filter(
            ({ r }) => String(r.type).toLowerCase() === "microsoft.insights/workbooks" && typeof r.properties?.serializedData === "string",
        )
        .map(({ r, n }) => ({
            source: `${file} resources[${n}]`,
            workbook: JSON.parse(String(r.properties!.serializedData)) as { items?: unknown[] },
        }));
}

/** The queries of one file, or the problem that keeps it from being read as a query or workbook. */
function queriesOf(file: string): DeployedQuery[] | KqlFinding {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
    } catch (e) {
        throw new KqlFilesError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const ext = path.extname(file).toLowerCase();
    if (ext === ".kql" || ext === ".kusto" || ext === ".csl") {
        return [{ source: file, query: text }];
    }
    if (ext !== ".json" && ext !== ".workbook") {
        throw new KqlFilesError(`${file}: is neither a .kql file nor a workbook (.workbook or .json)`);
    }
    let doc: WorkbookLike;
    try {
        doc = JSON.parse(text) as WorkbookLike;
    } catch (e) {
        return jsonFinding(file, text, e as Error);
    }
    const workbooks = workbooksIn(doc, file);
    if (workbooks.length === 0) {
        return {
            source: file,
            message: 'not a gallery workbook: no "items" (Notebook/1.0) and no microsoft.insights/workbooks resource with serializedData',
        };
    }
    return workbooks.flatMap(({ source, workbook }) => workbookDeployedQueries(workbook, source));
}

/**
 * Checks `.kql` files and gallery workbook files with Microsoft's Kusto.Language analyzer against the
 * schemas in tables.json: each problem as a finding (`source:line:column: message`, the source being
 * the file, and for a workbook the place of the query in it). A path that can't be read, or isn't a
 * `.kql`, `.workbook` or `.json` file, throws {@link KqlFilesError} naming it.
 */
export async function checkFiles(paths: string[], analyzer?: KqlAnalyzer): Promise<KqlFinding[]> {
    const read = paths.map(queriesOf);
    const unreadable = read.filter((r): r is KqlFinding => !Array.isArray(r));
    const queries = read.filter((r): r is DeployedQuery[] => Array.isArray(r)).flat();
    return [...unreadable, ...checkQueries(queries, analyzer ?? new KqlAnalyzer())];
}
