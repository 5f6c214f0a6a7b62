import type { GraphReader, GraphResponse } from "./azureReader";
import { type CheckLine, fail, ok, warn } from "./checkLine";

/**
 * verify's view of the provisioning jobs themselves, from Microsoft Graph: the logs tell what a job
 * did, Graph tells what state it is in now. One finding per job: in quarantine (and why, with the
 * fix for that reason), paused, failing, or running.
 *
 * Graph, v1.0 (microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0):
 * - `GET /servicePrincipals?$filter=…` (servicePrincipal-list), then
 *   `GET /servicePrincipals/{id}/synchronization/jobs` (synchronization-synchronization-list-jobs),
 *   needing Application.Read.All and Synchronization.Read.All;
 * - synchronizationJob.status (synchronizationStatus): `code` is NotConfigured, NotRun, Active,
 *   Paused or Quarantine; `quarantine` (synchronizationQuarantine) has currentBegan, nextAttempt,
 *   reason, seriesBegan, seriesCount and error; `lastExecution` (synchronizationTaskExecution) has
 *   state Succeeded, Failed or EntryLevelErrors, countEscrowed and error (code, message).
 * - A job in quarantine for more than four weeks is disabled (entra-docs
 *   docs/identity/app-provisioning/application-provisioning-quarantine-status.md).
 */

/** Which jobs to look at, and the clock that dates a quarantine. */
export interface ProvisioningJobOptions {
    /**
     * Optional. Display names of the applications (service principals) to look at, e.g. the stack's
     * alertApps. Defaults to every enterprise application of the tenant.
     */
    readonly apps?: readonly string[];
    /** Optional. Now, for how long a quarantine has lasted. Defaults to the system clock. */
    readonly now?: () => Date;
    /** Optional. Service principals read at once. Defaults to 4. */
    readonly concurrency?: number;
    /**
     * Optional. Microsoft Graph v1.0 of the tenant's cloud, e.g. `https://graph.microsoft.us/v1.0` in
     * Azure Government (components/azure/cloud.ts; `AzureReader.graphEndpoint`). Defaults to {@link GRAPH_V1}.
     */
    readonly graphEndpoint?: string;
}

/** Microsoft Graph v1.0 of the public cloud. */
export const GRAPH_V1 = "https://graph.microsoft.com/v1.0";

/** Enterprise applications carry this tag; Entra's Enterprise applications list filters on it. */
const ENTERPRISE_APPS_FILTER = "tags/any(t:t eq 'WindowsAzureActiveDirectoryIntegratedApp')";

/** A job in quarantine for more than four weeks is disabled. */
const QUARANTINE_LIMIT_DAYS = 28;

interface ServicePrincipal {
    readonly id: string;
    readonly displayName?: string;
}

interface SyncError {
    readonly code?: string;
    readonly message?: string;
}

interface SynchronizationJob {
    readonly id: string;
    readonly templateId?: string;
    readonly status?: {
        readonly code?: string;
        readonly countSuccessiveCompleteFailures?: number;
        readonly escrowsPruned?: boolean;
        readonly lastExecution?: {
            readonly state?: string;
            readonly timeEnded?: string;
            readonly countEscrowed?: number;
            readonly error?: SyncError;
        } | null;
        readonly quarantine?: {
            readonly currentBegan?: string;
            readonly nextAttempt?: string;
            readonly reason?: string;
            readonly seriesBegan?: string;
            readonly seriesCount?: number;
            readonly error?: SyncError;
        } | null;
    };
}

/** An OData string literal: single quotes doubled. */
function odataString(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
}

/** A Graph answer that isn't 200, as a finding naming the permission a 403 lacks. */
function unexpected(check: string, what: string, r: GraphResponse, permission: string): CheckLine {
    if (r.status === 401 || r.status === 403) {
        return fail(
            check,
            `not allowed to read ${what} (${r.status})`,
            `grant the identity running verify the Microsoft Graph permission ${permission} (admin consent)`,
        );
    }
    return fail(
        check,
        `reading ${what} failed (HTTP ${r.status}: ${r.body?.error?.message ?? "no details"})`,
        "run verify again; if it persists, check the Microsoft Entra service health",
    );
}

