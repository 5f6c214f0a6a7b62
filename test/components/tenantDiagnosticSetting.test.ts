import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
    checkAdoptable,
    type DeclaredSetting,
    TenantDiagnosticSetting,
    type TenantDiagnosticSettingArgs,
} from "../../components/tenantDiagnosticSetting";
import { type Built, type Call, componentMocks, type FunctionAnswer, madeAs, resolved, SUBSCRIPTION } from "../support/componentMocks";

/**
 * The contract of TenantDiagnosticSetting under `pulumi.runtime.setMocks`: the setting it registers
 * (created, or adopted with the `import` option once the live setting is read), with its parent,
 * options and the inputs the engine receives, and every line it refuses an adoption with.
 */

/** What `aadiam.getDiagnosticSetting` answers: the live setting, or the provider's failure. */
type LiveSetting = FunctionAnswer;

/** The tenant's diagnostic setting, for the next build. */
let live: LiveSetting | undefined;

const mocks = componentMocks({ functions: { "azure-native:aadiam:getDiagnosticSetting": () => live } });
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const COMPONENT = "entra-provisioning-logs:monitoring:TenantDiagnosticSetting";
const SETTING = "azure-native:aadiam:DiagnosticSetting";
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit`;
const STORAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-archive/providers/Microsoft.Storage/storageAccounts/starchive`;
const RULE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-siem/providers/Microsoft.EventHub/namespaces/ehn-siem/authorizationRules/RootManageSharedAccessKey`;
const SERVICE_BUS_RULE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-siem/providers/Microsoft.ServiceBus/namespaces/sb-siem/authorizationRules/send`;
const DESTINATIONS = {
    storageAccountId: STORAGE_ID,
    eventHubAuthorizationRuleId: RULE_ID,
    eventHubName: "entra-logs",
    serviceBusRuleId: SERVICE_BUS_RULE_ID,
};

/** A category as the component sends it: enabled, with no retention policy (retention lives in the workspace). */
const sent = (category: string) => ({ category, enabled: true, retentionPolicy: { enabled: false, days: 0 } });

function minimalArgs(): TenantDiagnosticSettingArgs {
    return { settingName: "entra-provisioning-test", workspaceId: WORKSPACE_ID };
}

function maximalArgs(): TenantDiagnosticSettingArgs {
    return { ...minimalArgs(), extraCategories: ["AuditLogs", "SignInLogs"], destinations: DESTINATIONS, adopt: true };
}

/** The live setting the maximal args adopt as it is: the same workspace, categories and destinations, in ARM's case. */
const LIVE_AS_DECLARED = {
    workspaceId: WORKSPACE_ID.toLowerCase(),
    logs: [
        { category: "AuditLogs", enabled: true },
        { category: "signinlogs", enabled: true },
        { category: "NonInteractiveUserSignInLogs", enabled: false },
    ],
    ...DESTINATIONS,
};

/** What the stack declares for the setting to adopt; each refusal test changes the live setting in one way. */
const DECLARED: DeclaredSetting = {
    name: "entra-provisioning-test",
    workspaceId: WORKSPACE_ID,
    categories: ["ProvisioningLogs", "AuditLogs"],
    destinations: {},
};

/** The line `checkAdoptable` rejects with for `live` (undefined when it resolves), as a RunError. */
async function refusal(setting: LiveSetting, declared: DeclaredSetting = DECLARED): Promise<string | undefined> {
    live = setting;
    try {
        await checkAdoptable(declared);
        return undefined;
    } catch (e) {
        assert.ok(e instanceof pulumi.RunError, `a RunError, which Pulumi prints without a stack: ${e}`);
        return e.message;
    }
}

// ---------------------------------------------------------------------------------------------

