import { type KqlConstruct, KqlAnalyzer, NUMERIC_TYPES } from "./analyzer";
import type { DeployedQuery } from "./collect";

/** One finding of the KQL check: where, and what is wrong. */
export interface KqlFinding {
    readonly source: string;
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
}

const ALERT_QUERY_PAGE = "https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-log-query";
const ALERT_RULE_PAGE = "https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule";

/**
 * What log search alert rules don't support, by construct, with Microsoft's words and page. The
 * analyzer accepts all of these (they are valid KQL), so a rule using one deploys and then fails or
 * never fires: each is a finding in an alert query (not in a workbook or saved query).
 */
export const ALERT_RESTRICTIONS: Readonly<Record<KqlConstruct["construct"], string>> = {
    union: `alert queries start with a table, without union except across resources (workspace(), app(), resource()): "We don't support creating or modifying log search alert rules that use search or union operators, except for cross-resource queries" (${ALERT_QUERY_PAGE})`,
    search: `alert queries start with a table, without search: "We don't support creating or modifying log search alert rules that use search or union operators, except for cross-resource queries" (${ALERT_QUERY_PAGE})`,
    ago: `"Log search alert rule queries support ago() with timespan literals only" (${ALERT_RULE_PAGE})`,
    AggregatedValue: `"AggregatedValue is a reserved word. You can't use it in the query on log search alert rules" (${ALERT_RULE_PAGE})`,
    pivot: `"Log search alert rule queries don't support bag_unpack(), pivot(), and narrow()" (${ALERT_RULE_PAGE})`,
    bag_unpack: `"Log search alert rule queries don't support bag_unpack(), pivot(), and narrow()" (${ALERT_RULE_PAGE})`,
    narrow: `"Log search alert rule queries don't support bag_unpack(), pivot(), and narrow()" (${ALERT_RULE_PAGE})`,
};

/**
 * Kusto.Language warnings that are not findings, each with why. Every other warning is a finding: a
 * warning can mark a query that runs and returns nothing forever, e.g. KS205, a `union isfuzzy` leg
 * naming no known table (a misspelt table that never fails and never fires).
 */
export const IGNORED_WARNINGS: Readonly<Record<string, string>> = {};

/**
 * Analyses each query: the analyzer's errors and warnings, and values and JSON keys outside what
 * Microsoft documents for the column (tables.json "domains" and "jsonKeys", each finding citing its
 * source), except in text a workbook parameter expands to; for alert rules also what log search
 * alert rules don't support and the result shape Azure validates at deploy time: the measure column
 * exists and is numeric, and every dimension is a result column.
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
        for (const e of [...analysis.errors, ...analysis.warnings.filter((w) => !(w.code in IGNORED_WARNINGS))]) {
            findings.push({ source: q.source, line: e.line, column: e.column, message: `${e.code} ${e.message}` });
        }
        if (q.alert) {
            for (const c of analysis.constructs) {
                findings.push({
                    source: q.source,
                    line: c.line,
                    column: c.column,
                    message: `${c.construct} in an alert rule's query (${c.text}): ${ALERT_RESTRICTIONS[c.construct]}`,
                });
            }
        }
        for (const u of analysis.undocumented) {
            // A workbook parameter's value is what the user picks when the query runs, not the query's own text.
            if ((q.parameterSpans ?? []).some(([start, end]) => u.start < end && start < u.end)) {
                continue;
            }
            findings.push({ source: q.source, line: u.line, column: u.column, message: `${u.message} (source: ${u.source})` });
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
