import { parseSettings, type Settings } from "../../program/settings";
import { projectSettings } from "../../program/settingsValidation";
import { projectName, readStackConfig } from "../../tools/stackFiles";
import type { TokenCredential } from "@azure/identity";
import type { VerifyEndpoints } from "../../tools/live/azureReader";
import { type ArmHandler, type ArmReply, type ArmRequest, armError, FakeArm, fakeCredentialFor, noJitter, VirtualClock } from "./fakeArm";

/** A tenant as `verify` sees it through ARM, the Entra diagnostic-settings API and the Log Analytics query API. */
export interface TenantState {
    providers: Record<string, string>;
    workspace?: { retentionInDays: number; customerId: string };
    table: { retentionInDays: number; totalRetentionInDays: number };
    diagnosticSettings: Array<FakeSetting> | "forbidden";
    rules: Record<string, { enabled: boolean; actionGroups: string[] }>;
    actionGroups: Record<string, { enabled: boolean; emails: number }>;
    workbooks: string[];
    /** Enterprise applications with their provisioning jobs, as Microsoft Graph lists them (synchronizationJob resources), or 403. */
    provisioningJobs?: Array<{ id: string; displayName: string; jobs: Array<Record<string, unknown>> }> | "forbidden";
    /** The data query's one row, or none. */
    data?: Record<string, unknown>;
    /** Served first, in order, whatever is asked. */
    faults: ArmReply[];
    /** Served, in order, to the requests whose path matches (before `faults`); each entry's replies run out in turn. */
    faultsAt: Array<{ path: RegExp; replies: ArmReply[] }>;
    /** Subscriptions `GET /subscriptions` lists besides the stack's own (which it always lists), in any tenant. */
    subscriptions?: Array<{ subscriptionId: string; displayName: string; tenantId: string }>;
    /** Log Analytics workspaces besides the stack's own, each listed under its subscription and readable by its ID. */
    workspaces?: FakeWorkspace[];
    /** Registration states on subscriptions other than the stack's, by subscription ID. */
    otherProviders?: Record<string, Record<string, string>>;
    /** Subscriptions whose workspaces the identity may not list (403). */
    forbiddenSubscriptions?: string[];
}

/** A tenant diagnostic setting: a workspace (or none), its enabled categories, and any other destinations. */
export interface FakeSetting {
    name: string;
    workspaceId?: string;
    categories: string[];
    storageAccountId?: string;
    eventHubAuthorizationRuleId?: string;
    eventHubName?: string;
}

/** A workspace other than the stack's own. */
export interface FakeWorkspace {
    id: string;
    customerId: string;
    location: string;
    retentionInDays: number;
    /** Microsoft Sentinel is on; "forbidden" answers 403 to the onboarding-states request. */
    sentinel?: boolean | "forbidden";
    /** The data query's one row, or none. */
    data?: Record<string, unknown>;
    table?: { retentionInDays: number; totalRetentionInDays: number };
}

export function devSettings(): Settings {
    const { config } = readStackConfig("dev");
    return parseSettings(projectSettings(config, projectName()), "dev");
}

