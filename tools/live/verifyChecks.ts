import type { Settings } from "../../program/settings";
import { ALERT_CATALOG, ALERT_RULE_IDS } from "../../program/alertCatalog";
import { namePrefix, resourceIdentity } from "../../program/naming";
import { skipReason } from "../../components/provisioningAlerts";
import { PROVISIONING_LOGS_CATEGORY, PROVISIONING_LOGS_TABLE, workspaceResourceId } from "entra-provisioning-logs-policies/armFacts";
import { WORKBOOKS } from "../../components/provisioningWorkbooks";
import { stableGuid } from "../../program/naming";
import { TABLES_API_VERSION } from "../../program/dynamic/tableRetention";
import { loadQuery } from "../../program/queries";
import type { ArmResponse, AzureReader } from "./azureReader";

/** One line of the checklist: ✓ ok, ✗ fail (with the fix), ! warning. */
export interface CheckLine {
    readonly status: "ok" | "fail" | "warn";
    readonly check: string;
    readonly message: string;
    readonly fix?: string;
}

/** What `pulumi stack output --json` gave, when available; names are otherwise derived from the settings. */
export interface StackOutputs {
    readonly workspaceResourceId?: string;
    readonly alertRules?: readonly string[];
}

/** Diagnostic settings a tenant may have: Azure Monitor documents five per resource; no Entra-specific figure is published. */
export const MAX_TENANT_DIAGNOSTIC_SETTINGS = 5;

const API = { subscriptions: "2022-12-01", providers: "2021-04-01", workspaces: "2023-09-01", aadiam: "2017-04-01", rules: "2023-12-01", groups: "2023-01-01", workbooks: "2023-06-01" };

const ok = (check: string, message: string): CheckLine => ({ status: "ok", check, message });
const fail = (check: string, message: string, fix: string): CheckLine => ({ status: "fail", check, message, fix });
const warn = (check: string, message: string, fix?: string): CheckLine => ({ status: "warn", check, message, ...(fix ? { fix } : {}) });

/** An answer that is neither success nor "not found": say what it was, and for 403 which right is missing. */
function unexpected(check: string, what: string, r: ArmResponse, neededRight: string): CheckLine {
    if (r.status === 403) {
        return fail(check, `not allowed to read ${what} (403)`, `grant the identity running verify ${neededRight}`);
    }
    return fail(check, `reading ${what} failed (HTTP ${r.status}: ${r.body?.error?.message ?? "no details"})`, "run verify again; if it persists, check the Azure status page");
}

async function credentials(az: AzureReader, s: Settings): Promise<CheckLine[]> {
    const check = "credentials";
    const tenant = await az.credentialTenant();
    if (tenant && tenant.toLowerCase() !== s.tenantId) {
        return [fail(check, `the credentials belong to tenant ${tenant}, not ${s.tenantId}`, `log in to the stack's tenant: az login --tenant ${s.tenantId}`)];
    }
    const sub = await az.get(`/subscriptions/${s.subscriptionId}`, API.subscriptions);
    if (sub.status === 404 || sub.status === 403) {
        return [fail(check, `subscription ${s.subscriptionId} is not visible to these credentials (${sub.status})`, "log in with an identity that has Reader on the subscription, or fix subscriptionId")];
    }
    if (sub.status !== 200) {
        return [unexpected(check, "the subscription", sub, "Reader on the subscription")];
    }
    if (String(sub.body?.tenantId).toLowerCase() !== s.tenantId) {
        return [fail(check, `subscription ${s.subscriptionId} belongs to tenant ${sub.body?.tenantId}, not ${s.tenantId}`, "fix tenantId or subscriptionId in the stack")];
    }
    return [ok(check, `tenant ${s.tenantId}, subscription ${s.subscriptionId}`)];
}

