import * as assert from "node:assert";
import { parseSettings } from "../../program/settings";
import { projectSettings } from "../../program/settingsValidation";
import { projectName, readStackConfig } from "../../tools/stackFiles";
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { type TenantState, withFakeTenant } from "../support/fakeTenant";

/**
 * `verify` for the example brownfield stack (test/fixtures/stacks/Pulumi.central.yaml): it sends to
 * the Sentinel workspace of the security subscription and adopts the setting sentinel-entra.
 */
const FILE = "test/fixtures/stacks/Pulumi.central.yaml";
const s = parseSettings(projectSettings(readStackConfig("central", { file: FILE }).config, projectName()), "central");
const SECURITY = "5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e";
const SENTINEL = `/subscriptions/${SECURITY}/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const RULES = ["failure-spike", "provisioning-stopped", "app-silent", "disable-delete-spike", "quarantine", "logs-at-risk"].map(
    (r) => `entra-provisioning-central-${r}`,
);
/** The workbooks of the central stack, as its offline plan names them. */
const WORKBOOKS = ["42fc7466-2f0d-564c-bee1-c1e729e651a0", "638d3519-a832-5195-a3ef-fadf07c6c77d"];

/** Everything the central stack deploys in place, the adopted setting sending ProvisioningLogs too, and data flowing. */
function centralTenant(): TenantState {
    const group = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroupName}/providers/Microsoft.Insights/actionGroups/ag-entra-provisioning-central-team`;
    return {
        providers: { "Microsoft.Insights": "Registered", "Microsoft.OperationalInsights": "Registered", "Microsoft.Portal": "Registered" },
        table: { retentionInDays: 0, totalRetentionInDays: 0 },
        subscriptions: [{ subscriptionId: SECURITY, displayName: "Security", tenantId: s.tenantId }],
        workspaces: [
            {
                id: SENTINEL,
                customerId: "11111111-2222-3333-4444-555555555555",
                location: "northeurope",
                retentionInDays: 90,
                sentinel: true,
                table: { retentionInDays: 90, totalRetentionInDays: 730 },
                data: { LastRecord: "2026-11-25T09:30:00Z", Records24h: 321, Apps24h: 2, IngestionDelayP95: "00:04:00" },
            },
        ],
        diagnosticSettings: [
            { name: "sentinel-entra", workspaceId: SENTINEL, categories: ["AuditLogs", "SignInLogs", "ProvisioningLogs"] },
        ],
        rules: Object.fromEntries(RULES.map((r) => [r, { enabled: true, actionGroups: [group] }])),
        actionGroups: { [group.toLowerCase()]: { enabled: true, emails: 1 } },
        workbooks: [...WORKBOOKS],
        faults: [],
        faultsAt: [],
    };
}

async function verify(state: TenantState): Promise<{ code: number; lines: string[] }> {
    return withFakeTenant(s, state, async (endpoints) => {
        const { code, out, err } = await runIn(verifyCommand(endpoints), ["--stack", "central", "--config-file", FILE]);
        return { code, lines: (out + err).trimEnd().split("\n") };
    });
}

