import * as assert from "node:assert";
import type { GraphReader, GraphResponse } from "../../../tools/live/azureReader";
import { GRAPH_V1, provisioningJobFindings } from "../../../tools/live/provisioningJobs";

/** An in-memory Microsoft Graph: answers by URL, records what was asked. */
class FakeGraph implements GraphReader {
    readonly asked: string[] = [];
    constructor(private readonly answers: Record<string, GraphResponse>) {}
    async get(url: string): Promise<GraphResponse> {
        this.asked.push(url);
        return this.answers[url] ?? { status: 404, body: { error: { code: "Request_ResourceNotFound", message: "not found" } } };
    }
}

const ENTERPRISE_APPS = `${GRAPH_V1}/servicePrincipals?$filter=${encodeURIComponent("tags/any(t:t eq 'WindowsAzureActiveDirectoryIntegratedApp')")}&$select=id,displayName`;
const jobsOf = (id: string) => `${GRAPH_V1}/servicePrincipals/${id}/synchronization/jobs`;
const NOW = () => new Date("2024-03-11T12:00:00Z");

function job(id: string, templateId: string, status: Record<string, unknown>) {
    return {
        id,
        templateId,
        schedule: { interval: "PT40M", state: "Active" },
        status: { countSuccessiveCompleteFailures: 0, escrowsPruned: false, quarantine: null, lastExecution: null, ...status },
    };
}