async function provider(az: AzureReader, s: Settings, namespace: string): Promise<CheckLine> {
    const check = `provider ${namespace}`;
    const r = await az.get(`/subscriptions/${s.subscriptionId}/providers/${namespace}`, API.providers);
    if (r.status !== 200) {
        return unexpected(check, `the ${namespace} registration`, r, "Reader on the subscription");
    }
    const state = String(r.body?.registrationState);
    return state === "Registered"
        ? ok(check, `${namespace} is registered`)
        : fail(check, `${namespace} is ${state}`, `run pulumi up (it registers and waits), or: az provider register --namespace ${namespace} --subscription ${s.subscriptionId}`);
}

function workspaceId(s: Settings, outputs: StackOutputs): string {
    return outputs.workspaceResourceId ?? workspaceResourceId(s.subscriptionId, s.resourceGroupName, s.workspaceName);
}

const NO_DATA_CAUSES =
    "likely causes: no application has provisioning turned on or nothing changed since; the diagnostic setting was created minutes ago (allow up to 30 minutes after a provisioning cycle); the tenant has no Entra ID P1/P2 licence";

/** The workspace, its table retention and the data in it: one chain, since the query needs the workspace's customer ID. */
async function workspaceChain(az: AzureReader, s: Settings, outputs: StackOutputs): Promise<CheckLine[]> {
    const id = workspaceId(s, outputs);
    const ws = await az.get(id, API.workspaces);
    if (ws.status === 404) {
        return [fail("workspace", `workspace ${s.workspaceName} does not exist`, "run pulumi up for this stack")];
    }
    if (ws.status !== 200) {
        return [unexpected("workspace", `workspace ${s.workspaceName}`, ws, "Log Analytics Reader on the workspace")];
    }
    const retention = ws.body?.properties?.retentionInDays;
    const lines: CheckLine[] = [
        retention === s.retentionInDays
            ? ok("workspace", `${s.workspaceName} keeps data ${retention} days`)
            : fail("workspace", `${s.workspaceName} keeps data ${retention} days, the stack says ${s.retentionInDays}`, "run pulumi up to apply retentionInDays (or pulumi refresh if it was changed on purpose)"),
    ];
    const [table, data] = await Promise.all([
        az.get(`${id}/tables/${PROVISIONING_LOGS_TABLE}`, TABLES_API_VERSION),
        az.query(String(ws.body?.properties?.customerId), loadQuery("verify-data-flow"), "P30D").then(
            (rows) => ({ rows }),
            (e: Error) => ({ error: e.message }),
        ),
    ]);
    if (table.status === 200) {
        const p = table.body?.properties ?? {};
        const expected = [s.provisioningLogsRetentionInDays, s.provisioningLogsTotalRetentionInDays];
        lines.push(
            p.retentionInDays === expected[0] && p.totalRetentionInDays === expected[1]
                ? ok("table retention", `${PROVISIONING_LOGS_TABLE} keeps ${expected[0]} days interactive, ${expected[1]} days in total`)
                : fail(
                      "table retention",
                      `${PROVISIONING_LOGS_TABLE} keeps ${p.retentionInDays} days interactive, ${p.totalRetentionInDays} in total; the stack says ${expected[0]} and ${expected[1]}`,
                      "run pulumi up to apply provisioningLogsRetentionInDays and provisioningLogsTotalRetentionInDays",
                  ),
        );
    } else {
        lines.push(unexpected("table retention", `table ${PROVISIONING_LOGS_TABLE}`, table, "Log Analytics Reader on the workspace"));
    }
    if ("error" in data) {
        lines.push(fail("data", `querying the workspace failed: ${data.error}`, "grant the identity running verify Log Analytics Reader on the workspace"));
    } else {
        const row = data.rows[0] ?? {};
        const records = Number(row.Records24h ?? 0);
        if (!row.LastRecord) {
            lines.push(warn("data", `no provisioning logs in the workspace yet; ${NO_DATA_CAUSES}`));
        } else {
            const last = new Date(String(row.LastRecord)).toISOString();
            const message = `last record ${last}; ${records} records from ${row.Apps24h ?? 0} apps in the last 24 h; ingestion delay p95 ${row.IngestionDelayP95 ?? "n/a"}`;
            lines.push(records > 0 ? ok("data", message) : warn("data", `${message}: nothing in the last 24 h; ${NO_DATA_CAUSES}`));
        }
    }
    return lines;
}

