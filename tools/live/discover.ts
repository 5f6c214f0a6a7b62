import { PROVISIONING_LOGS_CATEGORY } from "../../components/azure/armFacts";
import { NEW_WORKSPACE_ARGS, TABLE_RETENTION_ARGS } from "../../components/support/workspaceRules";
import { diagnosticSettingImportId } from "../../components/tenantDiagnosticSetting";
import { ArmGaveUp } from "../../components/azure/armOperation";
import { sameArmId, workspaceIdParts } from "../../components/support/naming";
import { loadQuery } from "../../components/support/queries";
import { type ArmResponse, type AzureReader, LiveFailure } from "./azureReader";
import { type CheckLine, fail, ok, warn } from "./checkLine";
import { API, enabledCategories, MAX_TENANT_DIAGNOSTIC_SETTINGS, OTHER_DESTINATIONS, type TenantSetting } from "./verifyChecks";

/**
 * `npm run discover`'s reading of a tenant, read-only, with the same credentials as `verify`: its
 * diagnostic settings and how many of the allowed ones are used, the Log Analytics workspaces the
 * identity can see in every subscription of the tenant (Microsoft Sentinel ones marked), whether
 * AADProvisioningLogs has data in each, the resource providers the stack needs, and from all that the
 * stack settings this tenant calls for. A part the identity may not read is a finding with the role
 * to grant, never a crash.
 */

/** What discover needs of a stack: enough to read the tenant even when its brownfield settings don't validate yet. */
export interface DiscoverStack {
    readonly stack: string;
    readonly tenantId: string;
    readonly subscriptionId: string;
    /** The stack deploys a dashboard (and needs Microsoft.Portal). */
    readonly dashboard: boolean;
    /** This stack's own setting, when it creates one (not adopted). */
    readonly ownSettingName?: string;
    readonly existingWorkspaceId?: string;
    readonly adoptDiagnosticSetting?: string;
    /** Settings the stack file sets (unqualified keys): those a recommendation conflicts with are removed first. */
    readonly setKeys: readonly string[];
    /** Why the stack's settings don't validate, when they don't: reported, and discover goes on. */
    readonly settingsProblem?: string;
}

/** A tenant diagnostic setting, as discover reports it. */
export interface DiscoveredSetting {
    readonly name: string;
    /** Enabled categories, in the setting's order. */
    readonly categories: readonly string[];
    readonly workspaceId?: string;
    /** Destinations besides the workspace, by their ARM property name. */
    readonly destinations: Readonly<Partial<Record<(typeof OTHER_DESTINATIONS)[number], string>>>;
}

/** A Log Analytics workspace the identity can see. */
export interface DiscoveredWorkspace {
    readonly id: string;
    readonly name: string;
    readonly subscriptionId: string;
    readonly subscriptionName?: string;
    readonly resourceGroupName: string;
    readonly location?: string;
    readonly customerId?: string;
    readonly retentionInDays?: number;
    /** Microsoft Sentinel is on (an onboarding state exists); undefined when that could not be read. */
    readonly sentinel?: boolean;
    /** AADProvisioningLogs in the last 30 days; undefined when the workspace could not be queried. */
    readonly provisioningLogs?: { readonly lastRecord?: string; readonly records24h: number };
}

/** The stack settings discover recommends, and how to apply them. */
export interface Recommendation {
    /**
     * `new`: the stack creates its own workspace and setting; `central`: it sends to the workspace an
     * existing setting already feeds, adopting that setting; `adopt`: a setting already sends
     * ProvisioningLogs and is adopted; `unknown`: the settings could not be read.
     */
    readonly path: "new" | "central" | "adopt" | "unknown";
    readonly summary: string;
    /** Settings to set (unqualified keys); lists as arrays. */
    readonly settings: Readonly<Record<string, string | readonly string[]>>;
    /** Settings to remove first: they conflict with the recommendation, or are lists to set anew. */
    readonly remove: readonly string[];
    /** The same as `pulumi config` commands, ready to paste. */
    readonly commands: readonly string[];
    /** Import IDs of what the first `pulumi up` adopts. */
    readonly importIds: readonly string[];
    /** This stack's policy config (policies/config/<stack>.json) must name an existing workspace. */
    readonly policyConfig?: { readonly file: string; readonly policy: string; readonly existingWorkspaceId: string };
}

