import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { outputsFromState, verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { withTempDir } from "../support/tempDir";
import type { TokenCredential } from "@azure/identity";
import { type ArmReply, armError, type FakeArm, fakeCredentialFor, type VirtualClock } from "../support/fakeArm";
import { devSettings, healthyTenant, type TenantState, withFakeTenant, workspaceIdOf } from "../support/fakeTenant";

const s = devSettings();

/** Runs verify against a fake tenant on a virtual clock: retries wait on it, so no test waits in real time. */
async function verify(
    state: TenantState,
    options: { tenant?: string; args?: string[]; stdin?: string; credential?: TokenCredential } = {},
): Promise<{ code: number; lines: string[]; arm: FakeArm; clock: VirtualClock }> {
    return withFakeTenant(
        s,
        state,
        async (endpoints, arm, clock) => {
            const { code, out, err } = await runIn(
                verifyCommand(endpoints),
                ["--stack", "dev", ...(options.args ?? [])],
                options.stdin ?? "",
            );
            return { code, lines: (out + err).trimEnd().split("\n"), arm, clock };
        },
        options.credential ?? fakeCredentialFor(options.tenant ?? s.tenantId),
    );
}

/** The calls verify makes on the dev stack: subscription, 3 providers, workspace, table, data query, diagnostic settings, 4 rules, their one action group (read once), 2 workbooks, and on Graph the enterprise applications and one app's jobs. */
const HEALTHY_CALLS = 17;

const HEALTHY = [
    "✓ credentials: tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f, subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
    "✓ provider Microsoft.Insights: Microsoft.Insights is registered",
    "✓ provider Microsoft.OperationalInsights: Microsoft.OperationalInsights is registered",
    "✓ provider Microsoft.Portal: Microsoft.Portal is registered",
    "✓ workspace: log-entra-provisioning-dev keeps data 30 days",
    "✓ table retention: AADProvisioningLogs keeps 30 days interactive, 30 days in total",
    "✓ data: last record 2026-11-25T09:30:00.000Z; 1234 records from 5 apps in the last 24 h; ingestion delay p95 00:03:20",
    "✓ diagnostic setting: entra-provisioning-logs-dev sends ProvisioningLogs to log-entra-provisioning-dev",
    "✓ alert entra-provisioning-dev-failure-spike: enabled, notifies ag-entra-provisioning-dev-team",
    "✓ alert entra-provisioning-dev-provisioning-stopped: enabled, notifies ag-entra-provisioning-dev-team",
    "✓ alert entra-provisioning-dev-disable-delete-spike: enabled, notifies ag-entra-provisioning-dev-team",
    "✓ alert entra-provisioning-dev-logs-at-risk: enabled, notifies ag-entra-provisioning-dev-team",
    "✓ workbook provisioning-overview: Entra provisioning: overview exists",
    "✓ workbook identity-troubleshooting: Entra provisioning: troubleshoot a user or group exists",
    "✓ provisioning job Salesforce (SfSandboxOutDelta): running (Active), last cycle ended 2026-11-25T09:20:00Z",
];

describe("verify against loopback fakes of ARM, the Entra diagnostic-settings API and the Log Analytics query API", () => {
    it("prints a clean checklist and exits 0 for a healthy tenant", async () => {
        const { code, lines, arm, clock } = await verify(healthyTenant());
        assert.deepStrictEqual(lines, HEALTHY);
        assert.strictEqual(code, 0);
        assert.strictEqual(arm.requests.length, HEALTHY_CALLS);
        assert.deepStrictEqual(clock.sleeps, [], "nothing to wait for");
        assert.deepStrictEqual(
            clock.timers,
            Array(HEALTHY_CALLS + 1).fill(60_000),
            "every request has a 60 s timeout, and so has the request for a token",
        );
    });

    it("prints JSON for machines", async () => {
        const { code, lines } = await verify(healthyTenant(), { args: ["--json"] });
        const report = JSON.parse(lines.join("\n"));
        assert.strictEqual(code, 0);
        assert.strictEqual(report.checks.length, HEALTHY.length);
        assert.deepStrictEqual(report.checks[0], {
            status: "ok",
            check: "credentials",
            message: "tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f, subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
        });
    });

    it("fails on credentials of another tenant", async () => {
        const { code, lines } = await verify(healthyTenant(), { tenant: "11111111-1111-1111-1111-111111111111" });
        assert.strictEqual(
            lines[0],
            "✗ credentials: the credentials belong to tenant 11111111-1111-1111-1111-111111111111, not 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f — fix: log in to the stack's tenant: az login --tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
        );
        assert.strictEqual(code, 1);
    });

    it("says how to register a provider that isn't", async () => {
        const state = healthyTenant();
        state.providers["Microsoft.Insights"] = "NotRegistered";
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ provider Microsoft.Insights: Microsoft.Insights is NotRegistered — fix: run pulumi up (it registers and waits), or: az provider register --namespace Microsoft.Insights --subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
            ),
            lines.join("\n"),
        );
        assert.strictEqual(code, 1);
    });

    it("fails when no diagnostic setting sends ProvisioningLogs to the workspace", async () => {
        const state = healthyTenant();
        state.diagnosticSettings = [];
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ diagnostic setting: no tenant diagnostic setting sends ProvisioningLogs to log-entra-provisioning-dev (found 0 setting(s)) — fix: run pulumi up --refresh for this stack",
            ),
        );
        assert.strictEqual(code, 1);
    });

    it("warns about a second setting that ingests ProvisioningLogs again, and about the settings limit", async () => {
        const state = healthyTenant();
        const other =
            "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel";
        state.diagnosticSettings = [
            ...(state.diagnosticSettings as Array<{ name: string; workspaceId: string; categories: string[] }>),
            { name: "sentinel", workspaceId: other, categories: ["SignInLogs", "ProvisioningLogs"] },
            ...["a", "b", "c"].map((n) => ({ name: n, workspaceId: other, categories: ["AuditLogs"] })),
        ];
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "! diagnostic setting: sentinel also sends ProvisioningLogs to sentinel: every copy is ingested and billed again — fix: remove ProvisioningLogs from sentinel if it is not needed",
            ),
            lines.join("\n"),
        );
        assert.ok(lines.includes("! diagnostic setting: the tenant has 5 diagnostic settings, the limit is 5: no other can be added"));
        assert.strictEqual(code, 0, "warnings alone don't fail");
    });

    it("names the missing role on a 403 from the aadiam API", async () => {
        const state = healthyTenant();
        state.diagnosticSettings = "forbidden";
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ diagnostic setting: not allowed to read the tenant's diagnostic settings (403 on microsoft.aadiam/diagnosticSettings/read) — fix: assign the identity a role at scope /providers/Microsoft.aadiam (e.g. Contributor or Reader), or the Security Administrator directory role",
            ),
        );
        assert.strictEqual(code, 1);
    });

    it("explains the likely causes when no data has arrived yet", async () => {
        const state = healthyTenant();
        delete state.data;
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "! data: no provisioning logs in the workspace yet; likely causes: no application has provisioning turned on or nothing changed since; the diagnostic setting was created minutes ago (allow up to 30 minutes after a provisioning cycle); the tenant has no Entra ID P1/P2 licence",
            ),
        );
        assert.strictEqual(code, 0);
    });

    it("fails on a disabled alert rule", async () => {
        const state = healthyTenant();
        state.rules["entra-provisioning-dev-failure-spike"].enabled = false;
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ alert entra-provisioning-dev-failure-spike: the alert rule is disabled — fix: enable it (pulumi up --refresh restores it) or turn it off on purpose with alertOverrides <rule>.enabled=false",
            ),
        );
        assert.strictEqual(code, 1);
    });

    it("fails on an action group without receivers, once however many rules notify it", async () => {
        const state = healthyTenant();
        for (const g of Object.values(state.actionGroups)) {
            g.emails = 0;
        }
        const { lines, arm } = await verify(state);
        assert.deepStrictEqual(
            lines.filter((l) => l.includes("ag-entra-provisioning-dev-team") && !l.startsWith("✓")),
            [
                "✗ action group ag-entra-provisioning-dev-team: the action group has no receiver (4 alert rules notify it) — fix: run pulumi up --refresh for this stack (and check alertReceivers)",
            ],
        );
        assert.strictEqual(arm.requests.filter((r) => /actionGroups/i.test(r.path)).length, 1, "the group was read once");
    });

    it("waits out throttling (429 with Retry-After) and a 5xx that recovers", async () => {
        const state = healthyTenant();
        state.faults = [
            { status: 429, headers: { "retry-after": "17" }, body: armError("TooManyRequests", "slow down") },
            { status: 503, body: armError("ServiceUnavailable", "try later") },
        ];
        const { code, lines, arm, clock } = await verify(state);
        assert.deepStrictEqual(lines, HEALTHY);
        assert.strictEqual(code, 0);
        assert.strictEqual(arm.requests.length, HEALTHY_CALLS + 2, "each failed call was made once more");
        // The two calls run concurrently, so their waits may come in either order: the 17 s ARM asked
        // for (longer than the first backoff step), and the 5 s first step for the 503.
        assert.deepStrictEqual(
            [...clock.sleeps].sort((a, b) => a - b),
            [5_000, 17_000],
        );
    });

    it("reads each provisioning job's live state from Microsoft Graph: quarantined and paused jobs fail or warn with the fix", async () => {
        const state = healthyTenant();
        state.provisioningJobs = [
            ...(state.provisioningJobs as Array<{ id: string; displayName: string; jobs: Array<Record<string, unknown>> }>),
            {
                id: "sp-servicenow",
                displayName: "ServiceNow",
                jobs: [
                    {
                        id: "sn.1",
                        templateId: "serviceNowOutDelta",
                        status: {
                            code: "Quarantine",
                            quarantine: {
                                reason: "EncounteredQuarantineException",
                                seriesBegan: "2026-11-20T08:00:00Z",
                                error: { code: "ServiceNowInvalidCredentials", message: "invalid credentials" },
                            },
                        },
                    },
                ],
            },
            { id: "sp-box", displayName: "Box", jobs: [{ id: "box.1", templateId: "BoxOutDelta", status: { code: "Paused" } }] },
        ];
        const { code, lines } = await verify(state);
        const jobs = lines.filter((l) => l.includes("provisioning job"));
        assert.deepStrictEqual(
            jobs.map((l) => l.slice(0, l.indexOf(":"))),
            [
                "! provisioning job Box (BoxOutDelta)",
                "✓ provisioning job Salesforce (SfSandboxOutDelta)",
                "✗ provisioning job ServiceNow (serviceNowOutDelta)",
            ],
        );
        assert.match(jobs[0], /: paused: provisioning is not running — fix: start it if that is not intended/);
        assert.match(
            jobs[2],
            /: in quarantine since 2026-11-20T08:00:00Z, reason EncounteredQuarantineException \(ServiceNowInvalidCredentials: invalid credentials\)/,
        );
        assert.strictEqual(code, 1);
    });

    it("says which checks could not be read when Azure asks to wait past verify's deadline, without waiting", async () => {
        const state = healthyTenant();
        state.faults = Array(1_000).fill({
            status: 429,
            headers: { "retry-after": "3600" },
            body: armError("TooManyRequests", "slow down"),
        });
        const { code, lines, clock } = await verify(state);
        const why =
            "failed: Azure answered HTTP 429 ×1, then asked to wait 60 min (Retry-After), past the deadline — fix: Azure kept throttling verify's requests: run verify again in a few minutes";
        assert.deepStrictEqual(lines, [
            `✗ credentials: reading the subscription ${why}`,
            `✗ provider Microsoft.Insights: reading the Microsoft.Insights registration ${why}`,
            `✗ provider Microsoft.OperationalInsights: reading the Microsoft.OperationalInsights registration ${why}`,
            `✗ provider Microsoft.Portal: reading the Microsoft.Portal registration ${why}`,
            `✗ workspace: reading workspace log-entra-provisioning-dev ${why}`,
            `✗ diagnostic setting: reading the tenant's diagnostic settings ${why}`,
            `✗ alert entra-provisioning-dev-failure-spike and 3 other checks: reading the alert rule ${why}`,
            `✗ workbook provisioning-overview and workbook identity-troubleshooting: reading the workbook ${why}`,
            "✗ provisioning jobs: reading the service principals failed (HTTP 429: slow down) — fix: run verify again; if it persists, check the Microsoft Entra service health",
        ]);
        assert.strictEqual(code, 1);
        assert.deepStrictEqual(clock.sleeps, [], "no wait that could not end before the deadline was started");
    });

    describe("gives the fix that fits what Azure answered", () => {
        const workspacePath = /workspaces\/log-entra-provisioning-dev$/i;
        const workspaceLine = (lines: string[]) => lines.find((l) => l.includes(" workspace: ") || l.startsWith("✗ workspace"))!;
        const cases: Array<[string, ArmReply | ArmReply[], string]> = [
            [
                "a 400: the request and the settings it is built from",
                { status: 400, body: armError("InvalidResourceName", "The workspace name 'log-entra-provisioning-dev' is not valid.") },
                "✗ workspace: ARM refused the request for workspace log-entra-provisioning-dev (HTTP 400 InvalidResourceName: The workspace name 'log-entra-provisioning-dev' is not valid) — fix: check subscriptionId, resourceGroupName and workspaceName in Pulumi.dev.yaml (the request is built from them)",
            ],
            [
                "a 500 until the deadline: Azure's side",
                Array(20).fill({ status: 500, body: armError("InternalServerError", "oops") }),
                "✗ workspace: reading workspace log-entra-provisioning-dev failed: Azure answered HTTP 500 ×7 in 96 s — fix: a problem on Azure's side, not in this stack: run verify again in a few minutes; if it persists, check the Azure status page",
            ],
            [
                "an answer that is not JSON: an unexpected answer",
                { status: 200, raw: "<html><body>Proxy sign-in</body></html>" },
                '✗ workspace: reading workspace log-entra-provisioning-dev gave an unexpected answer: HTTP 200 with a body that is not JSON ("<html><body>Proxy sign-in</body></html>") — fix: run verify again; if it persists, something between this machine and Azure (a proxy, HTTPS_PROXY) answers instead of ARM',
            ],
            [
                "a 403: the role",
                { status: 403, body: armError("AuthorizationFailed", "no") },
                "✗ workspace: not allowed to read workspace log-entra-provisioning-dev (403) — fix: grant the identity running verify Log Analytics Reader on the workspace",
            ],
            [
                "a 401: the credentials",
                {
                    status: 401,
                    body: armError("ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."),
                },
                "✗ workspace: the credentials were refused reading workspace log-entra-provisioning-dev (HTTP 401 ExpiredAuthenticationToken: The access token expiry UTC time is earlier than current UTC time) — fix: log in (az login --tenant <tenant>) or set the stack's azure-native:* config or the ARM_* variables the azure-native provider reads, then run verify again",
            ],
        ];
        for (const [name, replies, expected] of cases) {
            it(`on ${name}`, async () => {
                const state = healthyTenant();
                state.faultsAt = [{ path: workspacePath, replies: Array.isArray(replies) ? [...replies] : [replies] }];
                const { code, lines } = await verify(state);
                assert.strictEqual(workspaceLine(lines), expected);
                assert.strictEqual(code, 1);
            });
        }

        it("never tells to grant a role for a 400, a 500 or an answer that is not JSON", () => {
            const fixes = cases.map(([, , line]) => line.split(" — fix: ")[1]);
            assert.strictEqual(new Set(fixes).size, cases.length, "each kind has its own fix");
            assert.deepStrictEqual(
                fixes.slice(0, 3).filter((f) => /grant|Reader/.test(f)),
                [],
            );
        });

        it("on a 404 of the table: not deployed", async () => {
            const state = healthyTenant();
            state.faultsAt = [
                {
                    path: /tables\/AADProvisioningLogs$/i,
                    replies: [{ status: 404, body: armError("ResourceNotFound", "The table was not found.") }],
                },
            ];
            const { lines } = await verify(state);
            assert.ok(
                lines.includes(
                    "✗ table retention: table AADProvisioningLogs does not exist (404) — fix: run pulumi up --refresh for this stack",
                ),
                lines.join("\n"),
            );
        });

        for (const [status, code, expected] of [
            [
                400,
                "BadArgumentError",
                "✗ data: the query API refused verify's data query (HTTP 400: Syntax error) — fix: check queries/verify-data-flow.kql (npm run check:kql analyses it), then run verify again",
            ],
            [
                403,
                "InsufficientAccessError",
                "✗ data: not allowed to query the workspace (HTTP 403: Syntax error) — fix: grant the identity running verify Log Analytics Reader on the workspace",
            ],
        ] as const) {
            it(`on a ${status} from the query API`, async () => {
                const state = healthyTenant();
                state.faultsAt = [{ path: /^\/v1\/workspaces\//, replies: [{ status, body: armError(code, "Syntax error") }] }];
                const { lines } = await verify(state);
                assert.ok(lines.includes(expected), lines.join("\n"));
            });
        }

        it("on 503s from the query API until the deadline", async () => {
            const state = healthyTenant();
            state.faultsAt = [
                { path: /^\/v1\/workspaces\//, replies: Array(20).fill({ status: 503, body: armError("ServiceUnavailable", "busy") }) },
            ];
            const { lines } = await verify(state);
            assert.ok(
                lines.includes(
                    "✗ data: querying the workspace failed: Azure answered HTTP 503 ×7 in 96 s — fix: a problem on Azure's side, not in this stack: run verify again in a few minutes; if it persists, check the Azure status page",
                ),
                lines.join("\n"),
            );
        });
    });

    it("reports a credential that gets no token once, not once per check", async () => {
        const failing: TokenCredential = {
            getToken: async () => {
                throw Object.assign(
                    new Error("ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided."),
                    { name: "AuthenticationError" },
                );
            },
        };
        const { code, lines } = await verify(healthyTenant(), { credential: failing });
        assert.deepStrictEqual(lines, [
            "✗ credentials and 12 other checks: could not get a token for Azure: no token was got (AuthenticationError: ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided); check the client secret or certificate (expired?) and the tenant and client IDs in the stack's azure-native:* config or the ARM_* variables, or log in again (az login). — fix: log in (az login --tenant <tenant>) or set the stack's azure-native:* config or the ARM_* variables the azure-native provider reads, then run verify again",
        ]);
        assert.strictEqual(code, 1);
    });

    it("calls this stack's own diagnostic setting by its name when it points elsewhere, not 'the other setting'", async () => {
        const state = healthyTenant();
        const sentinel =
            "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel";
        state.diagnosticSettings = [{ name: s.diagnosticSettingName, workspaceId: sentinel, categories: ["ProvisioningLogs"] }];
        const { lines } = await verify(state);
        assert.deepStrictEqual(
            lines.filter((l) => l.includes("diagnostic setting")),
            [
                "✗ diagnostic setting: entra-provisioning-logs-dev, this stack's setting, sends ProvisioningLogs to sentinel, not log-entra-provisioning-dev — fix: run pulumi up --refresh for this stack: it points the setting back at its workspace",
            ],
        );
    });

    it("rides out a 409 while another operation runs, a 429 without Retry-After and a connection broken mid-answer", async () => {
        const state = healthyTenant();
        state.faultsAt = [
            {
                path: /providers\/Microsoft.Insights$/,
                replies: [{ status: 409, body: armError("AnotherOperationInProgress", "Another operation is in progress.") }],
            },
            { path: /providers\/Microsoft.Portal$/, replies: [{ status: 429, body: armError("TooManyRequests", "slow down") }] },
            { path: /diagnosticSettings$/i, replies: [{ status: 200, body: { value: [] }, breakAfter: 5 }] },
        ];
        const { code, lines, arm } = await verify(state);
        assert.deepStrictEqual(lines, HEALTHY);
        assert.strictEqual(code, 0);
        assert.strictEqual(arm.requests.length, HEALTHY_CALLS + 3);
    });

    it("says pulumi up will not shorten a table that keeps logs longer than the stack says", async () => {
        const state = healthyTenant();
        state.table = { retentionInDays: 90, totalRetentionInDays: 730 };
        const { lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ table retention: AADProvisioningLogs keeps 90 days interactive, 730 days in total; the stack says 30 and 30 — fix: the table keeps logs longer than the stack says, and pulumi up will not shorten it unless told to (allowRetentionDecrease): raise provisioningLogsRetentionInDays and provisioningLogsTotalRetentionInDays to match",
            ),
            lines.join("\n"),
        );
    });

    it("tells to refresh before pulumi up when the workspace's retention was changed outside Pulumi", async () => {
        const state = healthyTenant();
        state.workspace = { retentionInDays: 60, customerId: "6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a" };
        const { lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ workspace: log-entra-provisioning-dev keeps data 60 days, the stack says 30 — fix: run pulumi up --refresh to apply retentionInDays (a lower one only with allowRetentionDecrease, which deletes older logs), or raise retentionInDays to match",
            ),
            lines.join("\n"),
        );
    });

    it("says what it can't know when the workspace's answer lacks its retention and customer ID, and queries nothing", async () => {
        const state = healthyTenant();
        state.faultsAt = [
            {
                path: /workspaces\/log-entra-provisioning-dev$/,
                replies: [{ status: 200, body: { id: "x", name: "log-entra-provisioning-dev", properties: {} } }],
            },
        ];
        const { lines, arm } = await verify(state);
        assert.deepStrictEqual(
            lines.filter((l) => /^. (workspace|data):/.test(l)),
            [
                "! workspace: log-entra-provisioning-dev's retention is unknown: ARM's answer has no properties.retentionInDays — fix: check the workspace's retention in the portal (Usage and estimated costs › Data retention)",
                "! data: whether provisioning logs arrive is unknown: ARM's answer for the workspace has no properties.customerId, the ID its logs are queried by",
            ],
        );
        assert.ok(!arm.requests.some((r) => r.path.includes("undefined")), "no request names workspace undefined");
        assert.ok(!lines.some((l) => l.includes("undefined")), lines.join("\n"));
    });

    it("uses the workspace and rules from pulumi stack output --json when given", async () => {
        const state = healthyTenant();
        // The workspace ID as Azure returns it in outputs may differ in case from the one verify derives.
        const fromOutputs = workspaceIdOf(s)
            .replace("/resourceGroups/", "/resourcegroups/")
            .replace("/Microsoft.OperationalInsights/", "/microsoft.operationalinsights/");
        const { code, lines, arm } = await verify(state, {
            args: ["--outputs", "-"],
            stdin: JSON.stringify({ workspaceResourceId: fromOutputs, alertRules: ["entra-provisioning-dev-failure-spike"] }),
        });
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(
            lines.filter((l) => l.includes("alert ")),
            ["✓ alert entra-provisioning-dev-failure-spike: enabled, notifies ag-entra-provisioning-dev-team"],
        );
        const paths = arm.requests.map((r) => r.path);
        assert.deepStrictEqual(
            paths.filter((p) => /workspaces\/[^/]+(\/tables\/.*)?$/i.test(p)),
            [fromOutputs, `${fromOutputs}/tables/AADProvisioningLogs`],
            "the workspace and its table were read at the ID from the outputs",
        );
        assert.deepStrictEqual(
            paths.filter((p) => /scheduledQueryRules/i.test(p)),
            [
                "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-entra-provisioning-logs-dev/providers/Microsoft.Insights/scheduledQueryRules/entra-provisioning-dev-failure-spike",
            ],
            "only the rule the outputs name was read",
        );
    });

    it("reads the outputs from a local backend's state file", async () => {
        await withTempDir(async (dir) => {
            const file = path.join(dir, "dev.json");
            fs.writeFileSync(
                file,
                JSON.stringify({
                    version: 3,
                    checkpoint: {
                        latest: {
                            resources: [
                                {
                                    urn: "urn:pulumi:dev::entra-provisioning-logs::pulumi:pulumi:Stack::entra-provisioning-logs-dev",
                                    type: "pulumi:pulumi:Stack",
                                    outputs: { alertRules: ["entra-provisioning-dev-logs-at-risk"] },
                                },
                            ],
                        },
                    },
                }),
            );
            const { code, lines } = await verify(healthyTenant(), { args: ["--state", file] });
            assert.strictEqual(code, 0);
            assert.deepStrictEqual(
                lines.filter((l) => l.includes("alert ")),
                ["✓ alert entra-provisioning-dev-logs-at-risk: enabled, notifies ag-entra-provisioning-dev-team"],
            );
        });
        assert.throws(() => outputsFromState("{}", "x.json"), {
            message: "--state x.json has no stack resource: has pulumi up run for this stack?",
        });
    });

    it("refuses an unknown stack with one line", async () => {
        const { code, err } = await runIn(verifyCommand(), ["--stack", "staging"]);
        assert.strictEqual(code, 2);
        assert.strictEqual(err, "error: no stack file Pulumi.staging.yaml; the stacks are: dev, prod\n");
    });
});