async function diagnosticSettings(az: AzureReader, s: Settings, outputs: StackOutputs): Promise<CheckLine[]> {
    const check = "diagnostic setting";
    const r = await az.get("/providers/microsoft.aadiam/diagnosticSettings", API.aadiam);
    if (r.status === 403) {
        return [
            fail(
                check,
                "not allowed to read the tenant's diagnostic settings (403 on microsoft.aadiam/diagnosticSettings/read)",
                "assign the identity a role at scope /providers/Microsoft.aadiam (e.g. Contributor or Reader), or the Security Administrator directory role",
            ),
        ];
    }
    if (r.status !== 200) {
        return [unexpected(check, "the tenant's diagnostic settings", r, "a role at /providers/Microsoft.aadiam")];
    }
    const settings = (r.body?.value ?? []) as Array<{ name: string; properties?: { workspaceId?: string; logs?: Array<{ category: string; enabled: boolean }> } }>;
    const sendsProvisioning = (x: (typeof settings)[number]) => (x.properties?.logs ?? []).some((l) => l.category === PROVISIONING_LOGS_CATEGORY && l.enabled);
    const ours = workspaceId(s, outputs).toLowerCase();
    const toOurs = settings.filter((x) => sendsProvisioning(x) && x.properties?.workspaceId?.toLowerCase() === ours);
    const elsewhere = settings.filter((x) => sendsProvisioning(x) && x.properties?.workspaceId?.toLowerCase() !== ours);
    const lines: CheckLine[] = [
        toOurs.length > 0
            ? ok(check, `${toOurs.map((x) => x.name).join(", ")} sends ProvisioningLogs to ${s.workspaceName}`)
            : fail(check, `no tenant diagnostic setting sends ProvisioningLogs to ${s.workspaceName} (found ${settings.length} setting(s))`, "run pulumi up for this stack"),
    ];
    if (elsewhere.length > 0) {
        lines.push(
            warn(check, `${elsewhere.map((x) => x.name).join(", ")} also send${elsewhere.length === 1 ? "s" : ""} ProvisioningLogs elsewhere: every copy is ingested and billed again`, "remove ProvisioningLogs from the other setting if it is not needed"),
        );
    }
    if (settings.length >= MAX_TENANT_DIAGNOSTIC_SETTINGS) {
        lines.push(warn(check, `the tenant has ${settings.length} diagnostic settings, the limit is ${MAX_TENANT_DIAGNOSTIC_SETTINGS}: no other can be added`));
    }
    return lines;
}

/** Each alert rule, then each of its action groups. */
async function alertRule(az: AzureReader, s: Settings, ruleName: string): Promise<CheckLine[]> {
    const check = `alert ${ruleName}`;
    const r = await az.get(`/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.Insights/scheduledQueryRules/${ruleName}`, API.rules);
    if (r.status === 404) {
        return [fail(check, "the alert rule does not exist", "run pulumi up for this stack")];
    }
    if (r.status !== 200) {
        return [unexpected(check, "the alert rule", r, "Monitoring Reader on the resource group")];
    }
    const p = r.body?.properties ?? {};
    if (p.enabled === false) {
        return [fail(check, "the alert rule is disabled", "enable it (pulumi up restores it) or turn it off on purpose with alertOverrides <rule>.enabled=false")];
    }
    const groupIds: string[] = p.actions?.actionGroups ?? [];
    if (groupIds.length === 0) {
        return [fail(check, "the alert rule notifies no action group", "add a receiver to alertReceivers and run pulumi up")];
    }
    const groups = await Promise.all(groupIds.map((id) => az.get(id, API.groups).then((g) => ({ id, g }))));
    const problems = groups.flatMap(({ id, g }) => {
        const name = id.split("/").pop();
        if (g.status === 404) {
            return [`action group ${name} does not exist`];
        }
        if (g.status !== 200) {
            return [`action group ${name} could not be read (HTTP ${g.status})`];
        }
        const gp = g.body?.properties ?? {};
        const receivers = ["emailReceivers", "smsReceivers", "webhookReceivers", "armRoleReceivers", "logicAppReceivers", "voiceReceivers", "azureAppPushReceivers"].reduce((n, k) => n + (gp[k]?.length ?? 0), 0);
        return [...(gp.enabled === false ? [`action group ${name} is disabled`] : []), ...(receivers === 0 ? [`action group ${name} has no receiver`] : [])];
    });
    return problems.length === 0
        ? [ok(check, `enabled, notifies ${groups.map(({ id }) => id.split("/").pop()).join(", ")}`)]
        : [fail(check, problems.join("; "), "run pulumi up for this stack (and check alertReceivers)")];
}

