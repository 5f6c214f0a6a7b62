/**
 * The KQL check: every query the program would deploy, for every example stack, analysed by
 * Microsoft's Kusto.Language against the table schemas in kql/tables.json, plus every `.kql` file.
 */
import { KqlAnalyzerThread } from "./kql/analyzerThread";
import { checkQueries, type KqlFinding } from "./kql/check";
import { type DeployedQuery, deployedQueries } from "./kql/collect";
import { loadQuery, queryNames } from "../../components/support/queries";
import { stackNames } from "../stackFiles";

export interface KqlCheckResult {
    /** Queries found in the recorded resources, per stack. */
    readonly deployed: Record<string, number>;
    /** Queries analysed in all. */
    readonly analysed: number;
    readonly findings: readonly KqlFinding[];
    /**
     * Wall time of collecting the queries (evaluating the stacks), and of the analysis still left
     * once they are collected, in ms: Kusto.Language loads and analyses in its thread meanwhile.
     */
    readonly timings: { readonly collectMs: number; readonly analyseMs: number };
}

export async function checkAll(stacks: readonly string[] = stackNames()): Promise<KqlCheckResult> {
    const started = Date.now();
    // First the analyzer thread, then the Pulumi SDK (required here, not imported, for that order)
    // and the stacks on this thread; each query goes to the thread as soon as it is known.
    const thread = new KqlAnalyzerThread();
    try {
        const send = (qs: readonly DeployedQuery[]) =>
            qs
                .filter((q) => !q.problem)
                .forEach((q) => {
                    thread.analyze(q.query).catch(() => undefined);
                });
        const files: DeployedQuery[] = queryNames().map((name) => ({ source: `queries/${name}.kql`, query: loadQuery(name) }));
        send(files);
        const { evaluateStack } = require("./recorder") as typeof import("./recorder");
        const deployed: Record<string, number> = {};
        const queries: DeployedQuery[] = [];
        // Each stack runs in its own Pulumi runner process, all at once. As after `pulumi up`: a
        // workbook's content is known only once its workspace's ID is.
        const evaluations = stacks.map((stack) =>
            evaluateStack(stack).then((e) => {
                const found = deployedQueries(e.resources);
                send(found);
                return found;
            }),
        );
        const foundByStack = await Promise.all(evaluations);
        for (const [i, stack] of stacks.entries()) {
            const found = foundByStack[i];
            deployed[stack] = found.length;
            queries.push(...found.map((q) => ({ ...q, source: `${stack}: ${q.source}` })));
        }
        queries.push(...files);
        const collected = Date.now();
        const findings = checkQueries(queries, await thread.analyzed(queries.filter((q) => !q.problem).map((q) => q.query)));
        return {
            deployed,
            analysed: queries.length,
            findings,
            timings: { collectMs: collected - started, analyseMs: Date.now() - collected },
        };
    } finally {
        await thread.close();
    }
}