/** Everything discover found. */
export interface Discovery {
    readonly stack: string;
    readonly tenantId: string;
    /** Undefined when the identity may not read them. */
    readonly diagnosticSettings?: { readonly used: number; readonly limit: number; readonly settings: readonly DiscoveredSetting[] };
    readonly subscriptions: ReadonlyArray<{ readonly subscriptionId: string; readonly displayName?: string; readonly tenantId?: string }>;
    readonly workspaces: readonly DiscoveredWorkspace[];
    readonly providers: ReadonlyArray<{ readonly subscriptionId: string; readonly namespace: string; readonly state: string }>;
    readonly findings: readonly CheckLine[];
    readonly recommendation: Recommendation;
}

/** Microsoft.SecurityInsights onboarding states: a workspace with one has Microsoft Sentinel (learn.microsoft.com/rest/api/securityinsights/sentinel-onboarding-states/list). */
const SENTINEL_API = "2024-03-01";

/**
 * Settings a recommendation of an existing workspace removes: those that describe a workspace the
 * stack creates, and those that would change the existing one's table retention (the components'
 * own lists; discover recommends using the workspace as it is).
 */
const NEW_WORKSPACE_SETTINGS: readonly string[] = [...NEW_WORKSPACE_ARGS, ...TABLE_RETENTION_ARGS, "manageExistingWorkspaceRetention"];

/** The brownfield settings a recommendation gives in full. */
const BROWNFIELD_SETTINGS = [
    "existingWorkspaceId",
    "adoptDiagnosticSetting",
    "diagnosticSettingName",
    "diagnosticLogCategories",
    "diagnosticSettingDestinations",
    "existingProvisioningLogsSettings",
];

const AZURE_SIDE = "a problem on Azure's side: run discover again in a few minutes";
const CREDENTIALS_FIX =
    "log in (az login --tenant <tenant>) or set the stack's azure-native:* config or the ARM_* variables the azure-native provider reads";

/** An answer that is not the data asked for, as one finding with the fix for its kind. */
function answerProblem(part: string, what: string, r: ArmResponse, right: string): CheckLine {
    if (r.malformed !== undefined) {
        return fail(
            part,
            `reading ${what} gave an answer that is not JSON (${JSON.stringify(r.malformed)})`,
            "something between this machine and Azure (a proxy, HTTPS_PROXY) answers instead of ARM",
        );
    }
    const said = `HTTP ${r.status}${r.body?.error?.code ? ` ${r.body.error.code}` : ""}`;
    if (r.status === 401) {
        return fail(part, `the credentials were refused reading ${what} (${said})`, CREDENTIALS_FIX);
    }
    if (r.status === 403) {
        return fail(part, `not allowed to read ${what} (403)`, `grant the identity running discover ${right}`);
    }
    if (r.status === 408 || r.status === 429 || r.status >= 500 || r.gaveUp !== undefined) {
        return fail(part, `reading ${what} failed: Azure answered ${r.gaveUp ?? said}`, AZURE_SIDE);
    }
    return fail(
        part,
        `reading ${what} gave an unexpected answer (${said})`,
        "run discover again; if it persists, report it with this line",
    );
}

/** A part that threw (no token, or Azure failing until the deadline), as one finding. */
function thrownProblem(part: string, e: Error): CheckLine {
    const first = String(e.message ?? e).split("\n")[0];
    if (e instanceof LiveFailure) {
        return fail(part, e.message, e.fix);
    }
    if (e instanceof ArmGaveUp) {
        return fail(part, `could not be read: Azure answered ${e.answered}`, AZURE_SIDE);
    }
    return /Credential|Authentication/i.test(`${e.name} ${first}`)
        ? fail(part, `could not get a token for Azure: ${first}`, CREDENTIALS_FIX)
        : fail(part, `could not be read: ${first}`, "check the network (and HTTPS_PROXY), then run discover again");
}

/**
 * Every page of an ARM list. A `nextLink` is followed on the configured ARM endpoint only (its path
 * and query), so no token is ever sent elsewhere.
 */
