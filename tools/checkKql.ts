/**
 * `npm run check:kql`: every query the program would deploy, for every example stack, analysed by
 * Microsoft's Kusto.Language against the table schemas in kql/tables.json, plus every `.kql` file.
 * Prints each problem as `source:line:column: message` and exits 1 when there is any.
 */
import { KqlAnalyzer } from "../kql/analyzer";
import { checkQueries, formatFinding, KqlFinding } from "../kql/check";
import { DeployedQuery, deployedQueries } from "../kql/collect";
import { loadQuery, queryNames } from "../queries";
import { evaluateStack, stackNames } from "./recorder";

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

if (require.main === module) {
    checkAll().then(
        (result) => {
            for (const f of result.findings) {
                console.log(formatFinding(f));
            }
            const perStack = Object.entries(result.deployed).map(([s, n]) => `${s} ${n}`).join(", ");
            console.log(
                `KQL check: ${result.analysed} queries analysed (deployed by stack: ${perStack}; plus the .kql files): ` +
                    (result.findings.length === 0 ? "no problems." : `${result.findings.length} problems.`),
            );
            process.exitCode = result.findings.length === 0 ? 0 : 1;
        },
        (e) => {
            console.error(`error: ${(e as Error).message}`);
            process.exitCode = 1;
        },
    );
}
