/**
 * The KQL check: every query the program would deploy, for every example stack, analysed by
 * Microsoft's Kusto.Language against the table schemas in kql/tables.json, plus every `.kql` file.
 */
import { KqlAnalyzer } from "./kql/analyzer";
import { checkQueries, KqlFinding } from "./kql/check";
import { DeployedQuery, deployedQueries } from "./kql/collect";
import { loadQuery, queryNames } from "../../program/queries";
import { stackNames } from "../stackFiles";
import { evaluateStack } from "./recorder";

export interface KqlCheckResult {
    /** Queries found in the recorded resources, per stack. */
    readonly deployed: Record<string, number>;
    /** Queries analysed in all. */
    readonly analysed: number;
    readonly findings: readonly KqlFinding[];
    /** Wall time of collecting the queries (evaluating the stacks) and of analysing them, in ms. */
    readonly timings: { readonly collectMs: number; readonly analyseMs: number };
}

export async function checkAll(stacks: readonly string[] = stackNames()): Promise<KqlCheckResult> {
    const started = Date.now();
    const deployed: Record<string, number> = {};
    const queries: DeployedQuery[] = [];
    for (const stack of stacks) {
        const found = deployedQueries((await evaluateStack(stack)).resources);
        deployed[stack] = found.length;
        queries.push(...found.map((q) => ({ ...q, source: `${stack}: ${q.source}` })));
    }
    for (const name of queryNames()) {
        queries.push({ source: `queries/${name}.kql`, query: loadQuery(name) });
    }
    const collected = Date.now();
    const findings = checkQueries(queries, new KqlAnalyzer());
    return { deployed, analysed: queries.length, findings, timings: { collectMs: collected - started, analyseMs: Date.now() - collected } };
}