/** A workspace's ARM ID, spelt out here rather than derived by the code under test. */
export function workspaceIdOf(s: Settings): string {
    return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/${s.workspaceName}`;
}

/**
 * What the dev stack deploys, as `npm run plan -- --stack dev` lists it: literal names, so the fake
 * tenant is not built by the code `verify` uses to find them.
 */
const DEV_ALERT_RULES = [
    "entra-provisioning-dev-failure-spike",
    "entra-provisioning-dev-provisioning-stopped",
    "entra-provisioning-dev-disable-delete-spike",
    "entra-provisioning-dev-logs-at-risk",
];
/** The workbooks provisioning-overview and identity-troubleshooting. */
const DEV_WORKBOOKS = ["c9187d8b-c9c4-59b6-bd6f-6bbb09110728", "673d6af5-b6aa-5122-9d0a-73d487601fe2"];

/** A tenant where everything the dev stack deploys is in place and data flows. */
export function healthyTenant(s: Settings = devSettings()): TenantState {
    if (s.stack !== "dev") {
        throw new Error(`healthyTenant describes the dev stack, not ${s.stack}`);
    }
    const group = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.Insights/actionGroups/ag-entra-provisioning-dev-team`;
    return {
        providers: { "Microsoft.Insights": "Registered", "Microsoft.OperationalInsights": "Registered", "Microsoft.Portal": "Registered" },
        workspace: { retentionInDays: s.retentionInDays, customerId: "6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a" },
        table: { retentionInDays: s.provisioningLogsRetentionInDays, totalRetentionInDays: s.provisioningLogsTotalRetentionInDays },
        diagnosticSettings: [{ name: s.diagnosticSettingName, workspaceId: workspaceIdOf(s), categories: ["ProvisioningLogs"] }],
        rules: Object.fromEntries(DEV_ALERT_RULES.map((r) => [r, { enabled: true, actionGroups: [group] }])),
        actionGroups: { [group.toLowerCase()]: { enabled: true, emails: 1 } },
        workbooks: [...DEV_WORKBOOKS],
        provisioningJobs: [
            {
                id: "sp-salesforce",
                displayName: "Salesforce",
                jobs: [
                    {
                        id: "SfSandboxOutDelta.1",
                        templateId: "SfSandboxOutDelta",
                        status: { code: "Active", lastExecution: { state: "Succeeded", timeEnded: "2026-11-25T09:20:00Z" } },
                    },
                ],
            },
        ],
        data: { LastRecord: "2026-11-25T09:30:00Z", Records24h: 1234, Apps24h: 5, IngestionDelayP95: "00:03:20" },
        faults: [],
        faultsAt: [],
    };
}

const notFound = (req: ArmRequest): ArmReply => ({ status: 404, body: armError("ResourceNotFound", `${req.method} ${req.path}`) });

/** Answers like ARM and the query API for `state`; unknown paths are 404s. */
export function tenantHandler(s: Settings, state: TenantState): ArmHandler {
    const sub = `/subscriptions/${s.subscriptionId}`;
    const rg = `${sub}/resourceGroups/${s.resourceGroupName}`;
    return (req) => {
        const targeted = state.faultsAt.find((f) => f.path.test(req.path) && f.replies.length > 0);
        const fault = targeted?.replies.shift() ?? state.faults.shift();
        if (fault) {
            return fault;
        }
        const path = req.path.toLowerCase();
        const other = extraAnswer(s, state, req, path);
        if (other) {
            return other;
        }
        if (req.method === "GET" && req.path.startsWith("/v1.0/servicePrincipals")) {
            return graphAnswer(state, req.path);
        }
        if (req.method === "POST" && path.startsWith("/v1/workspaces/")) {
            const columns = [
                { name: "LastRecord", type: "datetime" },
                { name: "Records24h", type: "long" },
                { name: "Apps24h", type: "long" },
                { name: "IngestionDelayP95", type: "timespan" },
            ];
            const row = state.data ?? { LastRecord: null, Records24h: 0, Apps24h: 0, IngestionDelayP95: null };
            return { status: 200, body: { tables: [{ name: "PrimaryResult", columns, rows: [columns.map((c) => row[c.name] ?? null)] }] } };
        }
        if (path === sub.toLowerCase()) {
            return { status: 200, body: { id: sub, subscriptionId: s.subscriptionId, tenantId: s.tenantId, state: "Enabled" } };
        }
        const provider = /^\/subscriptions\/[^/]+\/providers\/([^/]+)$/.exec(req.path);
        if (provider) {
            const ns = Object.keys(state.providers).find((k) => k.toLowerCase() === provider[1].toLowerCase());
            return ns ? { status: 200, body: { namespace: ns, registrationState: state.providers[ns] } } : notFound(req);
        }
        const workspace = workspaceIdOf(s).toLowerCase();
        if (path === workspace) {
            return state.workspace
                ? {
                      status: 200,
                      body: {
                          id: workspaceIdOf(s),
                          properties: { retentionInDays: state.workspace.retentionInDays, customerId: state.workspace.customerId },
                      },
                  }
                : notFound(req);
        }
        if (path === `${workspace}/tables/aadprovisioninglogs`) {
            return { status: 200, body: { name: "AADProvisioningLogs", properties: state.table } };
        }
        if (path === "/providers/microsoft.aadiam/diagnosticsettings") {
            if (state.diagnosticSettings === "forbidden") {
                return {
                    status: 403,
                    body: armError(
                        "AuthorizationFailed",
                        "does not have authorization to perform action 'microsoft.aadiam/diagnosticSettings/read'",
                    ),
                };
            }
            return {
                status: 200,
                body: {
                    value: state.diagnosticSettings.map((d) => ({
                        name: d.name,
                        properties: {
                            ...(d.workspaceId ? { workspaceId: d.workspaceId } : {}),
                            ...(d.storageAccountId ? { storageAccountId: d.storageAccountId } : {}),
                            ...(d.eventHubAuthorizationRuleId ? { eventHubAuthorizationRuleId: d.eventHubAuthorizationRuleId } : {}),
                            ...(d.eventHubName ? { eventHubName: d.eventHubName } : {}),
                            logs: d.categories.map((category) => ({
                                category,
                                enabled: true,
                                retentionPolicy: { enabled: false, days: 0 },
                            })),
                        },
                    })),
                },
            };
        }
        const rule = new RegExp(`^${rg}/providers/Microsoft.Insights/scheduledQueryRules/([^/]+)$`, "i").exec(req.path);
        if (rule) {
            const r = state.rules[rule[1]];
            return r
                ? { status: 200, body: { name: rule[1], properties: { enabled: r.enabled, actions: { actionGroups: r.actionGroups } } } }
                : notFound(req);
        }
        const g = state.actionGroups[path];
        if (g) {
            return {
                status: 200,
                body: {
                    properties: {
                        enabled: g.enabled,
                        emailReceivers: Array.from({ length: g.emails }, (_, i) => ({ name: `email-${i}` })),
                    },
                },
            };
        }
        const workbook = new RegExp(`^${rg}/providers/microsoft.insights/workbooks/([^/]+)$`, "i").exec(req.path);
        if (workbook && state.workbooks.includes(workbook[1])) {
            return { status: 200, body: { name: workbook[1] } };
        }
        return notFound(req);
    };
}

