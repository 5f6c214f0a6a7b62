import { KqlAnalyzer, NUMERIC_TYPES } from "./analyzer";
import type { DeployedQuery } from "./collect";

/** One finding of the KQL check: where, and what is wrong. */
export interface KqlFinding {
    readonly source: string;
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
}

/**
 * Analyses each query; for alert rules also checks the result shape Azure validates at deploy
 * time: the measure column exists and is numeric, and every dimension is a result column.
 */
export function checkQueries(queries: readonly DeployedQuery[], analyzer: Pick<KqlAnalyzer, "analyze"> = new KqlAnalyzer()): KqlFinding[] {
    const findings: KqlFinding[] = [];
    // Stacks deploy many of the same queries (workbooks, saved queries): analyse each text once.
    const analyses = new Map<string, ReturnType<KqlAnalyzer["analyze"]>>();
    for (const q of queries) {
        if (q.problem) {
            findings.push({ source: q.source, message: q.problem });
            continue;
        }
        let analysis = analyses.get(q.query);
        if (!analysis) {
            analysis = analyzer.analyze(q.query);
            analyses.set(q.query, analysis);
        }
        for (const e of analysis.errors) {
            findings.push({ source: q.source, line: e.line, column: e.column, message: `${e.code} ${e.message}` });
        }
        const columns = new Map(analysis.columns.map((c) => [c.name, c.type]));
        const shown = analysis.columns.map((c) => c.name).join(", ");
        if (q.measureColumn !== undefined) {
            const type = columns.get(q.measureColumn);
            if (type === undefined) {
                findings.push({
                    source: q.source,
                    message: `metricMeasureColumn '${q.measureColumn}' is not a result column (the result has: ${shown})`,
                });
            } else if (!NUMERIC_TYPES.includes(type)) {
                findings.push({ source: q.source, message: `metricMeasureColumn '${q.measureColumn}' must be numeric (it is ${type})` });
            }
        }
        for (const d of q.dimensions ?? []) {
            if (!columns.has(d)) {
                findings.push({ source: q.source, message: `dimension '${d}' is not a result column (the result has: ${shown})` });
            }
        }
    }
    return findings;
}

/** `file:line:column: message`, the way editors and CI logs link it. */
export function formatFinding(f: KqlFinding): string {
    return f.line !== undefined ? `${f.source}:${f.line}:${f.column}: ${f.message}` : `${f.source}: ${f.message}`;
}