/** Every page of a Graph collection, following @odata.nextLink; or the answer that stopped it. */
async function list<T>(graph: GraphReader, url: string): Promise<{ items: T[] } | { failed: GraphResponse }> {
    const items: T[] = [];
    let next: string | undefined = url;
    while (next) {
        const r = await graph.get(next);
        if (r.status !== 200) {
            return { failed: r };
        }
        items.push(...((r.body?.value ?? []) as T[]));
        next = r.body?.["@odata.nextLink"];
    }
    return { items };
}

/** What to do about a quarantine, by its reason (synchronizationQuarantine.reason). */
function quarantineFix(reason: string | undefined, restart: string): string {
    switch (reason) {
        case "EncounteredQuarantineException":
            return `the target rejected the connection (often invalid or expired admin credentials): enter valid credentials under Provisioning > Admin credentials and Test Connection, then restart provisioning (${restart})`;
        case "EncounteredBaseEscrowThreshold":
        case "EncounteredTotalEscrowThreshold":
        case "EncounteredEscrowProportionThreshold":
            return `too many provisioning events failed: fix the errors the provisioning logs show (the workbook's top errors), then restart provisioning clearing escrows (${restart})`;
        case "TooManyDeletes":
            return `more deletions than the accidental-deletion threshold allows: review the pending deletions, then allow them or fix the scoping, and restart provisioning (${restart})`;
        case "IngestionInterrupted":
            return `the source system stopped sending changes: check the connection to the source (HR) system and its credentials, then restart provisioning (${restart})`;
        case "QuarantinedOnDemand":
            return "Microsoft put the job in quarantine after detecting an issue with the application: check the app's Provisioning page and the Microsoft Entra service health, and open a support request if it lasts";
        default:
            return `fix what the provisioning logs and the app's Provisioning page show, then restart provisioning (${restart})`;
    }
}

function days(from: string | undefined, now: Date): number | undefined {
    const t = from ? Date.parse(from) : NaN;
    return Number.isNaN(t) ? undefined : Math.floor((now.getTime() - t) / 86_400_000);
}

/** One finding for one job: its state now, and what to do about it. */
export function jobFinding(sp: ServicePrincipal, job: SynchronizationJob, now: Date): CheckLine {
    const app = sp.displayName || sp.id;
    const check = `provisioning job ${app} (${job.templateId ?? job.id})`;
    const s = job.status ?? {};
    const last = s.lastExecution ?? undefined;
    const jobUrl = `/servicePrincipals/${sp.id}/synchronization/jobs/${job.id}`;
    const restart = `Restart provisioning, or POST ${jobUrl}/restart`;
    switch (s.code) {
        case "Quarantine": {
            const q = s.quarantine ?? {};
            const since = q.seriesBegan ?? q.currentBegan;
            const elapsed = days(since, now);
            const error = q.error?.code || q.error?.message ? ` (${[q.error?.code, q.error?.message].filter(Boolean).join(": ")})` : "";
            const left =
                elapsed === undefined
                    ? ""
                    : elapsed >= QUARANTINE_LIMIT_DAYS
                      ? "; past four weeks, the job is disabled"
                      : `; disabled after four weeks (${QUARANTINE_LIMIT_DAYS - elapsed} days left)`;
            const next = q.nextAttempt ? `; next attempt ${q.nextAttempt}` : "";
            return fail(
                check,
                `in quarantine since ${since ?? "an unknown time"}, reason ${q.reason ?? "Unknown"}${error}${next}${left}`,
                quarantineFix(q.reason, restart),
            );
        }
        case "Paused":
            return s.escrowsPruned
                ? warn(
                      check,
                      "paused after its initial cycle because too many objects failed (escrows pruned)",
                      `fix the errors the provisioning logs show, then start provisioning (Start provisioning, or POST ${jobUrl}/start)`,
                  )
                : warn(
                      check,
                      "paused: provisioning is not running",
                      `start it if that is not intended (Provisioning > Start provisioning, or POST ${jobUrl}/start)`,
                  );
        case "NotConfigured":
            return warn(
                check,
                "not configured: no authorization was given, the job has never run",
                "finish the set-up under Provisioning (admin credentials, mappings), or delete the configuration",
            );
        case "NotRun":
            return warn(
                check,
                "has not completed its first cycle yet",
                "wait for the initial cycle; on a large directory it can take hours",
            );
    }
    if (last?.state === "Failed" || (s.countSuccessiveCompleteFailures ?? 0) > 0) {
        const error = [last?.error?.code, last?.error?.message].filter(Boolean).join(": ") || "no error details";
        const failures = s.countSuccessiveCompleteFailures ? `, ${s.countSuccessiveCompleteFailures} times in a row` : "";
        return fail(
            check,
            `its last cycle failed${failures} (${error})`,
            `fix the cause on the app's Provisioning page and in the provisioning logs; a job failing on and on goes into quarantine (${restart})`,
        );
    }
    if (last?.state === "EntryLevelErrors") {
        return warn(
            check,
            `running; its last cycle ended with ${last.countEscrowed ?? "some"} objects in error`,
            "fix the errors the provisioning logs show (the workbook's top errors); the service retries them",
        );
    }
    return ok(check, `running (${s.code ?? "status unknown"})${last?.timeEnded ? `, last cycle ended ${last.timeEnded}` : ""}`);
}