const DATA_COLUMNS = [
    { name: "LastRecord", type: "datetime" },
    { name: "Records24h", type: "long" },
    { name: "Apps24h", type: "long" },
    { name: "IngestionDelayP95", type: "timespan" },
];

/**
 * What discover and an existing-workspace stack read besides the stack's own resources: the
 * subscriptions, other workspaces (their lists, the workspace, its table, Sentinel onboarding and data)
 * and providers on other subscriptions. Undefined for what the stack's own handler answers.
 */
function extraAnswer(s: Settings, state: TenantState, req: ArmRequest, path: string): ArmReply | undefined {
    const others = state.workspaces ?? [];
    if (req.method === "POST") {
        const customerId = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(path)?.[1];
        const ws = others.find((w) => w.customerId.toLowerCase() === customerId);
        if (!ws) {
            return undefined;
        }
        const row = ws.data ?? { LastRecord: null, Records24h: 0, Apps24h: 0, IngestionDelayP95: null };
        return {
            status: 200,
            body: { tables: [{ name: "PrimaryResult", columns: DATA_COLUMNS, rows: [DATA_COLUMNS.map((c) => row[c.name] ?? null)] }] },
        };
    }
    const own = { subscriptionId: s.subscriptionId, displayName: `subscription of stack ${s.stack}`, tenantId: s.tenantId };
    const subscriptions = [own, ...(state.subscriptions ?? [])];
    if (path === "/subscriptions") {
        return {
            status: 200,
            body: { value: subscriptions.map((x) => ({ id: `/subscriptions/${x.subscriptionId}`, ...x, state: "Enabled" })) },
        };
    }
    const sub = subscriptions.find((x) => x !== own && path === `/subscriptions/${x.subscriptionId}`.toLowerCase());
    if (sub) {
        return { status: 200, body: { id: `/subscriptions/${sub.subscriptionId}`, ...sub, state: "Enabled" } };
    }
    const list = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.operationalinsights\/workspaces$/.exec(path);
    if (list) {
        if ((state.forbiddenSubscriptions ?? []).some((x) => x.toLowerCase() === list[1])) {
            return {
                status: 403,
                body: armError(
                    "AuthorizationFailed",
                    `does not have authorization to perform action 'Microsoft.OperationalInsights/workspaces/read' over scope '/subscriptions/${list[1]}'`,
                ),
            };
        }
        const mine =
            state.workspace && list[1] === s.subscriptionId.toLowerCase()
                ? [
                      {
                          id: workspaceIdOf(s),
                          name: s.workspaceName,
                          location: s.location,
                          properties: { customerId: state.workspace.customerId, retentionInDays: state.workspace.retentionInDays },
                      },
                  ]
                : [];
        const listed = others
            .filter((w) => w.id.toLowerCase().startsWith(`/subscriptions/${list[1]}/`))
            .map((w) => ({
                id: w.id,
                name: w.id.split("/").pop(),
                location: w.location,
                properties: { customerId: w.customerId, retentionInDays: w.retentionInDays },
            }));
        return { status: 200, body: { value: [...mine, ...listed] } };
    }
    for (const w of others) {
        const id = w.id.toLowerCase();
        if (path === id) {
            return {
                status: 200,
                body: {
                    id: w.id,
                    name: w.id.split("/").pop(),
                    location: w.location,
                    properties: { customerId: w.customerId, retentionInDays: w.retentionInDays },
                },
            };
        }
        if (path === `${id}/tables/aadprovisioninglogs`) {
            return {
                status: 200,
                body: {
                    name: "AADProvisioningLogs",
                    properties: w.table ?? { retentionInDays: w.retentionInDays, totalRetentionInDays: w.retentionInDays },
                },
            };
        }
        if (path === `${id}/providers/microsoft.securityinsights/onboardingstates`) {
            return w.sentinel === "forbidden"
                ? {
                      status: 403,
                      body: armError(
                          "AuthorizationFailed",
                          "does not have authorization to perform action 'Microsoft.SecurityInsights/onboardingStates/read'",
                      ),
                  }
                : {
                      status: 200,
                      body: {
                          value: w.sentinel
                              ? [
                                    {
                                        id: `${w.id}/providers/Microsoft.SecurityInsights/onboardingStates/default`,
                                        name: "default",
                                        properties: { customerManagedKey: false },
                                    },
                                ]
                              : [],
                      },
                  };
        }
    }
    if (
        path.startsWith(`/subscriptions/${s.subscriptionId}/`.toLowerCase()) &&
        path.endsWith("/providers/microsoft.securityinsights/onboardingstates")
    ) {
        return { status: 200, body: { value: [] } };
    }
    const provider = /^\/subscriptions\/([^/]+)\/providers\/([^/]+)$/.exec(path);
    if (provider && provider[1] !== s.subscriptionId.toLowerCase()) {
        const states = Object.entries(state.otherProviders ?? {}).find(([k]) => k.toLowerCase() === provider[1])?.[1] ?? {};
        const ns = Object.keys(states).find((k) => k.toLowerCase() === provider[2]);
        return ns
            ? { status: 200, body: { namespace: ns, registrationState: states[ns] } }
            : { status: 404, body: armError("SubscriptionNotFound", `The subscription '${provider[1]}' could not be found.`) };
    }
    return undefined;
}

