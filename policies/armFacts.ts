/**
 * Facts about Azure that the policies and the program must agree on. The program's own are in
 * components/azure/armFacts.ts; this copy keeps the pack self-contained (it installs without the
 * program), and test/policies/armFacts.test.ts keeps the two equal, line for line.
 */

/** The Log Analytics table Entra writes provisioning logs to. */
export const PROVISIONING_LOGS_TABLE = "AADProvisioningLogs";

/** The Entra diagnostic-setting category of provisioning logs. */
export const PROVISIONING_LOGS_CATEGORY = "ProvisioningLogs";

/** A GUID in any case, as ARM accepts IDs (tenants, subscriptions, roles). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Built-in Azure role definitions by name (the same GUID in every tenant). */
export const BUILT_IN_ROLE_IDS = {
    Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
} as const;

/** The ARM ID of a Log Analytics workspace. */
export function workspaceResourceId(subscriptionId: string, resourceGroupName: string, workspaceName: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${workspaceName}`;
}

// What Azure accepts for log search alert rules (Microsoft.Insights/scheduledQueryRules).

/** Operators a log search alert accepts (the SDK's ConditionOperator enum carries another API's values). */
export const ALERT_OPERATORS = ["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"] as const;
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

/** Evaluation frequencies ARM accepts for log search alerts, shortest first. */
export const ALERT_FREQUENCIES = [
    "PT1M",
    "PT5M",
    "PT10M",
    "PT15M",
    "PT30M",
    "PT45M",
    "PT1H",
    "PT2H",
    "PT3H",
    "PT4H",
    "PT5H",
    "PT6H",
    "P1D",
] as const;
/** Window sizes: the frequencies plus two days. */
export const ALERT_WINDOWS = [...ALERT_FREQUENCIES, "P2D"] as const;

/** Minutes of an ISO 8601 duration of the forms above (PTnM, PTnH, PnD). */
export function durationMinutes(iso: string): number {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
    if (!m || iso === "P" || iso === "PT") {
        return NaN;
    }
    return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

// What a log search alert evaluated every minute can't run. Learn, "Create or edit a log search alert
// rule" (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule;
// MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/alerts/alerts-create-log-alert-rule.md,
// commit a2cad8567f80abac456fb62ff39c0ecb77029ce2): "When you set the alert rule frequency to one
// minute, an internal manipulation is performed to optimize the query. This manipulation can cause
// the query to fail if it contains unsupported operations", the most common being `search`, `union`,
// `take` (limit), `ingestion_time()`, "the `adx` pattern" and "a function that calls other tables".
// ARM then answers "Couldn't optimize this query so the selected frequency was not supported"
// (Azure/azure-rest-api-specs#20341).

/**
 * Functions every Log Analytics workspace has, by the table each reads: "The `_LogOperation` system
 * function is based on the Operation table" (https://learn.microsoft.com/azure/azure-monitor/logs/monitor-workspace).
 * A function saved in a workspace, or defined by the query itself, is not known here.
 */
export const WORKSPACE_FUNCTIONS: Readonly<Record<string, string>> = { _LogOperation: "Operation" };

/** Why a one-minute frequency refuses a query, for messages that name the construct first. */
export const ONE_MINUTE_REASON =
    "at a one-minute frequency Azure rewrites the query and fails on search, union, take (limit), ingestion_time(), " +
    `the adx pattern and functions that call other tables ("Couldn't optimize this query so the selected frequency was not supported"; ` +
    "https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule)";

// Comments, strings (quoted, verbatim, multi-line) and names. A string is one token, so its text
// never reads as a word; an unterminated one runs to the end of its line, as Kusto reads it.
const KQL_TOKEN =
    /\s+|\/\/[^\n]*|```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|@"[^"\n]*"?|@'[^'\n]*'?|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|[A-Za-z_][A-Za-z0-9_]*|./y;

/** The words, symbols and string literals (each one token) of a KQL query, without its comments. */
function kqlTokens(query: string): string[] {
    const tokens: string[] = [];
    KQL_TOKEN.lastIndex = 0;
    for (let m = KQL_TOKEN.exec(query); m !== null && m[0] !== ""; m = KQL_TOKEN.exec(query)) {
        const t = m[0];
        if (/^\s/.test(t) || t.startsWith("//")) {
            continue;
        }
        tokens.push(t);
    }
    return tokens;
}

/**
 * What in `query` a one-minute frequency can't run, each once as a phrase ("uses take"), in the order
 * it first appears; none, an empty list. `union` is a reserved word, so it is always the operator;
 * `take`, `limit` and `search` are operators only where one can start (after `|`, or at the start
 * of a query, a `let` value or parentheses): elsewhere they are column names.
 */
export function oneMinuteBlockers(query: string): string[] {
    const found = new Set<string>();
    const tokens = kqlTokens(query);
    tokens.forEach((t, k) => {
        const prev = tokens[k - 1];
        const next = tokens[k + 1];
        const operatorStart =
            prev === undefined || prev === "|" || prev === ";" || prev === "(" || prev === "{" || (prev === "=" && tokens[k - 3] === "let");
        if (t === "union" || (t === "search" && operatorStart)) {
            found.add(`uses ${t}`);
        } else if ((t === "take" || t === "limit") && prev === "|") {
            found.add(`uses ${t}`);
        } else if (t === "ingestion_time" && next === "(") {
            found.add("uses ingestion_time()");
        } else if (t === "adx" && next === "(") {
            found.add("uses the adx pattern");
        } else if (Object.hasOwn(WORKSPACE_FUNCTIONS, t) && prev !== ".") {
            found.add(`calls ${t}, a function that reads the ${WORKSPACE_FUNCTIONS[t]} table`);
        }
    });
    return [...found];
}
