/**
 * The KQL check: every query the program would deploy, for every example stack, analysed by
 * Microsoft's Kusto.Language against the table schemas in kql/tables.json, plus every `.kql` file.
 */
import { KqlAnalyzerThread } from "./kql/analyzerThread";
import { checkQueries, type KqlFinding } from "./kql/check";
import { type DeployedQuery, deployedQueries } from "./kql/collect";
import { loadQuery, queryNames } from "../../components/support/queries";
import { ALERT_CATALOG, ALERT_RULE_IDS, alertQuery, resolveRules } from "../../components/support/alertCatalog";
import { isUserError } from "../cli";
import { stackNames } from "../stackFiles";

/**
 * Each alert rule's query file takes the values the program sets in its `let` lines: a file whose
 * `let` line was renamed or removed is a finding on that file (the stacks then fail to evaluate).
 */
export function alertParameterFindings(dir?: string): KqlFinding[] {
    const rules = resolveRules();
    return ALERT_RULE_IDS.flatMap((id) => {
        try {
            alertQuery(id, rules[id], { apps: [], silentApps: [] }, dir);
            return [];
        } catch (e) {
            return [{ source: `queries/${ALERT_CATALOG[id].query}.kql`, message: (e as Error).message }];
        }
    });
}

/** The first line of why a stack's program failed. */
function firstLine(e: unknown): string {
    return (e instanceof Error ? e.message : String(e)).split("\n").find((l) => l.trim() !== "") ?? String(e);
}

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

/**
 * `queriesDir`: the folder of `.kql` files checked (defaults to the program's queries/); the stacks'
 * programs always read the program's own.
 */
export async function checkAll(stacks: readonly string[] = stackNames(), queriesDir?: string): Promise<KqlCheckResult> {
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
        const alertFiles = new Set(ALERT_RULE_IDS.map((id) => ALERT_CATALOG[id].query));
        const files: DeployedQuery[] = queryNames(queriesDir).map((name) => ({
            source: `queries/${name}.kql`,
            query: loadQuery(name, queriesDir),
            ...(alertFiles.has(name) ? { alert: true } : {}),
        }));
        send(files);
        // A query file without a `let` line the program sets stops every stack's program: say so
        // and check the files alone, rather than wait for programs that can't finish.
        const parameterFindings = alertParameterFindings(queriesDir);
        if (parameterFindings.length > 0) {
            const findings = [...parameterFindings, ...checkQueries(files, await thread.analyzed(files.map((q) => q.query)))];
            return {
                deployed: Object.fromEntries(stacks.map((s) => [s, 0])),
                analysed: files.length,
                findings,
                timings: { collectMs: Date.now() - started, analyseMs: 0 },
            };
        }
        const { evaluateStack } = require("./recorder") as typeof import("./recorder");
        const deployed: Record<string, number> = {};
        const queries: DeployedQuery[] = [];
        // Each stack runs in its own Pulumi runner process, all at once. As after `pulumi up`: a
        // workbook's content is known only once its workspace's ID is.
        // A stack whose program fails is a finding naming the stack, not a crash of the check.
        const evaluations = stacks.map((stack) =>
            evaluateStack(stack).then(
                (e) => {
                    const found = deployedQueries(e.resources);
                    send(found);
                    return found;
                },
                (e: unknown): DeployedQuery[] => {
                    // Wrong settings or a broken stack file stay the user's error, one line and exit 2, as for every command.
                    if (isUserError(e)) {
                        throw e;
                    }
                    return [{ source: "program", query: "", problem: `the program fails: ${firstLine(e)}` }];
                },
            ),
        );
        const foundByStack = await Promise.all(evaluations);
        for (const [i, stack] of stacks.entries()) {
            const found = foundByStack[i];
            deployed[stack] = found.filter((q) => !q.problem).length;
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
