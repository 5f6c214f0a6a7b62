import type { ProgramError } from "../../tools/engine/loopbackEngine";
import * as assert from "node:assert";
import * as crypto from "node:crypto";
import { parseBootstrapSettings } from "../../bootstrap/config";
import { parseSettings } from "../../program/settings";
import { evaluateStackWith, type RecordedResource } from "../../tools/offline/recorder";

const VALID: Record<string, string> = {
    tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
    subscriptionId: "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
    location: "westeurope",
    alertReceivers: '["email identity@contoso.com"]',
};

/** The first six hex digits of the SHA-256 of `text`, as derived names end with. */
function hash(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 6);
}

/** Valid settings with one key changed (raw text, as Pulumi passes it). */
function withSetting(key: string, value: string): Record<string, string> {
    return { ...VALID, [key]: value };
}

describe("stack configuration", () => {
    it("fills defaults, protecting data, and derives names from the stack", () => {
        const { alerts, ...s } = parseSettings(VALID, "dev");
        assert.deepStrictEqual(alerts?.team.emails, ["identity@contoso.com"]);
        assert.deepStrictEqual(s, {
            stack: "dev",
            tenantId: VALID.tenantId,
            subscriptionId: VALID.subscriptionId,
            location: "westeurope",
            resourceGroupName: "rg-entra-provisioning-logs-dev",
            createResourceGroup: true,
            workspaceName: "log-entra-provisioning-dev",
            retentionInDays: 30,
            provisioningLogsRetentionInDays: 30,
            provisioningLogsTotalRetentionInDays: 30,
            dailyQuotaGb: undefined,
            disableLocalAuth: true,
            protectData: true,
            allowRetentionDecrease: false,
            diagnosticSettingName: "entra-provisioning-logs-dev",
            diagnosticLogCategories: [],
            existingWorkspaceId: undefined,
            manageExistingWorkspaceRetention: false,
            adoptDiagnosticSetting: false,
            diagnosticSettingDestinations: {},
            existingProvisioningLogsSettings: [],
            allowDuplicateProvisioningLogs: false,
            registrationTimeoutMinutes: 20,
            workbooksEnabled: true,
            savedQueriesEnabled: true,
            dashboardName: "provisioning-dev",
            tags: {},
        });
    });

    it("reads typed values and tags as name=value", () => {
        const s = parseSettings(
            {
                ...VALID,
                retentionInDays: "90",
                provisioningLogsTotalRetentionInDays: "1095",
                dailyQuotaGb: "10",
                createResourceGroup: "false",
                resourceGroupName: "rg-shared",
                diagnosticLogCategories: '["AuditLogs","ProvisioningLogs"]',
                tags: '["env=prod","cost-center=42=a"]',
            },
            "prod",
        );
        assert.strictEqual(s.retentionInDays, 90);
        assert.strictEqual(s.provisioningLogsRetentionInDays, 90);
        assert.strictEqual(s.provisioningLogsTotalRetentionInDays, 1095);
        assert.strictEqual(s.dailyQuotaGb, 10);
        assert.strictEqual(s.createResourceGroup, false);
        assert.strictEqual(s.resourceGroupName, "rg-shared");
        assert.deepStrictEqual(s.diagnosticLogCategories, ["AuditLogs"]);
        assert.deepStrictEqual(s.tags, { env: "prod", "cost-center": "42=a" });
    });

    const cases: Array<[string, Record<string, string>, string]> = [
        [
            "a tenant ID that is not a GUID",
            withSetting("tenantId", "contoso.onmicrosoft.com"),
            '`tenantId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "contoso.onmicrosoft.com")',
        ],
        [
            "a subscription ID that is not a GUID",
            withSetting("subscriptionId", "prod-sub"),
            '`subscriptionId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "prod-sub")',
        ],
        [
            "a missing tenant ID",
            { subscriptionId: VALID.subscriptionId, location: "westeurope", alertReceivers: VALID.alertReceivers },
            "`tenantId` is required: set it with `pulumi config set tenantId <value>`",
        ],
        [
            "a location given as a display name",
            withSetting("location", "West Europe"),
            '`location` must be the name of a region of the Azure public cloud; did you mean westeurope? (got "West Europe")',
        ],
        [
            "a location that is not a region",
            withSetting("location", "westeuropa"),
            '`location` must be the name of a region of the Azure public cloud; did you mean westeurope? (got "westeuropa")',
        ],
        [
            "a resource group name ending in a period",
            withSetting("resourceGroupName", "rg-logs."),
            "`resourceGroupName` must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.' (got \"rg-logs.\")",
        ],
        [
            "createResourceGroup that is not a boolean",
            withSetting("createResourceGroup", "yes"),
            '`createResourceGroup` must be true or false (got "yes")',
        ],
        [
            "a workspace name that is too short",
            withSetting("workspaceName", "log"),
            '`workspaceName` must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit (got "log")',
        ],
        ["workspace retention under 30 days", withSetting("retentionInDays", "7"), "`retentionInDays` must be between 30 and 730 (got 7)"],
        [
            "workspace retention over 730 days",
            withSetting("retentionInDays", "731"),
            "`retentionInDays` must be between 30 and 730 (got 731)",
        ],
        [
            "workspace retention that is not a whole number",
            withSetting("retentionInDays", "30.5"),
            '`retentionInDays` must be a whole number (got "30.5")',
        ],
        [
            "table retention under 4 days",
            withSetting("provisioningLogsRetentionInDays", "3"),
            "`provisioningLogsRetentionInDays` must be -1 or between 4 and 730 (got 3)",
        ],
        [
            "total retention over 12 years",
            withSetting("provisioningLogsTotalRetentionInDays", "5000"),
            "`provisioningLogsTotalRetentionInDays` must be -1 or between 4 and 4383 (got 5000)",
        ],
        [
            "total retention above two years that is not whole years",
            withSetting("provisioningLogsTotalRetentionInDays", "1000"),
            "`provisioningLogsTotalRetentionInDays` above 730 must be a whole number of years: one of 1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383 (got 1000)",
        ],
        [
            "total retention shorter than the table's interactive retention",
            { ...VALID, provisioningLogsRetentionInDays: "90", provisioningLogsTotalRetentionInDays: "60" },
            "`provisioningLogsTotalRetentionInDays` must be at least the table's interactive retention of 90 days (got 60)",
        ],
        ["a daily cap of zero", withSetting("dailyQuotaGb", "0"), "`dailyQuotaGb` must be -1 (no cap) or at least 1 (got 0)"],
        [
            "an unknown log category",
            withSetting("diagnosticLogCategories", '["AuditLogs","SignInLog"]'),
            '`diagnosticLogCategories[1]` must be an Entra ID log category; did you mean SignInLogs? (got "SignInLog")',
        ],
        [
            "a category listed twice",
            withSetting("diagnosticLogCategories", '["AuditLogs","AuditLogs"]'),
            '`diagnosticLogCategories` must not list a category twice (got ["AuditLogs","AuditLogs"])',
        ],
        [
            "categories that are not a list",
            withSetting("diagnosticLogCategories", "AuditLogs"),
            '`diagnosticLogCategories` must be a list (got "AuditLogs")',
        ],
        [
            "a diagnostic setting name with a slash",
            withSetting("diagnosticSettingName", "logs/prod"),
            "`diagnosticSettingName` must be letters, digits, '-', '_' or '.', starting with a letter or digit (got \"logs/prod\")",
        ],
        [
            "a registration timeout of zero",
            withSetting("registrationTimeoutMinutes", "0"),
            "`registrationTimeoutMinutes` must be between 1 and 180 (got 0)",
        ],
        [
            "a tag without a value separator",
            withSetting("tags", '["env"]'),
            '`tags[0]` must be name=value with a name of at most 512 characters without < > % & \\ ? / and a value of at most 256 (got "env")',
        ],
        [
            "a misspelt setting",
            withSetting("retentionindays", "90"),
            "`retentionindays` is not a setting of this project (did you mean `retentionInDays`?); the settings are listed in Pulumi.yaml",
        ],
        [
            "two problems at once",
            { ...VALID, retentionInDays: "7", dailyQuotaGb: "0" },
            "`retentionInDays` must be between 30 and 730 (got 7) (and 1 more problem)",
        ],
    ];

    for (const [what, raw, message] of cases) {
        it(`rejects ${what} with one line naming the setting`, () => {
            assert.throws(() => parseSettings(raw, "dev"), { name: "ConfigError", message });
            assert.ok(!message.includes("\n"));
        });
    }

    it("derives valid names from any stack name: shortened, cleaned and ending in a hash of the full name", () => {
        const names = (stack: string) => {
            const s = parseSettings(VALID, stack);
            return [s.resourceGroupName, s.workspaceName, s.diagnosticSettingName, s.dashboardName];
        };
        assert.deepStrictEqual(names("dev/eu"), [
            "rg-entra-provisioning-logs-dev-eu-68728c",
            "log-entra-provisioning-dev-eu-68728c",
            "entra-provisioning-logs-dev-eu-68728c",
            "provisioning-dev-68728c",
        ]);
        // Two stacks that would shorten alike keep different names.
        assert.notStrictEqual(names("contoso-prod")[3], names("contoso-preprod")[3]);
        assert.strictEqual(names("contoso-prod")[3], "provisioning-cont-c939fd");
    });

    it("derives the bootstrap's application name for any stack name, keeping today's names", () => {
        const raw = { tenantId: VALID.tenantId, subscriptionId: VALID.subscriptionId, githubRepository: "contoso/identity-monitoring" };
        assert.strictEqual(parseBootstrapSettings(raw, "contoso").applicationName, "ci-entra-provisioning-logs-contoso");
        const long = parseBootstrapSettings(raw, "t".repeat(100)).applicationName;
        assert.strictEqual(long, `ci-entra-provisioning-logs-${"t".repeat(86)}-${hash("t".repeat(100))}`);
        assert.strictEqual(long.length, 120);
    });

    it("fails the program before any resource is registered, with the same line and no stack trace", async () => {
        const recorded: RecordedResource[] = [];
        await assert.rejects(evaluateStackWith("dev", { retentionInDays: "7" }, { sink: recorded }), (e: Error) => {
            assert.ok((e as ProgramError).userActionable, "a RunError: Pulumi prints it without a stack trace");
            assert.strictEqual(e.message, "`retentionInDays` must be between 30 and 730 (got 7)");
            return true;
        });
        // Let a registration still in flight land: the mocks answer within turns of the event loop, no timer involved.
        for (let turn = 0; turn < 10; turn++) {
            await new Promise((r) => setImmediate(r));
        }
        assert.deepStrictEqual(recorded, []);
    });
});
