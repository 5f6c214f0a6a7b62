import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { discoverCommand } from "../../tools/discover";
import { planCommand } from "../../tools/plan";
import { runIn } from "../support/command";
import { fakeCredentialFor } from "../support/fakeArm";
import { devSettings, healthyTenant, type TenantState, withFakeTenant } from "../support/fakeTenant";
import { withTempDir } from "../support/tempDir";
import { EXAMPLE_STACKS_DIR } from "../support/exampleStacks";

/**
 * Each scenario runs `npm run discover` against a loopback fake of ARM, the Entra diagnostic-settings
 * API and the Log Analytics query API, applies the `pulumi config` commands it prints to the stack
 * file exactly as printed, then runs the offline plan of the result.
 */

const s = devSettings();
const TENANT = s.tenantId;
const SECURITY = "5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e";
/** The workspace policies/config/central.json names. */
const SENTINEL = `/subscriptions/${SECURITY}/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel`;
const CENTRAL = `/subscriptions/${s.subscriptionId}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-central`;
const EVENT_HUB_RULE = `/subscriptions/${SECURITY}/resourceGroups/rg-siem/providers/Microsoft.EventHub/namespaces/siem/authorizationRules/RootManageSharedAccessKey`;

/** A tenant where nothing of this stack exists yet. */
function emptyTenant(): TenantState {
    const t = healthyTenant(s);
    delete t.workspace;
    delete t.data;
    return {
        ...t,
        providers: {
            "Microsoft.Insights": "NotRegistered",
            "Microsoft.OperationalInsights": "Registered",
            "Microsoft.Portal": "Registered",
        },
        diagnosticSettings: [],
        rules: {},
        actionGroups: {},
        workbooks: [],
    };
}

/** A tenant whose security team streams AuditLogs and SignInLogs to a Microsoft Sentinel workspace in its own subscription. */
function sentinelTenant(): TenantState {
    return {
        ...emptyTenant(),
        subscriptions: [{ subscriptionId: SECURITY, displayName: "Security", tenantId: TENANT }],
        workspaces: [
            {
                id: SENTINEL,
                customerId: "11111111-2222-3333-4444-555555555555",
                location: "westeurope",
                retentionInDays: 90,
                sentinel: true,
            },
        ],
        otherProviders: { [SECURITY]: { "Microsoft.Insights": "Registered" } },
        diagnosticSettings: [{ name: "sentinel-entra", workspaceId: SENTINEL, categories: ["AuditLogs", "SignInLogs"] }],
    };
}

/** Runs discover for a stack file made from the dev one, on a virtual clock. */
async function discoverIn(dir: string, state: TenantState, stack: string, extra: string[] = [], tenant = TENANT) {
    return withFakeTenant(
        s,
        state,
        async (endpoints, arm) => {
            const result = await runIn(discoverCommand(endpoints), ["--stack", stack, "--config-file", stackFile(dir, stack), ...extra]);
            return { ...result, lines: result.out.trimEnd().split("\n"), arm };
        },
        fakeCredentialFor(tenant),
    );
}

const stackFile = (dir: string, stack: string) => path.join(dir, `Pulumi.${stack}.yaml`);

