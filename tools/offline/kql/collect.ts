import type { RecordedResource } from "../recorder";
import { substituteParameters, workbookParameterSettings, workbookQueries } from "./workbook";

/** A query the program deploys, taken from a recorded resource's inputs. */
export interface DeployedQuery {
    /** Resource type, name and the place of the query in its inputs. */
    readonly source: string;
    /** The text as the analyzer should see it (workbook tokens substituted). */
    readonly query: string;
    /**
     * A log search alert rule's query: checked also against what alert rules don't support
     * (kql/check.ts, ALERT_RESTRICTIONS).
     */
    readonly alert?: boolean;
    /** For alert rules: the column the threshold is compared with. */
    readonly measureColumn?: string;
    /** For alert rules: the columns alerts are split by. */
    readonly dimensions?: readonly string[];
    /** A problem found before analysis (e.g. an undefined workbook parameter). */
    readonly problem?: string;
    /**
     * Where workbook parameters were expanded in `query` ([start, end)): values the user picks, which
     * the documented-values check leaves alone (kql/check.ts).
     */
    readonly parameterSpans?: ReadonlyArray<readonly [number, number]>;
}

const SCHEDULED_QUERY_RULES = ["azure-native:monitor:ScheduledQueryRule", "azure-native:insights:ScheduledQueryRule"];

/**
 * Every query in the resources the program registered: scheduled query rule criteria, workbook
 * `serializedData`, query pack queries and saved searches. Collected from what is deployed, so a
 * query built in code is covered too.
 */
export function deployedQueries(resources: readonly RecordedResource[]): DeployedQuery[] {
    const found: DeployedQuery[] = [];
    for (const r of resources) {
        const i = r.inputs as Record<string, any>;
        const at = `${r.type} ${r.name}`;
        if (SCHEDULED_QUERY_RULES.includes(r.type)) {
            (i.criteria?.allOf ?? []).forEach((c: Record<string, any>, n: number) => {
                found.push({
                    source: `${at} criteria.allOf[${n}]`,
                    query: String(c.query),
                    alert: true,
                    measureColumn: c.metricMeasureColumn,
                    dimensions: (c.dimensions ?? []).map((d: { name: string }) => d.name),
                });
            });
        } else if (r.type === "azure-native:applicationinsights:Workbook") {
            found.push(...workbookDeployedQueries(JSON.parse(String(i.serializedData)), at));
        } else if (r.type === "azure-native:operationalinsights:Query") {
            found.push({ source: `${at} body`, query: String(i.body) });
        } else if (r.type === "azure-native:portal:Dashboard") {
            (i.properties?.lenses ?? []).forEach((lens: Record<string, any>, l: number) => {
                (lens.parts ?? []).forEach((part: Record<string, any>, p: number) => {
                    const inputs = new Map<string, any>(
                        (part.metadata?.inputs ?? []).map((x: { name: string; value?: unknown }) => [x.name, x.value]),
                    );
                    if (inputs.has("Query")) {
                        const d = inputs.get("Dimensions");
                        // A chart's axes must be result columns, or the portal draws nothing.
                        const axes = d
                            ? [
                                  d.xAxis?.name,
                                  ...(d.yAxis ?? []).map((a: { name: string }) => a.name),
                                  ...(d.splitBy ?? []).map((a: { name: string }) => a.name),
                              ]
                            : [];
                        found.push({
                            source: `${at} lenses[${l}].parts[${p}]`,
                            query: String(inputs.get("Query")),
                            dimensions: axes.filter(Boolean),
                        });
                    }
                });
            });
        } else if (r.type === "azure-native:operationalinsights:SavedSearch") {
            found.push({ source: `${at} query`, query: String(i.query) });
        }
    }
    return found;
}

/**
 * The Log Analytics queries of a gallery workbook (`Notebook/1.0`), each with its parameter tokens
 * expanded as the portal would; a token the workbook does not define is a problem of that query.
 */
export function workbookDeployedQueries(workbook: { items?: unknown[] }, source: string): DeployedQuery[] {
    const parameters = workbookParameterSettings(workbook as Parameters<typeof workbookParameterSettings>[0]);
    return workbookQueries(workbook as Parameters<typeof workbookQueries>[0]).map((q) => {
        try {
            const parameterSpans: Array<readonly [number, number]> = [];
            return { source: `${source} ${q.where}`, query: substituteParameters(q.query, parameters, parameterSpans), parameterSpans };
        } catch (e) {
            return { source: `${source} ${q.where}`, query: q.query, problem: (e as Error).message };
        }
    });
}