async function listAll(az: AzureReader, path: string, apiVersion: string): Promise<{ items: any[]; problem?: ArmResponse }> {
    const items: any[] = [];
    let next: string | undefined = path;
    for (let page = 0; next !== undefined && page < 100; page++) {
        const r: ArmResponse = await az.get(next, apiVersion);
        if (r.status !== 200 || r.malformed !== undefined) {
            return { items, problem: r };
        }
        items.push(...(r.body?.value ?? []));
        const link = typeof r.body?.nextLink === "string" ? new URL(r.body.nextLink) : undefined;
        if (link) {
            link.searchParams.delete("api-version");
        }
        next = link ? `${link.pathname}${link.search}` : undefined;
    }
    return { items };
}

function toDiscovered(x: TenantSetting): DiscoveredSetting {
    const p = x.properties ?? {};
    return {
        name: x.name,
        categories: enabledCategories(x),
        ...(p.workspaceId ? { workspaceId: p.workspaceId } : {}),
        destinations: Object.fromEntries(OTHER_DESTINATIONS.filter((k) => p[k]).map((k) => [k, p[k] as string])),
    };
}

/** The tenant's diagnostic settings, or the finding that they could not be read. */
async function readSettings(az: AzureReader): Promise<DiscoveredSetting[] | CheckLine> {
    const r = await az.get("/providers/microsoft.aadiam/diagnosticSettings", API.aadiam);
    if (r.status === 403 && r.malformed === undefined) {
        return fail(
            "diagnostic settings",
            "not allowed to read the tenant's diagnostic settings (403 on microsoft.aadiam/diagnosticSettings/read), so discover cannot tell which already send ProvisioningLogs",
            "assign the identity a role at scope /providers/Microsoft.aadiam (e.g. Reader), or the Security Reader directory role, and run discover again before pulumi up",
        );
    }
    if (r.status !== 200 || r.malformed !== undefined) {
        return answerProblem(
            "diagnostic settings",
            "the tenant's diagnostic settings",
            r,
            "a role at scope /providers/Microsoft.aadiam (e.g. Reader)",
        );
    }
    return ((r.body?.value ?? []) as TenantSetting[]).map(toDiscovered);
}

/** Whether a workspace has Microsoft Sentinel, or the finding that it could not be told. */
async function sentinelOf(az: AzureReader, ws: { id: string; name: string }): Promise<boolean | CheckLine> {
    const r = await az.get(`${ws.id}/providers/Microsoft.SecurityInsights/onboardingStates`, SENTINEL_API);
    if (r.status === 200 && r.malformed === undefined) {
        return (r.body?.value ?? []).length > 0;
    }
    return r.status === 404 && r.malformed === undefined
        ? false
        : {
              ...answerProblem(
                  `workspace ${ws.name}`,
                  `the Microsoft Sentinel state of ${ws.name}`,
                  r,
                  "Microsoft Sentinel Reader on the workspace",
              ),
              status: "warn",
          };
}

/** AADProvisioningLogs in a workspace (queries/verify-data-flow.kql over 30 days), or the finding that it could not be queried. */
async function provisioningLogsIn(
    az: AzureReader,
    ws: { name: string; customerId?: string },
): Promise<DiscoveredWorkspace["provisioningLogs"] | CheckLine> {
    if (!ws.customerId) {
        return undefined;
    }
    try {
        const row = (await az.query(ws.customerId, loadQuery("verify-data-flow"), "P30D"))[0] ?? {};
        return {
            ...(row.LastRecord ? { lastRecord: new Date(String(row.LastRecord)).toISOString() } : {}),
            records24h: Number(row.Records24h ?? 0),
        };
    } catch (e) {
        if (e instanceof LiveFailure) {
            return fail(`workspace ${ws.name}`, e.message, e.fix);
        }
        const status = (e as { statusCode?: number }).statusCode;
        const first = String((e as Error).message).split("\n")[0];
        return status === 403
            ? warn(
                  `workspace ${ws.name}`,
                  `not allowed to query ${ws.name} (HTTP 403), so discover cannot tell whether it holds provisioning logs`,
                  "grant the identity running discover Log Analytics Reader on it",
              )
            : warn(`workspace ${ws.name}`, `querying ${ws.name} failed${status ? ` (HTTP ${status})` : ""}: ${first}`);
    }
}

