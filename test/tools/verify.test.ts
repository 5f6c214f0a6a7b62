import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { outputsFromState, verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { withTempDir } from "../support/tempDir";
import { armError, FakeArm, fakeCredentialFor, VirtualClock } from "../support/fakeArm";
import { devSettings, healthyTenant, tenantHandler, TenantState, workspaceIdOf } from "../support/fakeTenant";

const s = devSettings();

/** Runs verify against a fake tenant on a virtual clock: retries wait on it, so no test waits in real time. */
async function verify(
    state: TenantState,
    options: { tenant?: string; args?: string[]; stdin?: string } = {},
): Promise<{ code: number; lines: string[]; arm: FakeArm; clock: VirtualClock }> {
    const clock = new VirtualClock();
    const arm = await FakeArm.start(tenantHandler(s, state), clock.now);
    try {
        const endpoints = { arm: arm.endpoint, logs: `${arm.endpoint}/v1`, credential: fakeCredentialFor(options.tenant ?? s.tenantId), trustedCa: arm.ca, clock };
        const { code, out, err } = await runIn(verifyCommand(endpoints), ["--stack", "dev", ...(options.args ?? [])], options.stdin ?? "");
        return { code, lines: (out + err).trimEnd().split("\n"), arm, clock };
    } finally {
        await arm.close();
    }
}

/** The calls verify makes on the dev stack: subscription, 3 providers, workspace, table, data query, diagnostic settings, 4 rules and each one's group, 2 workbooks. */
const HEALTHY_CALLS = 18;

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
];

