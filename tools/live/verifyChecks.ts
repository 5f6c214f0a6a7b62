import type { Settings } from "../../program/settings";
import { provisioningJobFindings } from "./provisioningJobs";
import { ALERT_CATALOG, ALERT_RULE_IDS } from "../../components/support/alertCatalog";
import { namePrefix, resourceIdentity, workspaceIdParts } from "../../components/support/naming";
import { skipReason } from "../../components/provisioningAlerts";
import { PROVISIONING_LOGS_CATEGORY, PROVISIONING_LOGS_TABLE, workspaceResourceId } from "../../components/azure/armFacts";
import { WORKBOOKS } from "../../components/provisioningWorkbooks";
import { stableGuid } from "../../components/support/naming";
import { TABLES_API_VERSION } from "../../components/dynamic/tableRetention";
import { loadQuery } from "../../components/support/queries";
import { ArmGaveUp } from "../../components/azure/armOperation";
import { type ArmResponse, type AzureReader, LiveFailure } from "./azureReader";
import { type CheckLine, fail, ok, warn } from "./checkLine";

/** What `pulumi stack output --json` gave, when available; names are otherwise derived from the settings. */
export interface StackOutputs {
    readonly workspaceResourceId?: string;
    readonly alertRules?: readonly string[];
}

/** Diagnostic settings a tenant may have: Azure Monitor documents five per resource; no Entra-specific figure is published. */
export const MAX_TENANT_DIAGNOSTIC_SETTINGS = 5;

/** The destinations of a tenant diagnostic setting besides its workspace (Microsoft.Aadiam 2017-04-01, DiagnosticSettings). */
export const OTHER_DESTINATIONS = ["storageAccountId", "eventHubAuthorizationRuleId", "eventHubName", "serviceBusRuleId"] as const;

/** A tenant diagnostic setting as `GET /providers/microsoft.aadiam/diagnosticSettings` lists it. */
export interface TenantSetting {
    readonly name: string;
    readonly properties?: {
        readonly workspaceId?: string;
        readonly storageAccountId?: string;
        readonly eventHubAuthorizationRuleId?: string;
        readonly eventHubName?: string;
        readonly serviceBusRuleId?: string;
        readonly logs?: ReadonlyArray<{ readonly category: string; readonly enabled: boolean }>;
    };
}

/** The categories a setting sends (enabled), in its order. */
export function enabledCategories(setting: TenantSetting): string[] {
    return (setting.properties?.logs ?? []).filter((l) => l.enabled).map((l) => l.category);
}

export const API = {
    subscriptions: "2022-12-01",
    providers: "2021-04-01",
    workspaces: "2023-09-01",
    aadiam: "2017-04-01",
    rules: "2023-12-01",
    groups: "2023-01-01",
    workbooks: "2023-06-01",
};

/**
 * The fix for what drifted from a deployed stack: Pulumi compares the program with its state, not with
 * Azure, so a plain `pulumi up` changes nothing that was changed or deleted outside it; `--refresh`
 * reads Azure first (pulumi.com/docs/iac/cli/commands/pulumi_up: "--refresh: Refresh the state of the
 * stack's resources before this update").
 */
const REFRESH_UP = "run pulumi up --refresh";