/** Every workspace of the tenant's subscriptions the identity can see, with findings for what it could not. */
async function readWorkspaces(
    az: AzureReader,
    subscriptions: Discovery["subscriptions"],
    findings: CheckLine[],
): Promise<DiscoveredWorkspace[]> {
    const perSubscription = await Promise.all(
        subscriptions.map(async (sub) => {
            const { items, problem } = await listAll(
                az,
                `/subscriptions/${sub.subscriptionId}/providers/Microsoft.OperationalInsights/workspaces`,
                API.workspaces,
            ).catch((e: Error) => {
                findings.push(thrownProblem("workspaces", e));
                return { items: [] as any[], problem: undefined };
            });
            if (problem) {
                findings.push(
                    answerProblem(
                        "workspaces",
                        `the workspaces of subscription ${sub.displayName ?? sub.subscriptionId}`,
                        problem,
                        `Reader on subscription ${sub.subscriptionId}`,
                    ),
                );
            }
            return items.map((w) => ({ w, sub }));
        }),
    );
    return Promise.all(
        perSubscription.flat().map(async ({ w, sub }) => {
            const base = {
                id: String(w.id),
                name: String(w.name),
                subscriptionId: sub.subscriptionId,
                ...(sub.displayName ? { subscriptionName: sub.displayName } : {}),
                resourceGroupName: workspaceIdParts(String(w.id))?.resourceGroupName ?? "",
                ...(w.location ? { location: String(w.location) } : {}),
                ...(w.properties?.customerId ? { customerId: String(w.properties.customerId) } : {}),
                ...(typeof w.properties?.retentionInDays === "number" ? { retentionInDays: w.properties.retentionInDays } : {}),
            };
            const [sentinel, logs] = await Promise.all([
                sentinelOf(az, base).catch((e: Error) => thrownProblem(`workspace ${base.name}`, e)),
                provisioningLogsIn(az, base).catch((e: Error) => thrownProblem(`workspace ${base.name}`, e)),
            ]);
            for (const x of [sentinel, logs]) {
                if (x && typeof x === "object" && "status" in x) {
                    findings.push(x);
                }
            }
            return {
                ...base,
                ...(typeof sentinel === "boolean" ? { sentinel } : {}),
                ...(logs && !("status" in logs) ? { provisioningLogs: logs } : {}),
            };
        }),
    );
}

/** A registration state, or the finding that it could not be read. */
async function providerState(
    az: AzureReader,
    subscriptionId: string,
    namespace: string,
): Promise<{ subscriptionId: string; namespace: string; state: string } | CheckLine> {
    const r = await az.get(`/subscriptions/${subscriptionId}/providers/${namespace}`, API.providers);
    return r.status === 200 && r.malformed === undefined
        ? { subscriptionId, namespace, state: String(r.body?.registrationState) }
        : answerProblem(
              `provider ${namespace}`,
              `the ${namespace} registration on ${subscriptionId}`,
              r,
              `Reader on subscription ${subscriptionId}`,
          );
}

const sendsProvisioningLogs = (x: DiscoveredSetting) => x.categories.includes(PROVISIONING_LOGS_CATEGORY);