/** Microsoft Graph's enterprise applications and their provisioning jobs (under /v1.0 of the fake's host). */
function graphAnswer(state: TenantState, path: string): ArmReply {
    if (state.provisioningJobs === "forbidden") {
        return { status: 403, body: armError("Authorization_RequestDenied", "Insufficient privileges to complete the operation.") };
    }
    const jobs = /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs$/.exec(path);
    if (jobs) {
        const sp = (state.provisioningJobs ?? []).find((p) => p.id === decodeURIComponent(jobs[1]));
        return sp ? { status: 200, body: { value: sp.jobs } } : { status: 404, body: armError("Request_ResourceNotFound", path) };
    }
    return { status: 200, body: { value: (state.provisioningJobs ?? []).map((p) => ({ id: p.id, displayName: p.displayName })) } };
}

/**
 * Serves `state` as ARM, the Logs query API and Microsoft Graph on one loopback host, on a virtual
 * clock, and hands `fn` the endpoints verify and discover take; closes the server afterwards.
 */
export async function withFakeTenant<T>(
    s: Settings,
    state: TenantState,
    fn: (endpoints: VerifyEndpoints, arm: FakeArm, clock: VirtualClock) => Promise<T>,
    credential: TokenCredential = fakeCredentialFor(s.tenantId),
): Promise<T> {
    const clock = new VirtualClock();
    const arm = await FakeArm.start(tenantHandler(s, state), clock.now);
    try {
        const endpoints = {
            arm: arm.endpoint,
            logs: `${arm.endpoint}/v1`,
            graph: `${arm.endpoint}/v1.0`,
            credential,
            trustedCa: arm.ca,
            clock,
            random: noJitter,
        };
        return await fn(endpoints, arm, clock);
    } finally {
        await arm.close();
    }
}