describe("TenantDiagnosticSetting (contract under mocks)", () => {
    let minimal: Built<TenantDiagnosticSetting>;
    let minimalCalls: readonly Call[];
    let maximal: Built<TenantDiagnosticSetting>;
    let maximalCalls: readonly Call[];
    before(async () => {
        await mocks.use();
        live = undefined;
        minimal = await construct((opts) => new TenantDiagnosticSetting("diagnostics", minimalArgs(), opts));
        minimalCalls = mocks.calls();
        live = LIVE_AS_DECLARED;
        maximal = await construct((opts) => new TenantDiagnosticSetting("diagnostics", maximalArgs(), opts));
        maximalCalls = mocks.calls();
    });

    describe("children", () => {
        const expected = [
            [COMPONENT, "diagnostics", undefined],
            [SETTING, "diagnostics-setting", "diagnostics"],
        ];

        it("registers one diagnostic setting, named after the component and parented to it, with the minimal args", () => {
            assert.deepStrictEqual(
                minimal.made.map((m) => [m.type, m.name, m.parent]),
                expected,
            );
        });

        it("registers the same setting, adopted, with every arg given", () => {
            assert.deepStrictEqual(
                maximal.made.map((m) => [m.type, m.name, m.parent]),
                expected,
            );
        });

        it("derives the child's name from the component's name", async () => {
            const other = await construct((opts) => new TenantDiagnosticSetting("other", minimalArgs(), opts));
            assert.deepStrictEqual(
                other.made.map((m) => [m.type, m.name, m.parent]),
                [
                    [COMPONENT, "other", undefined],
                    [SETTING, "other-setting", "other"],
                ],
            );
        });
    });

    describe("inputs", () => {
        it("sends ProvisioningLogs alone to the workspace, enabled and without a retention policy, with the minimal args", () => {
            assert.deepStrictEqual(madeAs(minimal.made, "diagnostics-setting").inputs, {
                name: "entra-provisioning-test",
                workspaceId: WORKSPACE_ID,
                logs: [sent("ProvisioningLogs")],
            });
        });

        it("sends ProvisioningLogs first, then the extra categories, to the workspace and every destination, with every arg given", () => {
            assert.deepStrictEqual(madeAs(maximal.made, "diagnostics-setting").inputs, {
                name: "entra-provisioning-test",
                workspaceId: WORKSPACE_ID,
                ...DESTINATIONS,
                logs: [sent("ProvisioningLogs"), sent("AuditLogs"), sent("SignInLogs")],
            });
            assert.deepStrictEqual(maximal.component.categories, ["ProvisioningLogs", "AuditLogs", "SignInLogs"]);
        });

        it("lists ProvisioningLogs once when the extra categories name it too", async () => {
            const built = await construct(
                (opts) =>
                    new TenantDiagnosticSetting(
                        "diagnostics",
                        { ...minimalArgs(), extraCategories: ["AuditLogs", "ProvisioningLogs"] },
                        opts,
                    ),
            );
            assert.deepStrictEqual(madeAs(built.made, "diagnostics-setting").inputs.logs, [sent("ProvisioningLogs"), sent("AuditLogs")]);
        });

        it("lists each category once without regard to case, as Entra compares them, ProvisioningLogs first in its own spelling", async () => {
            const built = await construct(
                (opts) =>
                    new TenantDiagnosticSetting(
                        "diagnostics",
                        { ...minimalArgs(), extraCategories: ["provisioninglogs", "AuditLogs", "auditlogs"] },
                        opts,
                    ),
            );
            assert.deepStrictEqual(
                [built.component.categories, madeAs(built.made, "diagnostics-setting").inputs.logs],
                [
                    ["ProvisioningLogs", "AuditLogs"],
                    [sent("ProvisioningLogs"), sent("AuditLogs")],
                ],
            );
        });

        it("adopts the setting by importing its tenant-level ARM ID, after reading it, and keeps it in the tenant on destroy", () => {
            const setting = madeAs(maximal.made, "diagnostics-setting");
            assert.deepStrictEqual(setting.options, {
                import: "/providers/microsoft.aadiam/diagnosticSettings/entra-provisioning-test",
                retainOnDelete: true,
            });
            // Registered once the read resolves: its dependsOn is an output of the check.
            assert.deepStrictEqual(setting.dependsOn, ["(an output)"]);
            assert.strictEqual(setting.id, "/providers/microsoft.aadiam/diagnosticSettings/entra-provisioning-test");
            assert.deepStrictEqual(maximalCalls, [
                { token: "azure-native:aadiam:getDiagnosticSetting", inputs: { name: "entra-provisioning-test" } },
            ]);
            assert.strictEqual(maximal.component.adopted, true);
        });

        it("returns the setting's name in the tenant", async () => {
            assert.strictEqual(await resolved(maximal.component.settingName), "entra-provisioning-test");
        });
    });

    describe("validation", () => {
        it("fails when a setting to adopt is named by an output: Pulumi's import option takes a known ID", async () => {
            live = LIVE_AS_DECLARED;
            const built = await mocks.record(
                (opts) =>
                    new TenantDiagnosticSetting(
                        "diagnostics",
                        { ...maximalArgs(), settingName: pulumi.output("entra-provisioning-test") },
                        opts,
                    ),
            );
            assert.ok(built.error instanceof Error);
            assert.deepStrictEqual(
                [built.error.message, built.made.map((m) => m.name)],
                [
                    "TenantDiagnosticSetting diagnostics: adopting a setting needs its name as a plain string (Pulumi's import option takes a known ID)",
                    ["diagnostics"],
                ],
            );
        });

        it("passes an adoption when the live setting sends nothing the stack does not declare (IDs and categories in any case, disabled categories ignored)", async () => {
            assert.strictEqual(
                await refusal(LIVE_AS_DECLARED, {
                    ...DECLARED,
                    categories: ["ProvisioningLogs", "AuditLogs", "SignInLogs"],
                    destinations: DESTINATIONS,
                }),
                undefined,
            );
        });

        it("passes an adoption of a setting that sends to no workspace yet", async () => {
            assert.strictEqual(await refusal({ logs: [{ category: "AuditLogs", enabled: true }] }), undefined);
        });

        it("fails an adoption when the setting does not exist", async () => {
            assert.strictEqual(
                await refusal({
                    failure: 'Status=404 Code="ResourceNotFound" Message="The diagnostic setting was not found"\nmore detail',
                }),
                "tenant diagnostic setting entra-provisioning-test does not exist, so it cannot be adopted: check its name (npm run discover lists the tenant's settings)",
            );
        });

        it("fails an adoption when the identity may not read the setting", async () => {
            assert.strictEqual(
                await refusal({ failure: 'Status=403 Code="AuthorizationFailed" Message="The client does not have authorization"' }),
                "not allowed to read tenant diagnostic setting entra-provisioning-test to adopt it: the identity needs microsoft.aadiam/diagnosticSettings/read, a role at scope /providers/Microsoft.aadiam",
            );
        });

        it("fails an adoption when reading the setting fails otherwise, with the first line of the provider's error", async () => {
            assert.strictEqual(
                await refusal({ failure: "connection reset by peer\nat line 2" }),
                "could not read tenant diagnostic setting entra-provisioning-test to adopt it: connection reset by peer",
            );
        });

        it("fails an adoption when the setting sends to another workspace", async () => {
            const other = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/log-sentinel`;
            assert.strictEqual(
                await refusal({ ...LIVE_AS_DECLARED, workspaceId: other }),
                "tenant diagnostic setting entra-provisioning-test sends its logs to workspace log-sentinel, not to this stack's log-audit: adopting it would move them all; " +
                    `use that workspace (existingWorkspaceId ${other}) or adopt another setting`,
            );
        });

        it("fails an adoption when the setting sends a category the stack does not list", async () => {
            assert.strictEqual(
                await refusal({ workspaceId: WORKSPACE_ID, logs: [{ category: "SignInLogs", enabled: true }] }),
                "tenant diagnostic setting entra-provisioning-test sends SignInLogs, which the stack does not list: adopting it would stop sending it; " +
                    "add it to diagnosticLogCategories (npm run discover prints the settings to adopt it as it is)",
            );
        });

        it("fails an adoption when the setting sends categories the stack does not list, naming them all", async () => {
            assert.strictEqual(
                await refusal({
                    workspaceId: WORKSPACE_ID,
                    logs: [
                        { category: "SignInLogs", enabled: true },
                        { category: "AuditLogs", enabled: true },
                        { category: "RiskyUsers", enabled: true },
                    ],
                }),
                "tenant diagnostic setting entra-provisioning-test sends SignInLogs, RiskyUsers, which the stack does not list: adopting it would stop sending them; " +
                    "add them to diagnosticLogCategories (npm run discover prints the settings to adopt it as it is)",
            );
        });

        for (const [key, value] of Object.entries(DESTINATIONS)) {
            it(`fails an adoption when the setting's ${key} is not among the stack's destinations`, async () => {
                assert.strictEqual(
                    await refusal({ workspaceId: WORKSPACE_ID, logs: [], [key]: value }),
                    `tenant diagnostic setting entra-provisioning-test also sends to ${key} ${value}, which the stack does not list: adopting it would stop that; add ${key}=${value} to diagnosticSettingDestinations`,
                );
            });
        }
    });

    describe("defaults", () => {
        it("sends no extra category when extraCategories is left out", () => {
            assert.deepStrictEqual(minimal.component.categories, ["ProvisioningLogs"]);
        });

        it("sends to no destination besides the workspace when destinations is left out", () => {
            assert.deepStrictEqual(Object.keys(madeAs(minimal.made, "diagnostics-setting").inputs).sort(), ["logs", "name", "workspaceId"]);
        });

        it("creates the setting, without reading the tenant, importing or retaining it, when adopt is left out", () => {
            const setting = madeAs(minimal.made, "diagnostics-setting");
            assert.deepStrictEqual([setting.options, setting.dependsOn, setting.id, minimal.component.adopted], [{}, [], undefined, false]);
            assert.deepStrictEqual(minimalCalls, []);
        });
    });
});