/** Runs `fn` over `items`, at most `limit` at once, keeping their order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return results;
}

/**
 * The state of every provisioning job of the tenant's enterprise applications (or of the named
 * apps), one finding per job, sorted by app: ✗ in quarantine or failing, ! paused, not configured
 * or not run yet, ✓ running. Apps without a job are left out; a named app not found, or no job at
 * all, is a warning. A 401/403 names the Graph permission the identity lacks.
 */
export async function provisioningJobFindings(graph: GraphReader, options: ProvisioningJobOptions = {}): Promise<CheckLine[]> {
    const now = (options.now ?? (() => new Date()))();
    const graphV1 = (options.graphEndpoint ?? GRAPH_V1).replace(/\/+$/, "");
    const findings: CheckLine[] = [];
    const principals: ServicePrincipal[] = [];
    const filters =
        options.apps && options.apps.length > 0
            ? options.apps.map((a) => ({ app: a, filter: `displayName eq ${odataString(a)}` }))
            : [{ app: undefined, filter: ENTERPRISE_APPS_FILTER }];
    for (const { app, filter } of filters) {
        const r = await list<ServicePrincipal>(
            graph,
            `${graphV1}/servicePrincipals?$filter=${encodeURIComponent(filter)}&$select=id,displayName`,
        );
        if ("failed" in r) {
            return [unexpected("provisioning jobs", "the service principals", r.failed, "Application.Read.All")];
        }
        if (app !== undefined && r.items.length === 0) {
            findings.push(
                warn(
                    `provisioning job ${app}`,
                    `no enterprise application is named ${JSON.stringify(app)}`,
                    "check the name in alertApps against Entra ID > Enterprise applications",
                ),
            );
        }
        principals.push(...r.items.filter((sp) => !principals.some((p) => p.id === sp.id)));
    }
    const perPrincipal = await pool(principals, options.concurrency ?? 4, async (sp) => {
        const r = await list<SynchronizationJob>(graph, `${graphV1}/servicePrincipals/${encodeURIComponent(sp.id)}/synchronization/jobs`);
        if ("failed" in r) {
            // An application without provisioning answers 404 on some tenants: it has no job.
            return r.failed.status === 404
                ? []
                : [
                      unexpected(
                          `provisioning job ${sp.displayName || sp.id}`,
                          "its provisioning jobs",
                          r.failed,
                          "Synchronization.Read.All",
                      ),
                  ];
        }
        return r.items.map((job) => jobFinding(sp, job, now));
    });
    const jobs = perPrincipal.flat().sort((a, b) => a.check.localeCompare(b.check));
    if (jobs.length === 0 && findings.length === 0) {
        findings.push(
            warn(
                "provisioning jobs",
                "no enterprise application has a provisioning job",
                "turn on provisioning for an application (Enterprise applications > the app > Provisioning)",
            ),
        );
    }
    return [...findings, ...jobs];
}