async function workbook(az: AzureReader, s: Settings, file: string): Promise<CheckLine> {
    const check = `workbook ${file}`;
    const id = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/microsoft.insights/workbooks/${stableGuid(...resourceIdentity({ ...s, instanceName: s.stack }), "workbook", file)}`;
    const r = await az.get(id, API.workbooks);
    if (r.status === 200) {
        return ok(check, `${WORKBOOKS[file]} exists`);
    }
    return r.status === 404 ? fail(check, `${WORKBOOKS[file]} does not exist`, "run pulumi up for this stack") : unexpected(check, "the workbook", r, "Reader on the resource group");
}

/** The alert rules the stack deploys, by name. */
export function expectedAlertRules(s: Settings, outputs: StackOutputs): string[] {
    if (outputs.alertRules) {
        return [...outputs.alertRules];
    }
    if (!s.alerts) {
        return [];
    }
    const alerts = s.alerts;
    const context = { auditLogsEnabled: s.diagnosticLogCategories.includes("AuditLogs"), dailyCapEnabled: s.dailyQuotaGb !== undefined };
    return ALERT_RULE_IDS.filter((id) => !skipReason(id, alerts.rules[id], context)).map((id) => `${namePrefix(s.stack)}-${ALERT_CATALOG[id].slug}`);
}

/**
 * Every check, run concurrently where independent; the result keeps a stable order (credentials,
 * providers, workspace and data, diagnostic settings, alerts, workbooks).
 */
export async function runChecks(az: AzureReader, s: Settings, outputs: StackOutputs = {}): Promise<CheckLine[]> {
    const guard = (check: string, p: Promise<CheckLine | CheckLine[]>): Promise<CheckLine[]> =>
        p.then(
            (x) => (Array.isArray(x) ? x : [x]),
            (e: Error) => [fail(check, `could not be checked: ${e.message.split("\n")[0]}`, "check the network and the credentials (az login), then run verify again")],
        );
    const namespaces = ["Microsoft.Insights", "Microsoft.OperationalInsights", ...(s.dashboardName ? ["Microsoft.Portal"] : [])];
    const groups = await Promise.all([
        guard("credentials", credentials(az, s)),
        ...namespaces.map((ns) => guard(`provider ${ns}`, provider(az, s, ns))),
        guard("workspace", workspaceChain(az, s, outputs)),
        guard("diagnostic setting", diagnosticSettings(az, s, outputs)),
        ...expectedAlertRules(s, outputs).map((rule) => guard(`alert ${rule}`, alertRule(az, s, rule))),
        ...(s.workbooksEnabled ? Object.keys(WORKBOOKS).map((file) => guard(`workbook ${file}`, workbook(az, s, file))) : []),
    ]);
    return groups.flat();
}

const SYMBOL = { ok: "✓", fail: "✗", warn: "!" } as const;

export function renderChecklist(lines: readonly CheckLine[]): string {
    return lines.map((l) => `${SYMBOL[l.status]} ${l.check}: ${l.message}${l.fix ? ` — fix: ${l.fix}` : ""}`).join("\n");
}