/** A number ARM reported, or undefined when its answer has none. */
function knownNumber(value: unknown): number | undefined {
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** `N days`, or what stands in for a number ARM's answer lacks. */
function daysOrUnknown(value: unknown): string {
    const n = knownNumber(value);
    return n === undefined ? "an unknown number of days (not in ARM's answer)" : `${n} days`;
}

/** The fix when Azure itself was failing or throttling until verify's deadline. */
const AZURE_SIDE =
    "a problem on Azure's side, not in this stack: run verify again in a few minutes; if it persists, check the Azure status page";
/** The fix when the credentials could not get a token. */
const CREDENTIALS_FIX =
    "log in (az login --tenant <tenant>) or set the stack's azure-native:* config or the ARM_* variables the azure-native provider reads, then run verify again";

/** ARM's answer in a few words: `HTTP 400 InvalidApiVersion: The api-version … is not supported`. */
function armSays(r: ArmResponse): string {
    const error = r.body?.error;
    return `HTTP ${r.status}${error?.code ? ` ${error.code}` : ""}${error?.message ? `: ${String(error.message).replace(/\.\s*$/, "")}` : ""}`;
}

/** What a request for a check needs: the role that may read it, and the stack settings its address is built from. */
interface Needs {
    readonly right: string;
    readonly settings?: string;
}

/**
 * An answer that is neither success nor what the check expects: say what it was, and give the fix
 * for its kind: 401 the credentials, 403 the role, 400 the request (and the settings it is built
 * from), 404 not deployed, 408/429/5xx Azure's side, a body that is not JSON an unexpected answer.
 */
function unexpected(check: string, what: string, r: ArmResponse, needs: Needs, s: Settings): CheckLine {
    if (r.malformed !== undefined) {
        return fail(
            check,
            `reading ${what} gave an unexpected answer: HTTP ${r.status} with a body that is not JSON (${JSON.stringify(r.malformed)})`,
            "run verify again; if it persists, something between this machine and Azure (a proxy, HTTPS_PROXY) answers instead of ARM",
        );
    }
    if (r.status === 401) {
        return fail(check, `the credentials were refused reading ${what} (${armSays(r)})`, CREDENTIALS_FIX);
    }
    if (r.status === 403) {
        return fail(check, `not allowed to read ${what} (403)`, `grant the identity running verify ${needs.right}`);
    }
    if (r.status === 400) {
        return fail(
            check,
            `ARM refused the request for ${what} (${armSays(r)})`,
            needs.settings
                ? `check ${needs.settings} in Pulumi.${s.stack}.yaml (the request is built from them)`
                : "ARM's message says what it refused; run verify again, and report it if it persists",
        );
    }
    if (r.status === 404) {
        return fail(check, `${what} does not exist (404)`, `${REFRESH_UP} for this stack`);
    }
    if (r.status === 408 || r.status === 429 || r.status >= 500 || (r.status === 409 && r.gaveUp !== undefined)) {
        return fail(
            check,
            `reading ${what} failed: Azure answered ${r.gaveUp ?? armSays(r)}`,
            r.status === 429 ? "Azure kept throttling verify's requests: run verify again in a few minutes" : AZURE_SIDE,
        );
    }
    return fail(
        check,
        `reading ${what} gave an unexpected answer (${armSays(r)})`,
        "run verify again; if it persists, report it with this line",
    );
}

/** Whether an error comes from the credential (no token), not from Azure's answer. */
function isCredentialError(e: Error): boolean {
    return /Credential|AuthenticationError/.test(e.name ?? "") || /ARM_USE_OIDC|ARM_CLIENT|credential/i.test(e.message ?? "");
}

/** A check that threw: no token, Azure failing until the deadline, or something else, each with its fix. */
function thrown(check: string, e: Error): CheckLine {
    const first = String(e.message ?? e).split("\n")[0];
    if (e instanceof LiveFailure) {
        return fail(check, e.message, e.fix);
    }
    if (e instanceof ArmGaveUp) {
        return fail(check, `could not be checked: Azure answered ${e.answered}`, AZURE_SIDE);
    }
    if (isCredentialError(e)) {
        return fail(check, `could not get a token for Azure: ${first}`, CREDENTIALS_FIX);
    }
    return fail(check, `could not be checked: ${first}`, "check the network (and HTTPS_PROXY), then run verify again");
}

const ON_SUBSCRIPTION: Needs = { right: "Reader on the subscription", settings: "subscriptionId" };

async function credentials(az: AzureReader, s: Settings): Promise<CheckLine[]> {
    const check = "credentials";
    const tenant = await az.credentialTenant();
    if (tenant && tenant.toLowerCase() !== s.tenantId) {
        return [
            fail(
                check,
                `the credentials belong to tenant ${tenant}, not ${s.tenantId}`,
                `log in to the stack's tenant: az login --tenant ${s.tenantId}`,
            ),
        ];
    }
    const sub = await az.get(`/subscriptions/${s.subscriptionId}`, API.subscriptions);
    if ((sub.status === 404 || sub.status === 403) && sub.malformed === undefined) {
        return [
            fail(
                check,
                `subscription ${s.subscriptionId} is not visible to these credentials (${sub.status})`,
                "log in with an identity that has Reader on the subscription, or fix subscriptionId",
            ),
        ];
    }
    if (sub.status !== 200 || sub.malformed !== undefined) {
        return [unexpected(check, "the subscription", sub, ON_SUBSCRIPTION, s)];
    }
    if (String(sub.body?.tenantId).toLowerCase() !== s.tenantId) {
        return [
            fail(
                check,
                `subscription ${s.subscriptionId} belongs to tenant ${sub.body?.tenantId}, not ${s.tenantId}`,
                "fix tenantId or subscriptionId in the stack",
            ),
        ];
    }
    return [ok(check, `tenant ${s.tenantId}, subscription ${s.subscriptionId}`)];
}

async function provider(az: AzureReader, s: Settings, namespace: string): Promise<CheckLine> {
    const check = `provider ${namespace}`;
    const r = await az.get(`/subscriptions/${s.subscriptionId}/providers/${namespace}`, API.providers);
    if (r.status !== 200 || r.malformed !== undefined) {
        return unexpected(check, `the ${namespace} registration`, r, ON_SUBSCRIPTION, s);
    }
    const state = String(r.body?.registrationState);
    return state === "Registered"
        ? ok(check, `${namespace} is registered`)
        : fail(
              check,
              `${namespace} is ${state}`,
              `run pulumi up (it registers and waits), or: az provider register --namespace ${namespace} --subscription ${s.subscriptionId}`,
          );
}

function workspaceId(s: Settings, outputs: StackOutputs): string {
    return (
        outputs.workspaceResourceId ?? s.existingWorkspaceId ?? workspaceResourceId(s.subscriptionId, s.resourceGroupName, s.workspaceName)
    );
}

/** What `existingWorkspaceId` names is looked up with its fix, not "run pulumi up". */
const EXISTING_WORKSPACE_FIX = "check existingWorkspaceId: npm run discover lists the workspaces of the tenant these credentials can see";

/**
 * An existing workspace in another subscription must be in the stack's tenant: Entra sends a
 * tenant's logs to it, and the credentials of this tenant must reach it. Undefined when it is.
 */
async function existingWorkspaceTenant(az: AzureReader, s: Settings, id: string): Promise<CheckLine | undefined> {
    const sub = workspaceIdParts(id)?.subscriptionId;
    if (sub === undefined || sub === s.subscriptionId) {
        return undefined;
    }
    const r = await az.get(`/subscriptions/${sub}`, API.subscriptions);
    if ((r.status === 404 || r.status === 403) && r.malformed === undefined) {
        return fail(
            "workspace",
            `${s.workspaceName} is in subscription ${sub}, which these credentials of tenant ${s.tenantId} cannot see (${r.status}): it may belong to another tenant`,
            EXISTING_WORKSPACE_FIX,
        );
    }
    if (r.status !== 200 || r.malformed !== undefined) {
        return unexpected(
            "workspace",
            `subscription ${sub} of workspace ${s.workspaceName}`,
            r,
            { right: "Reader on that subscription", settings: "existingWorkspaceId" },
            s,
        );
    }
    const tenant = String(r.body?.tenantId ?? "").toLowerCase();
    return tenant && tenant !== s.tenantId
        ? fail(
              "workspace",
              `${s.workspaceName} is in subscription ${sub} of tenant ${tenant}, not this stack's tenant ${s.tenantId}`,
              EXISTING_WORKSPACE_FIX,
          )
        : undefined;
}

const NO_DATA_CAUSES =
    "likely causes: no application has provisioning turned on or nothing changed since; the diagnostic setting was created minutes ago (allow up to 30 minutes after a provisioning cycle); the tenant has no Entra ID P1/P2 licence";

/** The data query's failure, with the fix for its kind. */
function queryFailed(e: Error & { statusCode?: number; code?: string }, s: Settings): CheckLine {
    const check = "data";
    const first = String(e.message ?? e).split("\n")[0];
    if (e instanceof LiveFailure) {
        return fail(check, e.message, e.fix);
    }
    if (e instanceof ArmGaveUp) {
        return fail(check, `querying the workspace failed: Azure answered ${e.answered}`, AZURE_SIDE);
    }
    switch (e.statusCode) {
        case 401:
            return fail(check, `the credentials were refused querying the workspace (HTTP 401: ${first})`, CREDENTIALS_FIX);
        case 403:
            return fail(
                check,
                `not allowed to query the workspace (HTTP 403: ${first})`,
                "grant the identity running verify Log Analytics Reader on the workspace",
            );
        case 400:
            return fail(
                check,
                `the query API refused verify's data query (HTTP 400: ${first})`,
                "check queries/verify-data-flow.kql (npm run check:kql analyses it), then run verify again",
            );
        case 404:
            return fail(
                check,
                `the query API does not know workspace ${s.workspaceName} (HTTP 404: ${first})`,
                `${REFRESH_UP} for this stack; a new workspace can take a few minutes to answer queries`,
            );
    }
    if (e.statusCode !== undefined && (e.statusCode === 408 || e.statusCode === 429 || e.statusCode >= 500)) {
        return fail(check, `querying the workspace failed (HTTP ${e.statusCode}: ${first})`, AZURE_SIDE);
    }
    if (e.statusCode === undefined && isCredentialError(e)) {
        return fail(check, `could not get a token for Azure: ${first}`, CREDENTIALS_FIX);
    }
    return fail(
        check,
        `querying the workspace gave an unexpected answer${e.statusCode !== undefined ? ` (HTTP ${e.statusCode})` : ""}: ${first}`,
        "run verify again; if it persists, report it with this line",
    );
}

/** The workspace, its table retention and the data in it: one chain, since the query needs the workspace's customer ID. */
async function workspaceChain(az: AzureReader, s: Settings, outputs: StackOutputs): Promise<CheckLine[]> {
    const id = workspaceId(s, outputs);
    const existing = s.existingWorkspaceId !== undefined;
    const onWorkspace: Needs = {
        right: "Log Analytics Reader on the workspace",
        settings: outputs.workspaceResourceId
            ? undefined
            : existing
              ? "existingWorkspaceId"
              : "subscriptionId, resourceGroupName and workspaceName",
    };
    const elsewhere = existing ? await existingWorkspaceTenant(az, s, id) : undefined;
    if (elsewhere) {
        return [elsewhere];
    }
    const ws = await az.get(id, API.workspaces);
    if (ws.status === 404 && ws.malformed === undefined) {
        return [
            fail(
                "workspace",
                `workspace ${s.workspaceName} does not exist`,
                existing ? EXISTING_WORKSPACE_FIX : `${REFRESH_UP} for this stack`,
            ),
        ];
    }
    if (ws.status !== 200 || ws.malformed !== undefined) {
        return [unexpected("workspace", `workspace ${s.workspaceName}`, ws, onWorkspace, s)];
    }
    const retention = knownNumber(ws.body?.properties?.retentionInDays);
    const customerId = ws.body?.properties?.customerId;
    const lines: CheckLine[] = [
        retention === undefined
            ? warn(
                  "workspace",
                  `${s.workspaceName}'s retention is unknown: ARM's answer has no properties.retentionInDays`,
                  "check the workspace's retention in the portal (Usage and estimated costs › Data retention)",
              )
            : existing
              ? ok("workspace", `${s.workspaceName} keeps data ${retention} days (an existing workspace this stack uses as it is)`)
              : retention === s.retentionInDays
                ? ok("workspace", `${s.workspaceName} keeps data ${retention} days`)
                : fail(
                      "workspace",
                      `${s.workspaceName} keeps data ${retention} days, the stack says ${s.retentionInDays}`,
                      `${REFRESH_UP} to apply retentionInDays${retention > s.retentionInDays ? " (a lower one only with allowRetentionDecrease, which deletes older logs), or raise retentionInDays to match" : ""}`,
                  ),
    ];
    const [table, data] = await Promise.all([
        az.get(`${id}/tables/${PROVISIONING_LOGS_TABLE}`, TABLES_API_VERSION),
        typeof customerId === "string" && customerId !== ""
            ? az.query(customerId, loadQuery("verify-data-flow"), "P30D").then(
                  (rows) => ({ rows }),
                  (e: Error) => ({ error: e }),
              )
            : Promise.resolve({ unknown: "ARM's answer for the workspace has no properties.customerId, the ID its logs are queried by" }),
    ]);
    if (table.status === 200 && table.malformed === undefined && existing && !s.manageExistingWorkspaceRetention) {
        const p = table.body?.properties ?? {};
        lines.push(
            ok(
                "table retention",
                `${PROVISIONING_LOGS_TABLE} keeps ${daysOrUnknown(p.retentionInDays)} interactive, ${daysOrUnknown(p.totalRetentionInDays)} in total (left as it is: manageExistingWorkspaceRetention is off)`,
            ),
        );
    } else if (table.status === 200 && table.malformed === undefined) {
        const p = table.body?.properties ?? {};
        const expected = [s.provisioningLogsRetentionInDays, s.provisioningLogsTotalRetentionInDays];
        const longer = p.retentionInDays > expected[0] || p.totalRetentionInDays > expected[1];
        lines.push(
            p.retentionInDays === expected[0] && p.totalRetentionInDays === expected[1]
                ? ok("table retention", `${PROVISIONING_LOGS_TABLE} keeps ${expected[0]} days interactive, ${expected[1]} days in total`)
                : fail(
                      "table retention",
                      `${PROVISIONING_LOGS_TABLE} keeps ${daysOrUnknown(p.retentionInDays)} interactive, ${daysOrUnknown(p.totalRetentionInDays)} in total; the stack says ${expected[0]} and ${expected[1]}`,
                      longer
                          ? "the table keeps logs longer than the stack says, and pulumi up will not shorten it unless told to (allowRetentionDecrease): raise provisioningLogsRetentionInDays and provisioningLogsTotalRetentionInDays to match"
                          : `${REFRESH_UP} to apply provisioningLogsRetentionInDays and provisioningLogsTotalRetentionInDays`,
                  ),
        );
    } else {
        lines.push(unexpected("table retention", `table ${PROVISIONING_LOGS_TABLE}`, table, onWorkspace, s));
    }
    if ("unknown" in data) {
        lines.push(warn("data", `whether provisioning logs arrive is unknown: ${data.unknown}`));
    } else if ("error" in data) {
        lines.push(queryFailed(data.error, s));
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

/** The last segment of an ARM ID: the resource's name. */
const nameOf = (id: string | undefined) =>
    String(id ?? "")
        .split("/")
        .pop() || "(no workspace)";

async function diagnosticSettings(az: AzureReader, s: Settings, outputs: StackOutputs): Promise<CheckLine[]> {
    const check = "diagnostic setting";
    const r = await az.get("/providers/microsoft.aadiam/diagnosticSettings", API.aadiam);
    if (r.status === 403 && r.malformed === undefined) {
        return [
            fail(
                check,
                "not allowed to read the tenant's diagnostic settings (403 on microsoft.aadiam/diagnosticSettings/read)",
                "assign the identity a role at scope /providers/Microsoft.aadiam (e.g. Contributor or Reader), or the Security Administrator directory role",
            ),
        ];
    }
    if (r.status !== 200 || r.malformed !== undefined) {
        return [unexpected(check, "the tenant's diagnostic settings", r, { right: "a role at /providers/Microsoft.aadiam" }, s)];
    }
    const settings = (r.body?.value ?? []) as TenantSetting[];
    const sendsProvisioning = (x: (typeof settings)[number]) =>
        (x.properties?.logs ?? []).some((l) => l.category === PROVISIONING_LOGS_CATEGORY && l.enabled);
    const ours = workspaceId(s, outputs).toLowerCase();
    const isMine = (x: (typeof settings)[number]) => x.name.toLowerCase() === s.diagnosticSettingName.toLowerCase();
    const mine = settings.find(isMine);
    const toOurs = settings.filter((x) => sendsProvisioning(x) && x.properties?.workspaceId?.toLowerCase() === ours);
    const elsewhere = settings.filter((x) => sendsProvisioning(x) && x.properties?.workspaceId?.toLowerCase() !== ours && !isMine(x));
    const lines: CheckLine[] = [];
    if (s.adoptDiagnosticSetting && !mine) {
        return [
            fail(
                check,
                `adoptDiagnosticSetting names ${s.diagnosticSettingName}, which is not a diagnostic setting of this tenant (found: ${settings.map((x) => x.name).join(", ") || "none"})`,
                "check its name: npm run discover lists the tenant's settings",
            ),
        ];
    }
    if (toOurs.length > 0) {
        lines.push(ok(check, `${toOurs.map((x) => x.name).join(", ")} sends ProvisioningLogs to ${s.workspaceName}`));
    } else if (mine && sendsProvisioning(mine)) {
        lines.push(
            fail(
                check,
                `${mine.name}, this stack's setting, sends ProvisioningLogs to ${nameOf(mine.properties?.workspaceId)}, not ${s.workspaceName}`,
                `${REFRESH_UP} for this stack: it points the setting back at its workspace`,
            ),
        );
    } else if (mine) {
        lines.push(
            fail(
                check,
                `${mine.name}, this stack's setting, does not send ProvisioningLogs`,
                `${REFRESH_UP} for this stack: it turns ProvisioningLogs back on`,
            ),
        );
    } else {
        lines.push(
            fail(
                check,
                `no tenant diagnostic setting sends ProvisioningLogs to ${s.workspaceName} (found ${settings.length} setting(s))`,
                `${REFRESH_UP} for this stack`,
            ),
        );
    }
    if (mine) {
        lines.push(...sameAsDeclared(s, mine));
    }
    if (elsewhere.length > 0) {
        const names = elsewhere.map((x) => x.name).join(", ");
        const one = elsewhere.length === 1;
        lines.push(
            warn(
                check,
                `${names} also send${one ? "s" : ""} ProvisioningLogs to ${[...new Set(elsewhere.map((x) => nameOf(x.properties?.workspaceId)))].join(", ")}: every copy is ingested and billed again` +
                    (s.allowDuplicateProvisioningLogs ? " (allowed by allowDuplicateProvisioningLogs)" : ""),
                `remove ProvisioningLogs from ${names} if ${one ? "it is" : "they are"} not needed`,
            ),
        );
    }
    if (settings.length >= MAX_TENANT_DIAGNOSTIC_SETTINGS) {
        lines.push(
            warn(
                check,
                `the tenant has ${settings.length} diagnostic settings, the limit is ${MAX_TENANT_DIAGNOSTIC_SETTINGS}: no other can be added`,
            ),
        );
    }
    return lines;
}

/**
 * This stack's setting sends what the stack lists: a listed category it doesn't send is turned back on
 * by pulumi up; one it sends that isn't listed is removed by pulumi up from a setting the stack
 * created, and stops pulumi up from adopting one (it would drop it), as would an unlisted destination.
 * Only what is off gets a line.
 */
function sameAsDeclared(s: Settings, mine: TenantSetting): CheckLine[] {
    const check = "diagnostic setting";
    const sent = enabledCategories(mine).map((c) => c.toLowerCase());
    const declared = [PROVISIONING_LOGS_CATEGORY, ...s.diagnosticLogCategories];
    const missing = declared.filter((c) => c !== PROVISIONING_LOGS_CATEGORY && !sent.includes(c.toLowerCase()));
    const extra = enabledCategories(mine).filter((c) => !declared.some((d) => d.toLowerCase() === c.toLowerCase()));
    const lines: CheckLine[] = [];
    if (missing.length > 0) {
        lines.push(
            fail(
                check,
                `${mine.name} does not send ${missing.join(", ")}, which the stack lists in diagnosticLogCategories`,
                `${REFRESH_UP} for this stack`,
            ),
        );
    }
    if (extra.length > 0) {
        lines.push(
            s.adoptDiagnosticSetting
                ? fail(
                      check,
                      `${mine.name} sends ${extra.join(", ")}, which diagnosticLogCategories does not list: pulumi up refuses to adopt it, as that would stop sending them`,
                      `add ${extra.join(", ")} to diagnosticLogCategories`,
                  )
                : warn(
                      check,
                      `${mine.name} sends ${extra.join(", ")}, which diagnosticLogCategories does not list: the next pulumi up stops sending them`,
                      `add ${extra.join(", ")} to diagnosticLogCategories to keep them`,
                  ),
        );
    }
    for (const key of OTHER_DESTINATIONS) {
        const live = mine.properties?.[key];
        const listed = s.diagnosticSettingDestinations[key];
        if (live && live.toLowerCase() !== (listed ?? "").toLowerCase()) {
            lines.push(
                s.adoptDiagnosticSetting
                    ? fail(
                          check,
                          `${mine.name} also sends to ${key} ${live}, which diagnosticSettingDestinations does not list: pulumi up refuses to adopt it, as that would stop it`,
                          `add ${key}=${live} to diagnosticSettingDestinations`,
                      )
                    : warn(
                          check,
                          `${mine.name} also sends to ${key} ${live}, which diagnosticSettingDestinations does not list: the next pulumi up stops it`,
                          `add ${key}=${live} to diagnosticSettingDestinations to keep it`,
                      ),
            );
        } else if (!live && listed) {
            lines.push(
                fail(
                    check,
                    `${mine.name} does not send to ${key} ${listed}, which diagnosticSettingDestinations lists`,
                    `${REFRESH_UP} for this stack`,
                ),
            );
        }
    }
    return lines;
}

/** One alert rule: its line, and the action groups it notifies. */
async function alertRule(az: AzureReader, s: Settings, ruleName: string): Promise<{ line: CheckLine; groups: string[] }> {
    const check = `alert ${ruleName}`;
    const r = await az.get(
        `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.Insights/scheduledQueryRules/${ruleName}`,
        API.rules,
    );
    if (r.status === 404 && r.malformed === undefined) {
        return { line: fail(check, "the alert rule does not exist", `${REFRESH_UP} for this stack`), groups: [] };
    }
    if (r.status !== 200 || r.malformed !== undefined) {
        return {
            line: unexpected(
                check,
                "the alert rule",
                r,
                { right: "Monitoring Reader on the resource group", settings: "subscriptionId and resourceGroupName" },
                s,
            ),
            groups: [],
        };
    }
    const p = r.body?.properties ?? {};
    if (p.enabled === false) {
        return {
            line: fail(
                check,
                "the alert rule is disabled",
                "enable it (pulumi up --refresh restores it) or turn it off on purpose with alertOverrides <rule>.enabled=false",
            ),
            groups: [],
        };
    }
    const groupIds: string[] = p.actions?.actionGroups ?? [];
    if (groupIds.length === 0) {
        return {
            line: fail(check, "the alert rule notifies no action group", "add a receiver to alertReceivers and run pulumi up"),
            groups: [],
        };
    }
    return { line: ok(check, `enabled, notifies ${groupIds.map(nameOf).join(", ")}`), groups: groupIds };
}

const RECEIVER_KINDS = [
    "emailReceivers",
    "smsReceivers",
    "webhookReceivers",
    "armRoleReceivers",
    "logicAppReceivers",
    "voiceReceivers",
    "azureAppPushReceivers",
];

/** One action group, read once however many rules notify it: a line only when something is wrong with it. */
async function actionGroup(az: AzureReader, s: Settings, id: string, rules: readonly string[]): Promise<CheckLine[]> {
    const check = `action group ${nameOf(id)}`;
    const notified = `${rules.length === 1 ? `alert rule ${rules[0]} notifies it` : `${rules.length} alert rules notify it`}`;
    const g = await az.get(id, API.groups);
    if (g.status === 404 && g.malformed === undefined) {
        return [fail(check, `the action group does not exist (${notified})`, `${REFRESH_UP} for this stack`)];
    }
    if (g.status !== 200 || g.malformed !== undefined) {
        return [unexpected(check, "the action group", g, { right: "Monitoring Reader on its resource group" }, s)];
    }
    const gp = g.body?.properties ?? {};
    const receivers = RECEIVER_KINDS.reduce((n, k) => n + (gp[k]?.length ?? 0), 0);
    const problems = [...(gp.enabled === false ? ["is disabled"] : []), ...(receivers === 0 ? ["has no receiver"] : [])];
    return problems.length === 0
        ? []
        : [
              fail(
                  check,
                  `the action group ${problems.join(" and ")} (${notified})`,
                  `${REFRESH_UP} for this stack (and check alertReceivers)`,
              ),
          ];
}

/** Every alert rule, then each distinct action group they notify, once. */
async function alerts(az: AzureReader, s: Settings, ruleNames: readonly string[]): Promise<CheckLine[]> {
    const rules = await Promise.all(
        ruleNames.map((rule) => alertRule(az, s, rule).catch((e: Error) => ({ line: thrown(`alert ${rule}`, e), groups: [] as string[] }))),
    );
    const groups = new Map<string, { id: string; rules: string[] }>();
    rules.forEach(({ groups: ids }, i) => {
        for (const id of ids) {
            const entry = groups.get(id.toLowerCase()) ?? { id, rules: [] };
            entry.rules.push(ruleNames[i]);
            groups.set(id.toLowerCase(), entry);
        }
    });
    const groupLines = await Promise.all(
        [...groups.values()].map(({ id, rules: by }) =>
            actionGroup(az, s, id, by).catch((e: Error) => [thrown(`action group ${nameOf(id)}`, e)]),
        ),
    );
    return [...rules.map((r) => r.line), ...groupLines.flat()];
}

async function workbook(az: AzureReader, s: Settings, file: string): Promise<CheckLine> {
    const check = `workbook ${file}`;
    const id = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/microsoft.insights/workbooks/${stableGuid(...resourceIdentity({ ...s, instanceName: s.stack }), "workbook", file)}`;
    const r = await az.get(id, API.workbooks);
    if (r.status === 200 && r.malformed === undefined) {
        return ok(check, `${WORKBOOKS[file]} exists`);
    }
    return r.status === 404 && r.malformed === undefined
        ? fail(check, `${WORKBOOKS[file]} does not exist`, `${REFRESH_UP} for this stack`)
        : unexpected(
              check,
              "the workbook",
              r,
              { right: "Reader on the resource group", settings: "subscriptionId and resourceGroupName" },
              s,
          );
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
    const context = {
        auditLogsEnabled: s.diagnosticLogCategories.includes("AuditLogs"),
        dailyCapEnabled: s.dailyQuotaGb !== undefined || s.existingWorkspaceId !== undefined,
    };
    return ALERT_RULE_IDS.filter((id) => !skipReason(id, alerts.rules[id], context)).map(
        (id) => `${namePrefix(s.stack)}-${ALERT_CATALOG[id].slug}`,
    );
}

/**
 * Lines that report the same finding (same status, message and fix: a credential that gets no token
 * fails every check alike) as one line naming the checks it covers.
 */
export function dedupeFindings(lines: readonly CheckLine[]): CheckLine[] {
    const merged = new Map<string, { line: CheckLine; checks: string[] }>();
    const out: Array<{ line: CheckLine; checks: string[] }> = [];
    for (const line of lines) {
        const key = line.status === "ok" ? undefined : JSON.stringify([line.status, line.message, line.fix]);
        const seen = key === undefined ? undefined : merged.get(key);
        if (seen) {
            seen.checks.push(line.check);
            continue;
        }
        const entry = { line, checks: [line.check] };
        if (key !== undefined) {
            merged.set(key, entry);
        }
        out.push(entry);
    }
    return out.map(({ line, checks }) =>
        checks.length === 1
            ? line
            : {
                  ...line,
                  check: checks.length === 2 ? `${checks[0]} and ${checks[1]}` : `${checks[0]} and ${checks.length - 1} other checks`,
              },
    );
}

/**
 * Every check, run concurrently where independent; the result keeps a stable order (credentials,
 * providers, workspace and data, diagnostic settings, alerts and their action groups, workbooks),
 * one line per finding.
 */
export async function runChecks(az: AzureReader, s: Settings, outputs: StackOutputs = {}): Promise<CheckLine[]> {
    const guard = (check: string, p: Promise<CheckLine | CheckLine[]>): Promise<CheckLine[]> =>
        p.then(
            (x) => (Array.isArray(x) ? x : [x]),
            (e: Error) => [thrown(check, e)],
        );
    const namespaces = ["Microsoft.Insights", "Microsoft.OperationalInsights", ...(s.dashboardName ? ["Microsoft.Portal"] : [])];
    const groups = await Promise.all([
        guard("credentials", credentials(az, s)),
        ...namespaces.map((ns) => guard(`provider ${ns}`, provider(az, s, ns))),
        guard("workspace", workspaceChain(az, s, outputs)),
        guard("diagnostic setting", diagnosticSettings(az, s, outputs)),
        guard("alerts", alerts(az, s, expectedAlertRules(s, outputs))),
        ...(s.workbooksEnabled ? Object.keys(WORKBOOKS).map((file) => guard(`workbook ${file}`, workbook(az, s, file))) : []),
        // The jobs' live state: a quarantine outlasts the two days an alert can see.
        guard("provisioning jobs", provisioningJobFindings(az.graph, { graphEndpoint: az.graphEndpoint })),
    ]);
    return dedupeFindings(groups.flat());
}

const SYMBOL = { ok: "✓", fail: "✗", warn: "!" } as const;

export function renderChecklist(lines: readonly CheckLine[]): string {
    return lines.map((l) => `${SYMBOL[l.status]} ${l.check}: ${l.message}${l.fix ? ` — fix: ${l.fix}` : ""}`).join("\n");
}