describe("verify's provisioning job states from Microsoft Graph", () => {
    it("gives one finding per job, with the fix: quarantined, paused, failing, with errors, running", async () => {
        const graph = new FakeGraph({
            [ENTERPRISE_APPS]: {
                status: 200,
                body: {
                    value: [
                        { id: "sp-sales", displayName: "Salesforce" },
                        { id: "sp-box", displayName: "Box" },
                    ],
                    "@odata.nextLink": `${ENTERPRISE_APPS}&$skiptoken=2`,
                },
            },
            [`${ENTERPRISE_APPS}&$skiptoken=2`]: {
                status: 200,
                body: {
                    value: [
                        { id: "sp-wd", displayName: "Workday to Microsoft Entra ID User Provisioning" },
                        { id: "sp-sso", displayName: "SSO only" },
                    ],
                },
            },
            [jobsOf("sp-sales")]: {
                status: 200,
                body: {
                    value: [
                        job("sf.1", "SfSandboxOutDelta", {
                            code: "Quarantine",
                            quarantine: {
                                currentBegan: "2024-03-10T08:00:00Z",
                                nextAttempt: "2024-03-12T08:00:00Z",
                                reason: "EncounteredQuarantineException",
                                seriesBegan: "2024-03-01T08:00:00Z",
                                seriesCount: 9,
                                error: {
                                    code: "HybridSynchronizationActiveDirectoryInvalidCredentials",
                                    message: "The credentials are invalid",
                                    tenantActionable: true,
                                },
                            },
                        }),
                    ],
                },
            },
            [jobsOf("sp-box")]: {
                status: 200,
                body: {
                    value: [
                        job("box.1", "BoxOutDelta", { code: "Paused" }),
                        job("box.2", "BoxOutDelta2", {
                            code: "Active",
                            countSuccessiveCompleteFailures: 3,
                            lastExecution: { state: "Failed", error: { code: "Unauthorized", message: "401 from target" } },
                        }),
                    ],
                },
            },
            [jobsOf("sp-wd")]: {
                status: 200,
                body: {
                    value: [
                        job("wd.1", "Workday2AAD", {
                            code: "Active",
                            lastExecution: { state: "EntryLevelErrors", countEscrowed: 12, timeEnded: "2024-03-11T11:00:00Z" },
                        }),
                        job("wd.2", "Workday2AADPassive", {
                            code: "Active",
                            lastExecution: { state: "Succeeded", timeEnded: "2024-03-11T11:40:00Z" },
                        }),
                    ],
                },
            },
            [jobsOf("sp-sso")]: { status: 200, body: { value: [] } },
        });
        const findings = await provisioningJobFindings(graph, { now: NOW });
        assert.deepStrictEqual(findings, [
            {
                status: "warn",
                check: "provisioning job Box (BoxOutDelta)",
                message: "paused: provisioning is not running",
                fix: "start it if that is not intended (Provisioning > Start provisioning, or POST /servicePrincipals/sp-box/synchronization/jobs/box.1/start)",
            },
            {
                status: "fail",
                check: "provisioning job Box (BoxOutDelta2)",
                message: "its last cycle failed, 3 times in a row (Unauthorized: 401 from target)",
                fix: "fix the cause on the app's Provisioning page and in the provisioning logs; a job failing on and on goes into quarantine (Restart provisioning, or POST /servicePrincipals/sp-box/synchronization/jobs/box.2/restart)",
            },
            {
                status: "fail",
                check: "provisioning job Salesforce (SfSandboxOutDelta)",
                message:
                    "in quarantine since 2024-03-01T08:00:00Z, reason EncounteredQuarantineException (HybridSynchronizationActiveDirectoryInvalidCredentials: The credentials are invalid); next attempt 2024-03-12T08:00:00Z; disabled after four weeks (18 days left)",
                fix: "the target rejected the connection (often invalid or expired admin credentials): enter valid credentials under Provisioning > Admin credentials and Test Connection, then restart provisioning (Restart provisioning, or POST /servicePrincipals/sp-sales/synchronization/jobs/sf.1/restart)",
            },
            {
                status: "warn",
                check: "provisioning job Workday to Microsoft Entra ID User Provisioning (Workday2AAD)",
                message: "running; its last cycle ended with 12 objects in error",
                fix: "fix the errors the provisioning logs show (the workbook's top errors); the service retries them",
            },
            {
                status: "ok",
                check: "provisioning job Workday to Microsoft Entra ID User Provisioning (Workday2AADPassive)",
                message: "running (Active), last cycle ended 2024-03-11T11:40:00Z",
            },
        ]);
        assert.deepStrictEqual(graph.asked.slice(0, 2), [ENTERPRISE_APPS, `${ENTERPRISE_APPS}&$skiptoken=2`], "follows @odata.nextLink");
    });

    it("gives the fix for each quarantine reason Graph documents", async () => {
        const reasons = [
            "EncounteredBaseEscrowThreshold",
            "EncounteredTotalEscrowThreshold",
            "EncounteredEscrowProportionThreshold",
            "TooManyDeletes",
            "IngestionInterrupted",
            "QuarantinedOnDemand",
            "Unknown",
        ];
        const graph = new FakeGraph({
            [ENTERPRISE_APPS]: { status: 200, body: { value: [{ id: "sp", displayName: "App" }] } },
            [jobsOf("sp")]: {
                status: 200,
                body: {
                    value: reasons.map((reason, i) =>
                        job(`j${i}`, `T${i}`, { code: "Quarantine", quarantine: { reason, seriesBegan: "2024-01-01T00:00:00Z" } }),
                    ),
                },
            },
        });
        const fixes = (await provisioningJobFindings(graph, { now: NOW })).map((f) => [
            f.status,
            f.fix?.split(":")[0],
            /past four weeks, the job is disabled$/.test(f.message),
        ]);
        assert.deepStrictEqual(fixes, [
            ["fail", "too many provisioning events failed", true],
            ["fail", "too many provisioning events failed", true],
            ["fail", "too many provisioning events failed", true],
            ["fail", "more deletions than the accidental-deletion threshold allows", true],
            ["fail", "the source system stopped sending changes", true],
            ["fail", "Microsoft put the job in quarantine after detecting an issue with the application", true],
            [
                "fail",
                "fix what the provisioning logs and the app's Provisioning page show, then restart provisioning (Restart provisioning, or POST /servicePrincipals/sp/synchronization/jobs/j6/restart)",
                true,
            ],
        ]);
    });

    it("looks up the named apps only, escaping quotes, and warns about a name it cannot find", async () => {
        const byName = (name: string) =>
            `${GRAPH_V1}/servicePrincipals?$filter=${encodeURIComponent(`displayName eq '${name.replace(/'/g, "''")}'`)}&$select=id,displayName`;
        const graph = new FakeGraph({
            [byName("O'Brien HR")]: { status: 200, body: { value: [{ id: "sp-hr", displayName: "O'Brien HR" }] } },
            [byName("Missing app")]: { status: 200, body: { value: [] } },
            [jobsOf("sp-hr")]: { status: 200, body: { value: [job("hr.1", "HrIn", { code: "NotRun" })] } },
        });
        assert.deepStrictEqual(await provisioningJobFindings(graph, { apps: ["O'Brien HR", "Missing app"], now: NOW }), [
            {
                status: "warn",
                check: "provisioning job Missing app",
                message: 'no enterprise application is named "Missing app"',
                fix: "check the name in alertApps against Entra ID > Enterprise applications",
            },
            {
                status: "warn",
                check: "provisioning job O'Brien HR (HrIn)",
                message: "has not completed its first cycle yet",
                fix: "wait for the initial cycle; on a large directory it can take hours",
            },
        ]);
        assert.ok(!graph.asked.includes(ENTERPRISE_APPS), "no listing of every application");
    });

    it("names the Graph permission the identity lacks", async () => {
        const denied = { status: 403, body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" } } };
        assert.deepStrictEqual(await provisioningJobFindings(new FakeGraph({ [ENTERPRISE_APPS]: denied }), { now: NOW }), [
            {
                status: "fail",
                check: "provisioning jobs",
                message: "not allowed to read the service principals (403)",
                fix: "grant the identity running verify the Microsoft Graph permission Application.Read.All (admin consent)",
            },
        ]);
        const graph = new FakeGraph({
            [ENTERPRISE_APPS]: { status: 200, body: { value: [{ id: "sp", displayName: "App" }] } },
            [jobsOf("sp")]: denied,
        });
        assert.deepStrictEqual(await provisioningJobFindings(graph, { now: NOW }), [
            {
                status: "fail",
                check: "provisioning job App",
                message: "not allowed to read its provisioning jobs (403)",
                fix: "grant the identity running verify the Microsoft Graph permission Synchronization.Read.All (admin consent)",
            },
        ]);
    });

    it("warns when no application has a provisioning job, and reports any other answer with its status", async () => {
        const none = new FakeGraph({ [ENTERPRISE_APPS]: { status: 200, body: { value: [{ id: "sp", displayName: "SSO only" }] } } });
        assert.deepStrictEqual(await provisioningJobFindings(none, { now: NOW }), [
            {
                status: "warn",
                check: "provisioning jobs",
                message: "no enterprise application has a provisioning job",
                fix: "turn on provisioning for an application (Enterprise applications > the app > Provisioning)",
            },
        ]);
        const broken = new FakeGraph({ [ENTERPRISE_APPS]: { status: 503, body: { error: { message: "Service unavailable" } } } });
        assert.deepStrictEqual(await provisioningJobFindings(broken, { now: NOW }), [
            {
                status: "fail",
                check: "provisioning jobs",
                message: "reading the service principals failed (HTTP 503: Service unavailable)",
                fix: "run verify again; if it persists, check the Microsoft Entra service health",
            },
        ]);
    });

    it("reads the Microsoft Graph of the tenant's cloud, such as Azure Government's", async () => {
        const gov = "https://graph.microsoft.us/v1.0";
        const apps = `${gov}/servicePrincipals?$filter=${encodeURIComponent("tags/any(t:t eq 'WindowsAzureActiveDirectoryIntegratedApp')")}&$select=id,displayName`;
        const graph = new FakeGraph({
            [apps]: { status: 200, body: { value: [{ id: "sp", displayName: "ServiceNow" }] } },
            [`${gov}/servicePrincipals/sp/synchronization/jobs`]: {
                status: 200,
                body: {
                    value: [
                        job("servicenow.1", "serviceNowOutDelta", {
                            code: "Active",
                            lastExecution: { state: "Succeeded", timeEnded: "2024-03-11T11:40:00Z" },
                        }),
                    ],
                },
            },
        });
        assert.deepStrictEqual(await provisioningJobFindings(graph, { now: NOW, graphEndpoint: `${gov}/` }), [
            {
                status: "ok",
                check: "provisioning job ServiceNow (serviceNowOutDelta)",
                message: "running (Active), last cycle ended 2024-03-11T11:40:00Z",
            },
        ]);
        assert.ok(
            graph.asked.every((url) => url.startsWith(`${gov}/`)),
            graph.asked.join(", "),
        );
    });
});