describe("verify for a stack with an existing workspace and an adopted setting", () => {
    it("checks the existing workspace and the adopted setting as it checks created ones, leaving the workspace's retention to its owner", async () => {
        const { code, lines } = await verify(centralTenant());
        assert.deepStrictEqual(lines, [
            `✓ credentials: tenant ${s.tenantId}, subscription ${s.subscriptionId}`,
            "✓ provider Microsoft.Insights: Microsoft.Insights is registered",
            "✓ provider Microsoft.OperationalInsights: Microsoft.OperationalInsights is registered",
            "✓ provider Microsoft.Portal: Microsoft.Portal is registered",
            "✓ workspace: law-sentinel keeps data 90 days (an existing workspace this stack uses as it is)",
            "✓ table retention: AADProvisioningLogs keeps 90 days interactive, 730 days in total (left as it is: manageExistingWorkspaceRetention is off)",
            "✓ data: last record 2026-11-25T09:30:00.000Z; 321 records from 2 apps in the last 24 h; ingestion delay p95 00:04:00",
            "✓ diagnostic setting: sentinel-entra sends ProvisioningLogs to law-sentinel",
            ...RULES.map((r) => `✓ alert ${r}: enabled, notifies ag-entra-provisioning-central-team`),
            "✓ workbook provisioning-overview: Entra provisioning: overview exists",
            "✓ workbook identity-troubleshooting: Entra provisioning: troubleshoot a user or group exists",
            "! provisioning jobs: no enterprise application has a provisioning job — fix: turn on provisioning for an application (Enterprise applications > the app > Provisioning)",
        ]);
        assert.strictEqual(code, 0);
    });

    it("fails when the existing workspace is in another tenant", async () => {
        const state = centralTenant();
        state.subscriptions = [{ subscriptionId: SECURITY, displayName: "Security", tenantId: "99999999-8888-4777-8666-555555555555" }];
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                `✗ workspace: law-sentinel is in subscription ${SECURITY} of tenant 99999999-8888-4777-8666-555555555555, not this stack's tenant ${s.tenantId} — fix: check existingWorkspaceId: npm run discover lists the workspaces of the tenant these credentials can see`,
            ),
            lines.join("\n"),
        );
        assert.strictEqual(code, 1);
    });

    it("fails when the existing workspace's subscription is not visible to the credentials", async () => {
        const state = centralTenant();
        state.subscriptions = [];
        const { lines } = await verify(state);
        assert.ok(
            lines.includes(
                `✗ workspace: law-sentinel is in subscription ${SECURITY}, which these credentials of tenant ${s.tenantId} cannot see (404): it may belong to another tenant — fix: check existingWorkspaceId: npm run discover lists the workspaces of the tenant these credentials can see`,
            ),
            lines.join("\n"),
        );
    });

    it("fails when the setting the stack adopts does not exist", async () => {
        const state = centralTenant();
        state.diagnosticSettings = [{ name: "sentinel-entra-old", workspaceId: SENTINEL, categories: ["AuditLogs"] }];
        const { code, lines } = await verify(state);
        assert.deepStrictEqual(
            lines.filter((l) => l.includes("diagnostic setting")),
            [
                "✗ diagnostic setting: adoptDiagnosticSetting names sentinel-entra, which is not a diagnostic setting of this tenant (found: sentinel-entra-old) — fix: check its name: npm run discover lists the tenant's settings",
            ],
        );
        assert.strictEqual(code, 1);
    });

    it("fails when the adopted setting sends a category the stack does not list, which pulumi up would refuse", async () => {
        const state = centralTenant();
        state.diagnosticSettings = [
            { name: "sentinel-entra", workspaceId: SENTINEL, categories: ["AuditLogs", "SignInLogs", "ProvisioningLogs", "RiskyUsers"] },
        ];
        const { code, lines } = await verify(state);
        assert.ok(
            lines.includes(
                "✗ diagnostic setting: sentinel-entra sends RiskyUsers, which diagnosticLogCategories does not list: pulumi up refuses to adopt it, as that would stop sending them — fix: add RiskyUsers to diagnosticLogCategories",
            ),
            lines.join("\n"),
        );
        assert.strictEqual(code, 1);
    });

    it("says pulumi up has not adopted the setting yet while it lacks ProvisioningLogs", async () => {
        const state = centralTenant();
        state.diagnosticSettings = [{ name: "sentinel-entra", workspaceId: SENTINEL, categories: ["AuditLogs", "SignInLogs"] }];
        const { lines } = await verify(state);
        assert.deepStrictEqual(
            lines.filter((l) => l.includes("diagnostic setting")),
            [
                "✗ diagnostic setting: sentinel-entra, this stack's setting, does not send ProvisioningLogs — fix: run pulumi up --refresh for this stack: it turns ProvisioningLogs back on",
            ],
        );
    });
});