/** Writes Pulumi.<stack>.yaml in `dir` from the dev stack's file. */
function writeStack(dir: string, stack: string, change: (config: Record<string, unknown>) => void = () => undefined): void {
    const doc = yaml.load(fs.readFileSync(path.join(EXAMPLE_STACKS_DIR, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    change(doc.config);
    fs.writeFileSync(stackFile(dir, stack), yaml.dump(doc));
}

/** The words of a shell line, with single-quoted words unquoted as a POSIX shell does. */
function words(line: string): string[] {
    return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
}

/** Applies `pulumi config set|rm --stack <stack> [--path] <key> [value]` lines to the stack file, as the CLI would. */
function applyCommands(dir: string, stack: string, commands: readonly string[]): void {
    const file = stackFile(dir, stack);
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    for (const command of commands) {
        const [pulumi, config, verb, flag, name, ...rest] = words(command);
        assert.deepStrictEqual([pulumi, config, flag, name], ["pulumi", "config", "--stack", stack], command);
        const args = rest[0] === "--path" ? rest.slice(1) : rest;
        const m = /^(\w+)(?:\[(\d+)\])?$/.exec(args[0])!;
        const key = `entra-provisioning-logs:${m[1]}`;
        if (verb === "rm") {
            delete doc.config[key];
        } else if (m[2] !== undefined) {
            assert.strictEqual(rest[0], "--path", `${command}: a list entry needs --path`);
            const list = (doc.config[key] as string[] | undefined) ?? [];
            list[Number(m[2])] = args[1];
            doc.config[key] = list;
        } else {
            doc.config[key] = args[1];
        }
    }
    fs.writeFileSync(file, yaml.dump(doc));
}

/** The recommended commands, as printed under "Stack settings, ready to paste:". */
function printedCommands(lines: string[]): string[] {
    const start = lines.indexOf("Stack settings, ready to paste:");
    if (start < 0) {
        return [];
    }
    const end = lines.indexOf("", start);
    return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim());
}

/** Discover, then the offline plan of the stack with the printed commands applied. */
async function discoverThenPlan(state: TenantState, stack: string) {
    return withTempDir(async (dir) => {
        writeStack(dir, stack);
        const found = await discoverIn(dir, state, stack);
        const commands = printedCommands(found.lines);
        applyCommands(dir, stack, commands);
        const plan = await runIn(planCommand, ["--stack", stack, "--config-file", stackFile(dir, stack)]);
        return {
            found,
            commands,
            plan,
            planLines: plan.out.trimEnd().split("\n"),
            stackText: fs.readFileSync(stackFile(dir, stack), "utf8"),
        };
    });
}

const section = (lines: string[], title: string) => {
    const start = lines.findIndex((l) => l.startsWith(title));
    const end = lines.indexOf("", start);
    return lines.slice(start, end < 0 ? undefined : end);
};

describe("npm run discover, from what the tenant has to the plan it recommends", () => {
    it("leaves an empty tenant to a stack that creates its own workspace and setting", async () => {
        const { found, commands, plan, planLines } = await discoverThenPlan(emptyTenant(), "fresh");
        assert.strictEqual(found.code, 0);
        assert.deepStrictEqual(section(found.lines, "Tenant diagnostic settings"), ["Tenant diagnostic settings: 0 of 5 used (none)"]);
        assert.deepStrictEqual(section(found.lines, "Log Analytics workspaces"), [
            "Log Analytics workspaces these credentials can see: 0, in 0 of 1 subscription(s)",
        ]);
        assert.deepStrictEqual(section(found.lines, "Resource providers"), [
            "Resource providers:",
            `  Microsoft.Insights on subscription of stack dev: NotRegistered`,
            `  Microsoft.OperationalInsights on subscription of stack dev: Registered`,
            `  Microsoft.Portal on subscription of stack dev: Registered`,
        ]);
        assert.deepStrictEqual(section(found.lines, "Findings"), [
            "Findings:",
            "  ✓ diagnostic settings: 0 of 5 diagnostic settings used",
            `  ! provider Microsoft.Insights: Microsoft.Insights is NotRegistered on ${s.subscriptionId}: pulumi up registers it and waits`,
        ]);
        assert.strictEqual(
            found.lines.find((l) => l.startsWith("Recommended")),
            "Recommended (new): no diagnostic setting sends Entra logs to a workspace: this stack creates its own workspace and setting (1 of 5 settings then used).",
        );
        assert.deepStrictEqual(commands, []);
        assert.strictEqual(plan.code, 0);
        assert.strictEqual(planLines[0], "Offline plan for stack fresh: pulumi up would create 30 resources.");
        assert.ok(
            planLines.some((l) =>
                /^create +azure-native:operationalinsights:Workspace +entra-provisioning-logs-workspace +log-entra-provisioning-fresh in westeurope/.test(
                    l,
                ),
            ),
            plan.out,
        );
    });

    it("points a tenant with a Sentinel workspace in another subscription at it, adopting the setting that feeds it", async () => {
        const { found, commands, plan, planLines, stackText } = await discoverThenPlan(sentinelTenant(), "central");
        assert.strictEqual(found.code, 0);
        assert.deepStrictEqual(section(found.lines, "Tenant diagnostic settings"), [
            "Tenant diagnostic settings: 1 of 5 used",
            "  sentinel-entra: AuditLogs, SignInLogs → workspace law-sentinel (subscription Security)",
        ]);
        assert.deepStrictEqual(section(found.lines, "Log Analytics workspaces"), [
            "Log Analytics workspaces these credentials can see: 1, in 1 of 2 subscription(s)",
            "  law-sentinel  subscription Security, rg-security, westeurope, Microsoft Sentinel, 90 d retention; AADProvisioningLogs: none in 30 days",
        ]);
        assert.ok(
            found.lines.includes("  Microsoft.Insights on Security: Registered"),
            "Microsoft.Insights is checked where the workspace is",
        );
        assert.strictEqual(
            found.lines.find((l) => l.startsWith("Recommended")),
            "Recommended (central): diagnostic setting sentinel-entra sends AuditLogs, SignInLogs to Microsoft Sentinel workspace law-sentinel: send ProvisioningLogs there too by adopting it, keeping every category and destination it has.",
        );
        assert.deepStrictEqual(commands, [
            "pulumi config rm --stack central retentionInDays",
            "pulumi config rm --stack central dailyQuotaGb",
            `pulumi config set --stack central existingWorkspaceId ${SENTINEL}`,
            "pulumi config set --stack central adoptDiagnosticSetting sentinel-entra",
            "pulumi config set --stack central --path 'diagnosticLogCategories[0]' AuditLogs",
            "pulumi config set --stack central --path 'diagnosticLogCategories[1]' SignInLogs",
        ]);
        assert.ok(
            found.lines.includes(
                `Import: the first pulumi up adopts it with Pulumi's import option (pulumi preview shows "= import"), import ID /providers/microsoft.aadiam/diagnosticSettings/sentinel-entra; it then adds ProvisioningLogs and keeps the rest.`,
            ),
            found.out,
        );
        assert.ok(
            found.lines.includes(
                `Policy config: in policies/config/central.json, set "provisioning-stack-enforce-completeness": { "existingWorkspaceId": "${SENTINEL}" } (the workspace is read, not managed, so policies don't see it).`,
            ),
        );
        assert.doesNotMatch(stackText, /retentionInDays|dailyQuotaGb/);

        assert.strictEqual(plan.code, 0, plan.out + plan.err);
        assert.strictEqual(
            planLines[0],
            "Offline plan for stack central: pulumi up would create 27 resources, import 1 existing and read 1 it does not manage.",
        );
        assert.strictEqual(
            planLines[1],
            `Workspace: the existing ${SENTINEL.toLowerCase()}, not managed by this stack: pulumi up and pulumi destroy never change or delete it, nor its retention.`,
        );
        assert.ok(
            planLines.some((l) =>
                /^read +azure-native:operationalinsights:Workspace +entra-provisioning-logs-workspace +existing \/subscriptions\/5c7e9a1b/.test(
                    l,
                ),
            ),
        );
        assert.ok(
            planLines.some((l) =>
                /^import +azure-native:aadiam:DiagnosticSetting +entra-provisioning-diagnostics-setting +sentinel-entra: ProvisioningLogs, AuditLogs, SignInLogs → workspace; adopts the existing setting \/providers\/microsoft\.aadiam\/diagnosticSettings\/sentinel-entra, keeping what it sends; retained on delete$/.test(
                    l,
                ),
            ),
            plan.out,
        );
        assert.ok(!planLines.some((l) => /^create +azure-native:operationalinsights:Workspace/.test(l)), "no workspace is created");
        assert.ok(planLines.includes("Policy check: every policy passed."), plan.out);
    });

    it("adopts a portal-made setting that already sends ProvisioningLogs, with its event hub, instead of adding a second", async () => {
        const state: TenantState = {
            ...emptyTenant(),
            workspaces: [
                {
                    id: CENTRAL,
                    customerId: "22222222-3333-4444-5555-666666666666",
                    location: "westeurope",
                    retentionInDays: 180,
                    data: { LastRecord: "2026-11-25T09:30:00Z", Records24h: 480, Apps24h: 3, IngestionDelayP95: "00:02:00" },
                },
            ],
            diagnosticSettings: [
                {
                    name: "portal-provisioning",
                    workspaceId: CENTRAL,
                    categories: ["AuditLogs", "ProvisioningLogs"],
                    eventHubAuthorizationRuleId: EVENT_HUB_RULE,
                    eventHubName: "entra",
                },
            ],
        };
        const { found, commands, plan, planLines } = await discoverThenPlan(state, "adopted");
        assert.strictEqual(found.code, 0);
        assert.deepStrictEqual(section(found.lines, "Tenant diagnostic settings"), [
            "Tenant diagnostic settings: 1 of 5 used",
            `  portal-provisioning: AuditLogs, ProvisioningLogs → workspace law-central (subscription subscription of stack dev), eventHubAuthorizationRuleId ${EVENT_HUB_RULE}, eventHubName entra`,
        ]);
        assert.ok(
            found.lines.includes(
                "  law-central  subscription subscription of stack dev, rg-logs, westeurope, 180 d retention; AADProvisioningLogs: last record 2026-11-25T09:30:00.000Z, 480 in the last 24 h",
            ),
            found.out,
        );
        assert.ok(
            found.lines.includes(
                "  ! diagnostic settings: portal-provisioning already sends ProvisioningLogs to workspace law-central: a second setting would ingest and bill them twice",
            ),
        );
        assert.strictEqual(
            found.lines.find((l) => l.startsWith("Recommended")),
            "Recommended (adopt): diagnostic setting portal-provisioning already sends ProvisioningLogs to workspace law-central: adopt it, so nothing is ingested twice and it comes under this stack with every category and destination it has.",
        );
        assert.deepStrictEqual(commands, [
            "pulumi config rm --stack adopted retentionInDays",
            "pulumi config rm --stack adopted dailyQuotaGb",
            `pulumi config set --stack adopted existingWorkspaceId ${CENTRAL}`,
            "pulumi config set --stack adopted adoptDiagnosticSetting portal-provisioning",
            "pulumi config set --stack adopted --path 'diagnosticLogCategories[0]' AuditLogs",
            `pulumi config set --stack adopted --path 'diagnosticSettingDestinations[0]' eventHubAuthorizationRuleId=${EVENT_HUB_RULE}`,
            "pulumi config set --stack adopted --path 'diagnosticSettingDestinations[1]' eventHubName=entra",
            "pulumi config set --stack adopted --path 'existingProvisioningLogsSettings[0]' portal-provisioning",
        ]);
        assert.strictEqual(plan.code, 0, plan.out + plan.err);
        assert.ok(
            planLines.some((l) =>
                /^import +azure-native:aadiam:DiagnosticSetting +\S+ +portal-provisioning: ProvisioningLogs, AuditLogs → workspace, event hub rule RootManageSharedAccessKey, event hub entra; adopts/.test(
                    l,
                ),
            ),
            plan.out,
        );
        // Without the workspace in its policy config, the completeness policy can't see the workspace it reads.
        assert.ok(
            planLines.includes(
                "  [advisory] provisioning-stack-enforce-completeness on stack: Stack must have a Log Analytics workspace (found none); a stack that uses an existing workspace names it in this policy's existingWorkspaceId config.",
            ),
            plan.out,
        );
    });

    it("adopts one of the settings of a tenant at its limit, since none can be added", async () => {
        const OPS = `/subscriptions/${s.subscriptionId}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/law-ops`;
        const state: TenantState = {
            ...emptyTenant(),
            workspaces: [{ id: OPS, customerId: "33333333-4444-5555-6666-777777777777", location: "westeurope", retentionInDays: 30 }],
            diagnosticSettings: [
                { name: "siem-eventhub", categories: ["AuditLogs", "SignInLogs"], eventHubAuthorizationRuleId: EVENT_HUB_RULE },
                {
                    name: "archive",
                    categories: ["AuditLogs"],
                    storageAccountId: `/subscriptions/${SECURITY}/resourceGroups/rg-archive/providers/Microsoft.Storage/storageAccounts/entraarchive`,
                },
                { name: "risk", categories: ["RiskyUsers", "UserRiskEvents"], eventHubAuthorizationRuleId: EVENT_HUB_RULE },
                { name: "graph-activity", workspaceId: OPS, categories: ["MicrosoftGraphActivityLogs"] },
                { name: "noninteractive", categories: ["NonInteractiveUserSignInLogs"], eventHubAuthorizationRuleId: EVENT_HUB_RULE },
            ],
        };
        const { found, commands, plan, planLines } = await discoverThenPlan(state, "full");
        assert.ok(
            found.lines.includes(
                "  ! diagnostic settings: the tenant has 5 of 5 diagnostic settings: no other can be added — fix: adopt one (recommended below)",
            ),
            found.out,
        );
        assert.strictEqual(
            found.lines.find((l) => l.startsWith("Recommended")),
            "Recommended (central): the tenant has 5 of 5 diagnostic settings, so none can be added; diagnostic setting graph-activity sends MicrosoftGraphActivityLogs to workspace law-ops: send ProvisioningLogs there too by adopting it, keeping every category and destination it has.",
        );
        assert.deepStrictEqual(commands.slice(2), [
            `pulumi config set --stack full existingWorkspaceId ${OPS}`,
            "pulumi config set --stack full adoptDiagnosticSetting graph-activity",
            "pulumi config set --stack full --path 'diagnosticLogCategories[0]' MicrosoftGraphActivityLogs",
        ]);
        assert.strictEqual(plan.code, 0, plan.out + plan.err);
        assert.ok(
            planLines.some((l) =>
                /^import +azure-native:aadiam:DiagnosticSetting +\S+ +graph-activity: ProvisioningLogs, MicrosoftGraphActivityLogs → workspace; adopts/.test(
                    l,
                ),
            ),
            plan.out,
        );
    });

    it("reports settings the identity may not read as a finding with the role to grant, recommends nothing, and exits 1", async () => {
        const state: TenantState = { ...sentinelTenant(), diagnosticSettings: "forbidden" };
        const { found, commands, stackText, planLines } = await discoverThenPlan(state, "blind");
        assert.strictEqual(found.code, 1, "a ✗ finding exits 1, as verify's does");
        assert.strictEqual(
            found.lines.find((l) => l.startsWith("Tenant diagnostic settings")),
            "Tenant diagnostic settings: could not be read (see the findings)",
        );
        assert.ok(
            found.lines.includes(
                "  ✗ diagnostic settings: not allowed to read the tenant's diagnostic settings (403 on microsoft.aadiam/diagnosticSettings/read), so discover cannot tell which already send ProvisioningLogs — fix: assign the identity a role at scope /providers/Microsoft.aadiam (e.g. Reader), or the Security Reader directory role, and run discover again before pulumi up",
            ),
            found.out,
        );
        assert.strictEqual(
            found.lines.find((l) => l.startsWith("Recommended")),
            "Recommended (unknown): the tenant's diagnostic settings could not be read, so nothing is recommended: a setting may already send ProvisioningLogs; fix the access above and run discover again before pulumi up.",
        );
        assert.deepStrictEqual(commands, []);
        assert.match(stackText, /retentionInDays: 30/, "the stack file is unchanged");
        assert.strictEqual(
            planLines[0],
            "Offline plan for stack blind: pulumi up would create 30 resources.",
            "so the plan is the stack's own, as before",
        );
    });

    it("names the role to grant for a subscription whose workspaces, or a workspace whose Sentinel state, it may not read", async () => {
        const forbidden: TenantState = { ...sentinelTenant(), forbiddenSubscriptions: [SECURITY] };
        const blindSentinel: TenantState = {
            ...sentinelTenant(),
            workspaces: [{ ...sentinelTenant().workspaces![0], sentinel: "forbidden" }],
        };
        await withTempDir(async (dir) => {
            writeStack(dir, "central");
            const a = await discoverIn(dir, forbidden, "central");
            assert.strictEqual(a.code, 1);
            assert.ok(
                a.lines.includes(
                    `  ✗ workspaces: not allowed to read the workspaces of subscription Security (403) — fix: grant the identity running discover Reader on subscription ${SECURITY}`,
                ),
                a.out,
            );
            const b = await discoverIn(dir, blindSentinel, "central");
            assert.ok(
                b.lines.includes(
                    "  ! workspace law-sentinel: not allowed to read the Microsoft Sentinel state of law-sentinel (403) — fix: grant the identity running discover Microsoft Sentinel Reader on the workspace",
                ),
                b.out,
            );
        });
    });

    it("prints JSON for machines, with the recommended settings and import IDs", async () => {
        await withTempDir(async (dir) => {
            writeStack(dir, "central");
            const { code, out } = await discoverIn(dir, sentinelTenant(), "central", ["--json"]);
            assert.strictEqual(code, 0);
            const report = JSON.parse(out);
            assert.deepStrictEqual(report.diagnosticSettings, {
                used: 1,
                limit: 5,
                settings: [{ name: "sentinel-entra", categories: ["AuditLogs", "SignInLogs"], workspaceId: SENTINEL, destinations: {} }],
            });
            assert.deepStrictEqual(report.recommendation.settings, {
                existingWorkspaceId: SENTINEL,
                adoptDiagnosticSetting: "sentinel-entra",
                diagnosticLogCategories: ["AuditLogs", "SignInLogs"],
            });
            assert.deepStrictEqual(report.recommendation.importIds, ["/providers/microsoft.aadiam/diagnosticSettings/sentinel-entra"]);
            assert.strictEqual(report.workspaces[0].sentinel, true);
        });
    });

    it("says when the stack's existing workspace is in another tenant, and when the setting it adopts does not exist", async () => {
        const OTHER = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d";
        const elsewhere = `/subscriptions/${OTHER}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law-partner`;
        const state: TenantState = {
            ...sentinelTenant(),
            subscriptions: [
                { subscriptionId: SECURITY, displayName: "Security", tenantId: TENANT },
                { subscriptionId: OTHER, displayName: "Partner", tenantId: "99999999-8888-4777-8666-555555555555" },
            ],
        };
        await withTempDir(async (dir) => {
            writeStack(dir, "central", (c) => {
                delete c["entra-provisioning-logs:retentionInDays"];
                delete c["entra-provisioning-logs:dailyQuotaGb"];
                c["entra-provisioning-logs:existingWorkspaceId"] = elsewhere;
                c["entra-provisioning-logs:adoptDiagnosticSetting"] = "sentinel-enta";
            });
            const { code, lines } = await discoverIn(dir, state, "central");
            assert.strictEqual(code, 1);
            assert.ok(
                lines.includes(
                    `  ✗ existingWorkspaceId: ${elsewhere} is in subscription ${OTHER} of tenant 99999999-8888-4777-8666-555555555555, not this stack's tenant ${TENANT} — fix: use a workspace of this tenant (listed above)`,
                ),
                lines.join("\n"),
            );
            assert.ok(
                lines.includes(
                    "  ✗ adoptDiagnosticSetting: names sentinel-enta, which is not a diagnostic setting of this tenant (found: sentinel-entra) — fix: set it to one of the settings listed above, or remove it",
                ),
            );
            assert.deepStrictEqual(
                section(lines, "Log Analytics workspaces")[0],
                "Log Analytics workspaces these credentials can see: 1, in 1 of 3 subscription(s)",
                "another tenant's subscriptions are not searched",
            );
        });
    });

    it("refuses credentials of another tenant, and a stack without a tenant, each with one line", async () => {
        await withTempDir(async (dir) => {
            writeStack(dir, "fresh");
            const other = await discoverIn(dir, emptyTenant(), "fresh", [], "11111111-1111-1111-1111-111111111111");
            assert.strictEqual(other.code, 1);
            assert.ok(
                other.lines.includes(
                    `  ✗ credentials: the credentials belong to tenant 11111111-1111-1111-1111-111111111111, not ${TENANT} — fix: log in to the stack's tenant: az login --tenant ${TENANT}`,
                ),
            );
            assert.strictEqual(other.arm.requests.length, 0, "nothing of the other tenant was read");
            writeStack(dir, "broken", (c) => delete c["entra-provisioning-logs:tenantId"]);
            const broken = await discoverIn(dir, emptyTenant(), "broken");
            assert.strictEqual(broken.code, 2);
            assert.strictEqual(
                broken.err,
                "error: `tenantId` must be set to a GUID for discover to know where to look (`tenantId` is required: set it with `pulumi config set tenantId <value>`)\n",
            );
        });
        const usage = await runIn(discoverCommand(), []);
        assert.strictEqual(usage.code, 2);
        assert.strictEqual(
            usage.err,
            "error: --stack is required; usage: npm run discover -- --stack <name> [--config-file <file>] [--json]\n",
        );
    });
});