/** `pulumi config` commands for the settings, each list entry on its own `--path` line, values quoted for a POSIX shell. */
function configCommands(stack: string, settings: Recommendation["settings"], remove: readonly string[]): string[] {
    const q = (v: string) => (/^[\w./:=@-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
    return [
        ...remove.map((k) => `pulumi config rm --stack ${stack} ${k}`),
        ...Object.entries(settings).flatMap(([k, v]) =>
            Array.isArray(v)
                ? v.map((entry, i) => `pulumi config set --stack ${stack} --path '${k}[${i}]' ${q(entry)}`)
                : [`pulumi config set --stack ${stack} ${k} ${q(String(v))}`],
        ),
    ];
}

/** The setting to adopt among `candidates`: the one the stack adopts already, then one feeding a Sentinel workspace, then one with AuditLogs, then the first. */
function pick(
    candidates: readonly DiscoveredSetting[],
    s: DiscoverStack,
    workspaces: readonly DiscoveredWorkspace[],
): DiscoveredSetting | undefined {
    const sentinel = (x: DiscoveredSetting) => workspaces.some((w) => w.sentinel && sameArmId(w.id, x.workspaceId));
    return (
        candidates.find((x) => x.name.toLowerCase() === s.adoptDiagnosticSetting?.toLowerCase()) ??
        candidates.find(sentinel) ??
        candidates.find((x) => x.categories.includes("AuditLogs")) ??
        candidates[0]
    );
}

/** The settings that adopt `setting` (and use its workspace, when it has one). */
function adoption(
    s: DiscoverStack,
    setting: DiscoveredSetting,
    alreadySending: readonly DiscoveredSetting[],
): Pick<Recommendation, "settings" | "remove" | "importIds" | "policyConfig" | "commands"> {
    const settings: Record<string, string | readonly string[]> = {
        ...(setting.workspaceId ? { existingWorkspaceId: setting.workspaceId } : {}),
        adoptDiagnosticSetting: setting.name,
        ...(setting.categories.some((c) => c !== PROVISIONING_LOGS_CATEGORY)
            ? { diagnosticLogCategories: setting.categories.filter((c) => c !== PROVISIONING_LOGS_CATEGORY) }
            : {}),
        ...(Object.keys(setting.destinations).length > 0
            ? { diagnosticSettingDestinations: Object.entries(setting.destinations).map(([k, v]) => `${k}=${v}`) }
            : {}),
        ...(alreadySending.length > 0 ? { existingProvisioningLogsSettings: alreadySending.map((x) => x.name) } : {}),
    };
    const conflicting = setting.workspaceId ? NEW_WORKSPACE_SETTINGS : [];
    const remove = s.setKeys.filter(
        (k) =>
            conflicting.includes(k) ||
            (BROWNFIELD_SETTINGS.includes(k) && !(k in settings)) ||
            (k in settings && Array.isArray(settings[k])),
    );
    return {
        settings,
        remove,
        commands: configCommands(s.stack, settings, remove),
        importIds: [diagnosticSettingImportId(setting.name)],
        ...(setting.workspaceId
            ? {
                  policyConfig: {
                      file: `policies/config/${s.stack}.json`,
                      policy: "provisioning-stack-enforce-completeness",
                      existingWorkspaceId: setting.workspaceId,
                  },
              }
            : {}),
    };
}

/** The stack settings this tenant calls for. */
export function recommend(
    s: DiscoverStack,
    settings: readonly DiscoveredSetting[] | undefined,
    workspaces: readonly DiscoveredWorkspace[],
): Recommendation {
    if (settings === undefined) {
        return {
            path: "unknown",
            summary:
                "the tenant's diagnostic settings could not be read, so nothing is recommended: a setting may already send ProvisioningLogs; fix the access above and run discover again before pulumi up",
            settings: {},
            remove: [],
            commands: [],
            importIds: [],
        };
    }
    // This stack's own setting, once created, is neither a duplicate nor something to adopt.
    const others = settings.filter((x) => x.name.toLowerCase() !== s.ownSettingName?.toLowerCase());
    const sending = others.filter(sendsProvisioningLogs);
    if (sending.length > 0) {
        const chosen = pick(sending, s, workspaces)!;
        const where = chosen.workspaceId
            ? `workspace ${workspaceIdParts(chosen.workspaceId)?.workspaceName ?? chosen.workspaceId}`
            : "its destinations";
        return {
            path: "adopt",
            summary:
                `diagnostic setting ${chosen.name} already sends ProvisioningLogs to ${where}: adopt it, so nothing is ingested twice and it comes under this stack with every category and destination it has` +
                (sending.length > 1
                    ? `; ${sending
                          .filter((x) => x !== chosen)
                          .map((x) => x.name)
                          .join(
                              ", ",
                          )} also send${sending.length > 2 ? "" : "s"} them, which pulumi up refuses until you remove ProvisioningLogs there or set allowDuplicateProvisioningLogs`
                    : ""),
            ...adoption(s, chosen, sending),
        };
    }
    const withWorkspace = others.filter((x) => x.workspaceId);
    const full = settings.length >= MAX_TENANT_DIAGNOSTIC_SETTINGS;
    if (withWorkspace.length > 0 || (full && others.length > 0)) {
        const chosen = pick(withWorkspace.length > 0 ? withWorkspace : others, s, workspaces)!;
        const ws = workspaces.find((w) => sameArmId(w.id, chosen.workspaceId));
        const what = chosen.workspaceId
            ? `${ws?.sentinel ? "Microsoft Sentinel " : ""}workspace ${workspaceIdParts(chosen.workspaceId)?.workspaceName ?? chosen.workspaceId}`
            : "no workspace (it gets this stack's)";
        return {
            path: "central",
            summary:
                `${full ? `the tenant has ${settings.length} of ${MAX_TENANT_DIAGNOSTIC_SETTINGS} diagnostic settings, so none can be added; ` : ""}` +
                `diagnostic setting ${chosen.name} sends ${chosen.categories.join(", ") || "nothing"} to ${what}: send ProvisioningLogs there too by adopting it, keeping every category and destination it has`,
            ...adoption(s, chosen, []),
        };
    }
    const remove = s.setKeys.filter((k) =>
        ["existingWorkspaceId", "adoptDiagnosticSetting", "manageExistingWorkspaceRetention", "existingProvisioningLogsSettings"].includes(
            k,
        ),
    );
    const ownExists = others.length < settings.length;
    return {
        path: "new",
        summary: `no diagnostic setting sends Entra logs to a workspace: this stack creates its own workspace and setting (${settings.length + (ownExists ? 0 : 1)} of ${MAX_TENANT_DIAGNOSTIC_SETTINGS} settings then used)`,
        settings: {},
        remove,
        commands: configCommands(s.stack, {}, remove),
        importIds: [],
    };
}

/** Findings about the stack's own brownfield settings against what the tenant has. */
function stackFindings(
    s: DiscoverStack,
    settings: readonly DiscoveredSetting[] | undefined,
    workspaces: readonly DiscoveredWorkspace[],
    subscriptions: Discovery["subscriptions"],
): CheckLine[] {
    const lines: CheckLine[] = [];
    if (s.settingsProblem) {
        lines.push(fail("stack settings", s.settingsProblem, "apply the recommended settings below"));
    }
    if (s.existingWorkspaceId && !workspaces.some((w) => sameArmId(w.id, s.existingWorkspaceId))) {
        const sub = workspaceIdParts(s.existingWorkspaceId)?.subscriptionId;
        const known = subscriptions.find((x) => x.subscriptionId.toLowerCase() === sub);
        lines.push(
            known && known.tenantId !== undefined && known.tenantId !== s.tenantId
                ? fail(
                      "existingWorkspaceId",
                      `${s.existingWorkspaceId} is in subscription ${sub} of tenant ${known.tenantId}, not this stack's tenant ${s.tenantId}`,
                      "use a workspace of this tenant (listed above)",
                  )
                : known
                  ? fail(
                        "existingWorkspaceId",
                        `${s.existingWorkspaceId} is not among the workspaces of subscription ${known.displayName ?? known.subscriptionId}`,
                        "check the ID against the workspaces listed above",
                    )
                  : fail(
                        "existingWorkspaceId",
                        `${s.existingWorkspaceId} is in subscription ${sub}, which is not a subscription of tenant ${s.tenantId} these credentials can see: it may belong to another tenant`,
                        "use a workspace of this tenant (listed above), or grant the identity Reader on that subscription",
                    ),
        );
    }
    if (settings && s.adoptDiagnosticSetting && !settings.some((x) => x.name.toLowerCase() === s.adoptDiagnosticSetting!.toLowerCase())) {
        lines.push(
            fail(
                "adoptDiagnosticSetting",
                `names ${s.adoptDiagnosticSetting}, which is not a diagnostic setting of this tenant (found: ${settings.map((x) => x.name).join(", ") || "none"})`,
                "set it to one of the settings listed above, or remove it",
            ),
        );
    }
    return lines;
}

/** Reads the tenant and recommends the stack settings for it. */
export async function discover(az: AzureReader, s: DiscoverStack): Promise<Discovery> {
    const findings: CheckLine[] = [];
    const tenant = await az.credentialTenant().catch((e: Error) => {
        findings.push(thrownProblem("credentials", e));
        return undefined;
    });
    if (tenant && tenant.toLowerCase() !== s.tenantId) {
        findings.push(
            fail(
                "credentials",
                `the credentials belong to tenant ${tenant}, not ${s.tenantId}`,
                `log in to the stack's tenant: az login --tenant ${s.tenantId}`,
            ),
        );
    }
    if (findings.length > 0) {
        return {
            stack: s.stack,
            tenantId: s.tenantId,
            subscriptions: [],
            workspaces: [],
            providers: [],
            findings,
            recommendation: recommend(s, undefined, []),
        };
    }
    const [settingsOrProblem, subscriptionList] = await Promise.all([
        readSettings(az).catch((e: Error) => thrownProblem("diagnostic settings", e)),
        listAll(az, "/subscriptions", API.subscriptions).catch((e: Error) => ({
            items: [] as any[],
            thrown: thrownProblem("subscriptions", e),
        })),
    ]);
    const settings = Array.isArray(settingsOrProblem) ? settingsOrProblem : undefined;
    if (!Array.isArray(settingsOrProblem)) {
        findings.push(settingsOrProblem);
    }
    if ("thrown" in subscriptionList) {
        findings.push(subscriptionList.thrown);
    } else if (subscriptionList.problem) {
        findings.push(
            answerProblem("subscriptions", "the subscriptions", subscriptionList.problem, "Reader on the subscriptions to search"),
        );
    }
    const all = subscriptionList.items.map((x) => ({
        subscriptionId: String(x.subscriptionId).toLowerCase(),
        displayName: x.displayName,
        tenantId: x.tenantId ? String(x.tenantId).toLowerCase() : undefined,
    }));
    // Workspaces in another tenant's subscriptions (a guest's, Lighthouse's) can't be this tenant's destination.
    const subscriptions = all.filter((x) => x.tenantId === undefined || x.tenantId === s.tenantId);
    const workspaces = await readWorkspaces(az, subscriptions, findings);
    workspaces.sort((a, b) => a.name.localeCompare(b.name));

    if (settings) {
        findings.push(
            settings.length >= MAX_TENANT_DIAGNOSTIC_SETTINGS
                ? warn(
                      "diagnostic settings",
                      `the tenant has ${settings.length} of ${MAX_TENANT_DIAGNOSTIC_SETTINGS} diagnostic settings: no other can be added`,
                      "adopt one (recommended below)",
                  )
                : ok("diagnostic settings", `${settings.length} of ${MAX_TENANT_DIAGNOSTIC_SETTINGS} diagnostic settings used`),
        );
        for (const x of settings.filter((y) => sendsProvisioningLogs(y) && y.name.toLowerCase() !== s.ownSettingName?.toLowerCase())) {
            findings.push(
                warn(
                    "diagnostic settings",
                    `${x.name} already sends ProvisioningLogs${x.workspaceId ? ` to workspace ${workspaceIdParts(x.workspaceId)?.workspaceName ?? x.workspaceId}` : ""}: a second setting would ingest and bill them twice`,
                ),
            );
        }
    }
    findings.push(...stackFindings(s, settings, workspaces, all));
    const recommendation = recommend(s, settings, workspaces);

    // The providers the stack registers, and Microsoft.Insights where the recommended workspace is (diagnostic settings need it there).
    const target =
        typeof recommendation.settings.existingWorkspaceId === "string"
            ? workspaceIdParts(recommendation.settings.existingWorkspaceId)?.subscriptionId
            : undefined;
    const wanted = [
        ...["Microsoft.Insights", "Microsoft.OperationalInsights", ...(s.dashboard ? ["Microsoft.Portal"] : [])].map(
            (ns) => [s.subscriptionId, ns] as const,
        ),
        ...(target && target !== s.subscriptionId ? [[target, "Microsoft.Insights"] as const] : []),
    ];
    const states = await Promise.all(
        wanted.map(([sub, ns]) => providerState(az, sub, ns).catch((e: Error) => thrownProblem(`provider ${ns}`, e))),
    );
    const providers = states.filter((x): x is { subscriptionId: string; namespace: string; state: string } => !("status" in x));
    findings.push(...states.filter((x): x is CheckLine => "status" in x));
    for (const p of providers.filter((x) => x.state !== "Registered")) {
        findings.push(
            p.subscriptionId === s.subscriptionId
                ? warn(`provider ${p.namespace}`, `${p.namespace} is ${p.state} on ${p.subscriptionId}: pulumi up registers it and waits`)
                : warn(
                      `provider ${p.namespace}`,
                      `${p.namespace} is ${p.state} on ${p.subscriptionId}, the workspace's subscription`,
                      `az provider register --namespace ${p.namespace} --subscription ${p.subscriptionId}`,
                  ),
        );
    }

    return {
        stack: s.stack,
        tenantId: s.tenantId,
        ...(settings ? { diagnosticSettings: { used: settings.length, limit: MAX_TENANT_DIAGNOSTIC_SETTINGS, settings } } : {}),
        subscriptions: all,
        workspaces,
        providers,
        findings,
        recommendation,
    };
}

const SYMBOL = { ok: "✓", fail: "✗", warn: "!" } as const;

/** The discovery as a person reads it. */
export function renderDiscovery(d: Discovery): string {
    const subName = (id: string) => d.subscriptions.find((x) => x.subscriptionId === id.toLowerCase())?.displayName ?? id;
    const wsName = (id: string) => workspaceIdParts(id)?.workspaceName ?? id;
    const settingLine = (x: DiscoveredSetting) =>
        `  ${x.name}: ${x.categories.join(", ") || "no category"} → ${
            [
                ...(x.workspaceId
                    ? [
                          `workspace ${wsName(x.workspaceId)} (subscription ${subName(workspaceIdParts(x.workspaceId)?.subscriptionId ?? "")})`,
                      ]
                    : []),
                ...Object.entries(x.destinations).map(([k, v]) => `${k} ${v}`),
            ].join(", ") || "nowhere"
        }`;
    const logs = (w: DiscoveredWorkspace) =>
        w.provisioningLogs === undefined
            ? "AADProvisioningLogs: not queried"
            : w.provisioningLogs.lastRecord
              ? `AADProvisioningLogs: last record ${w.provisioningLogs.lastRecord}, ${w.provisioningLogs.records24h} in the last 24 h`
              : "AADProvisioningLogs: none in 30 days";
    const r = d.recommendation;
    return [
        `Discovery for stack ${d.stack} (tenant ${d.tenantId}), read-only.`,
        "",
        d.diagnosticSettings
            ? `Tenant diagnostic settings: ${d.diagnosticSettings.used} of ${d.diagnosticSettings.limit} used${d.diagnosticSettings.used === 0 ? " (none)" : ""}`
            : "Tenant diagnostic settings: could not be read (see the findings)",
        ...(d.diagnosticSettings?.settings ?? []).map(settingLine),
        "",
        `Log Analytics workspaces these credentials can see: ${d.workspaces.length}, in ${new Set(d.workspaces.map((w) => w.subscriptionId)).size} of ${d.subscriptions.length} subscription(s)`,
        ...d.workspaces.map(
            (w) =>
                `  ${w.name}  subscription ${w.subscriptionName ?? w.subscriptionId}, ${w.resourceGroupName}${w.location ? `, ${w.location}` : ""}` +
                `${w.sentinel ? ", Microsoft Sentinel" : ""}${w.retentionInDays !== undefined ? `, ${w.retentionInDays} d retention` : ""}; ${logs(w)}`,
        ),
        "",
        ...(d.providers.length > 0
            ? ["Resource providers:", ...d.providers.map((p) => `  ${p.namespace} on ${subName(p.subscriptionId)}: ${p.state}`), ""]
            : []),
        "Findings:",
        ...d.findings.map((l) => `  ${SYMBOL[l.status]} ${l.check}: ${l.message}${l.fix ? ` — fix: ${l.fix}` : ""}`),
        "",
        `Recommended (${r.path}): ${r.summary}.`,
        ...(r.commands.length > 0 ? ["", "Stack settings, ready to paste:", ...r.commands.map((c) => `  ${c}`)] : []),
        ...(r.importIds.length > 0
            ? [
                  "",
                  `Import: the first pulumi up adopts it with Pulumi's import option (pulumi preview shows "= import"), import ID ${r.importIds.join(", ")}; it then adds ProvisioningLogs and keeps the rest.`,
              ]
            : []),
        ...(r.policyConfig
            ? [
                  "",
                  `Policy config: in ${r.policyConfig.file}, set "${r.policyConfig.policy}": { "existingWorkspaceId": "${r.policyConfig.existingWorkspaceId}" } (the workspace is read, not managed, so policies don't see it).`,
              ]
            : []),
    ].join("\n");
}