describe("verify against loopback fakes of ARM, the Entra diagnostic-settings API and the Log Analytics query API", () => {
    it("prints a clean checklist and exits 0 for a healthy tenant", async () => {
        const { code, lines, arm, clock } = await verify(healthyTenant());
        assert.deepStrictEqual(lines, HEALTHY);
        assert.strictEqual(code, 0);
        assert.strictEqual(arm.requests.length, HEALTHY_CALLS);
        assert.deepStrictEqual(clock.sleeps, [], "nothing to wait for");
        assert.deepStrictEqual(clock.timers, Array(HEALTHY_CALLS).fill(60_000), "every request has a 60 s timeout");
    });

    it("prints JSON for machines", async () => {
        const { code, lines } = await verify(healthyTenant(), { args: ["--json"] });
        const report = JSON.parse(lines.join("\n"));
        assert.strictEqual(code, 0);
        assert.strictEqual(report.checks.length, HEALTHY.length);
        assert.deepStrictEqual(report.checks[0], { status: "ok", check: "credentials", message: "tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f, subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e" });
    });

    it("fails on credentials of another tenant", async () => {
        const { code, lines } = await verify(healthyTenant(), { tenant: "11111111-1111-1111-1111-111111111111" });
        assert.strictEqual(lines[0], "✗ credentials: the credentials belong to tenant 11111111-1111-1111-1111-111111111111, not 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f — fix: log in to the stack's tenant: az login --tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f");
        assert.strictEqual(code, 1);
    });

    it("says how to register a provider that isn't", async () => {
        const state = healthyTenant();
        state.providers["Microsoft.Insights"] = "NotRegistered";
        const { code, lines } = await verify(state);
        assert.ok(lines.includes(
            "✗ provider Microsoft.Insights: Microsoft.Insights is NotRegistered — fix: run pulumi up (it registers and waits), or: az provider register --namespace Microsoft.Insights --subscription 7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
        ), lines.join("\n"));
        assert.strictEqual(code, 1);
    });

    it("fails when no diagnostic setting sends ProvisioningLogs to the workspace", async () => {
        const state = healthyTenant();
        state.diagnosticSettings = [];
        const { code, lines } = await verify(state);
        assert.ok(lines.includes("✗ diagnostic setting: no tenant diagnostic setting sends ProvisioningLogs to log-entra-provisioning-dev (found 0 setting(s)) — fix: run pulumi up for this stack"));
        assert.strictEqual(code, 1);
    });

    it("warns about a second setting that ingests ProvisioningLogs again, and about the settings limit", async () => {
        const state = healthyTenant();
        const other = "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/sentinel";
        state.diagnosticSettings = [
            ...(state.diagnosticSettings as Array<{ name: string; workspaceId: string; categories: string[] }>),
            { name: "sentinel", workspaceId: other, categories: ["SignInLogs", "ProvisioningLogs"] },
            ...["a", "b", "c"].map((n) => ({ name: n, workspaceId: other, categories: ["AuditLogs"] })),
        ];
        const { code, lines } = await verify(state);
        assert.ok(lines.includes("! diagnostic setting: sentinel also sends ProvisioningLogs elsewhere: every copy is ingested and billed again — fix: remove ProvisioningLogs from the other setting if it is not needed"));
        assert.ok(lines.includes("! diagnostic setting: the tenant has 5 diagnostic settings, the limit is 5: no other can be added"));
        assert.strictEqual(code, 0, "warnings alone don't fail");
    });

    it("names the missing role on a 403 from the aadiam API", async () => {
        const state = healthyTenant();
        state.diagnosticSettings = "forbidden";
        const { code, lines } = await verify(state);
        assert.ok(lines.includes(
            "✗ diagnostic setting: not allowed to read the tenant's diagnostic settings (403 on microsoft.aadiam/diagnosticSettings/read) — fix: assign the identity a role at scope /providers/Microsoft.aadiam (e.g. Contributor or Reader), or the Security Administrator directory role",
        ));
        assert.strictEqual(code, 1);
    });

    it("explains the likely causes when no data has arrived yet", async () => {
        const state = healthyTenant();
        delete state.data;
        const { code, lines } = await verify(state);
        assert.ok(lines.includes(
            "! data: no provisioning logs in the workspace yet; likely causes: no application has provisioning turned on or nothing changed since; the diagnostic setting was created minutes ago (allow up to 30 minutes after a provisioning cycle); the tenant has no Entra ID P1/P2 licence",
        ));
        assert.strictEqual(code, 0);
    });

    it("fails on a disabled alert rule", async () => {
        const state = healthyTenant();
        state.rules["entra-provisioning-dev-failure-spike"].enabled = false;
        const { code, lines } = await verify(state);
        assert.ok(lines.includes("✗ alert entra-provisioning-dev-failure-spike: the alert rule is disabled — fix: enable it (pulumi up restores it) or turn it off on purpose with alertOverrides <rule>.enabled=false"));
        assert.strictEqual(code, 1);
    });

    it("fails on an action group without receivers", async () => {
        const state = healthyTenant();
        for (const g of Object.values(state.actionGroups)) {
            g.emails = 0;
        }
        const { lines } = await verify(state);
        assert.ok(lines.includes("✗ alert entra-provisioning-dev-failure-spike: action group ag-entra-provisioning-dev-team has no receiver — fix: run pulumi up for this stack (and check alertReceivers)"));
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
        assert.deepStrictEqual([...clock.sleeps].sort((a, b) => a - b), [5_000, 17_000]);
    });

    it("says which checks could not be read when Azure stays throttled past the deadline, and never waits past it", async () => {
        const state = healthyTenant();
        state.faults = Array(1_000).fill({ status: 429, headers: { "retry-after": "60" }, body: armError("TooManyRequests", "slow down") });
        const { code, lines, clock } = await verify(state);
        const fix = " — fix: run verify again; if it persists, check the Azure status page";
        assert.deepStrictEqual(lines, [
            `✗ credentials: reading the subscription failed (HTTP 429: slow down)${fix}`,
            `✗ provider Microsoft.Insights: reading the Microsoft.Insights registration failed (HTTP 429: slow down)${fix}`,
            `✗ provider Microsoft.OperationalInsights: reading the Microsoft.OperationalInsights registration failed (HTTP 429: slow down)${fix}`,
            `✗ provider Microsoft.Portal: reading the Microsoft.Portal registration failed (HTTP 429: slow down)${fix}`,
            `✗ workspace: reading workspace log-entra-provisioning-dev failed (HTTP 429: slow down)${fix}`,
            `✗ diagnostic setting: reading the tenant's diagnostic settings failed (HTTP 429: slow down)${fix}`,
            `✗ alert entra-provisioning-dev-failure-spike: reading the alert rule failed (HTTP 429: slow down)${fix}`,
            `✗ alert entra-provisioning-dev-provisioning-stopped: reading the alert rule failed (HTTP 429: slow down)${fix}`,
            `✗ alert entra-provisioning-dev-disable-delete-spike: reading the alert rule failed (HTTP 429: slow down)${fix}`,
            `✗ alert entra-provisioning-dev-logs-at-risk: reading the alert rule failed (HTTP 429: slow down)${fix}`,
            `✗ workbook provisioning-overview: reading the workbook failed (HTTP 429: slow down)${fix}`,
            `✗ workbook identity-troubleshooting: reading the workbook failed (HTTP 429: slow down)${fix}`,
        ]);
        assert.strictEqual(code, 1);
        assert.ok(clock.sleeps.length > 0 && clock.sleeps.every((ms) => ms === 60_000), `waits of Retry-After: ${clock.sleeps}`);
        assert.ok(clock.now() <= 120_000, `every call gives up within 2 minutes; the clock says ${clock.now()} ms`);
    });

    it("uses the workspace and rules from pulumi stack output --json when given", async () => {
        const state = healthyTenant();
        // The workspace ID as Azure returns it in outputs may differ in case from the one verify derives.
        const fromOutputs = workspaceIdOf(s).replace("/resourceGroups/", "/resourcegroups/").replace("/Microsoft.OperationalInsights/", "/microsoft.operationalinsights/");
        const { code, lines, arm } = await verify(state, {
            args: ["--outputs", "-"],
            stdin: JSON.stringify({ workspaceResourceId: fromOutputs, alertRules: ["entra-provisioning-dev-failure-spike"] }),
        });
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(lines.filter((l) => l.includes("alert ")), ["✓ alert entra-provisioning-dev-failure-spike: enabled, notifies ag-entra-provisioning-dev-team"]);
        const paths = arm.requests.map((r) => r.path);
        assert.deepStrictEqual(
            paths.filter((p) => /workspaces\/[^/]+(\/tables\/.*)?$/i.test(p)),
            [fromOutputs, `${fromOutputs}/tables/AADProvisioningLogs`],
            "the workspace and its table were read at the ID from the outputs",
        );
        assert.deepStrictEqual(
            paths.filter((p) => /scheduledQueryRules/i.test(p)),
            ["/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-entra-provisioning-logs-dev/providers/Microsoft.Insights/scheduledQueryRules/entra-provisioning-dev-failure-spike"],
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
                            { urn: "urn:pulumi:dev::entra-provisioning-logs::pulumi:pulumi:Stack::entra-provisioning-logs-dev", type: "pulumi:pulumi:Stack", outputs: { alertRules: ["entra-provisioning-dev-logs-at-risk"] } },
                        ],
                    },
                },
            }),
        );
        const { code, lines } = await verify(healthyTenant(), { args: ["--state", file] });
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(lines.filter((l) => l.includes("alert ")), ["✓ alert entra-provisioning-dev-logs-at-risk: enabled, notifies ag-entra-provisioning-dev-team"]);
        });
        assert.throws(() => outputsFromState("{}", "x.json"), { message: "--state x.json has no stack resource: has pulumi up run for this stack?" });
    });

    it("refuses an unknown stack with one line", async () => {
        const { code, err } = await runIn(verifyCommand(), ["--stack", "staging"]);
        assert.strictEqual(code, 2);
        assert.strictEqual(err, "error: no stack file Pulumi.staging.yaml; the stacks are: dev, prod\n");
    });
});
