/**
 * The stack-settings table: valid and invalid configurations, each one change from a valid base,
 * run the way a run sees its config (qualified keys, which are secret, which are unreadable, and for
 * stack-file cases the file as written). `test/program/settingsTable.test.ts` asserts every case;
 * `runSettingsTable()` counts them for `npm run bench`.
 */
import { type Settings, SECRET_SETTINGS, settingsFromConfig } from "../../program/settings";
import { checkStackFileSecrets, ConfigError } from "../../program/settingsValidation";

export const PROJECT = "entra-provisioning-logs";

/** A qualified key of this project. */
const k = (key: string) => `${PROJECT}:${key}`;
const list = (...entries: string[]) => JSON.stringify(entries);
const TENANT = "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";
const SUBSCRIPTION = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
const LONG = "x".repeat(10_000);
const LONG_SHOWN = `"${"x".repeat(80)}…" (10000 characters)`;
const WEBHOOK = "webhook https://hooks.example.net/services/T000/B000/secret-token";
const SENTINEL =
    "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel";
const EVENT_HUB_RULE =
    "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourceGroups/rg-siem/providers/Microsoft.EventHub/namespaces/siem/authorizationRules/RootManageSharedAccessKey";
const STORAGE =
    "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourceGroups/rg-archive/providers/Microsoft.Storage/storageAccounts/entraarchive";

/** The valid base every case changes once: a stack's config as Pulumi hands it to the program. */
export const BASE: Readonly<Record<string, string>> = {
    [k("tenantId")]: TENANT,
    [k("subscriptionId")]: SUBSCRIPTION,
    [k("location")]: "westeurope",
    [k("alertReceivers")]: list("email identity@contoso.com"),
};

export interface SettingsCase {
    /** What the case shows, as a sentence: "rejects …" or "accepts …". */
    readonly name: string;
    /** The stack's name; `dev` unless given. */
    readonly stack?: string;
    /** Qualified keys set on the base; undefined removes one. */
    readonly set?: Readonly<Record<string, string | undefined>>;
    /** Qualified keys Pulumi passed as secrets (`--secret`); none unless given. */
    readonly secret?: readonly string[];
    /** Qualified keys encrypted in the stack file, which the offline tools can't read. */
    readonly encrypted?: readonly string[];
    /** The stack file's `config:` block as written (`{ secure: … }` for encrypted values), for the offline check. */
    readonly stackFile?: Readonly<Record<string, unknown>>;
    /** The exact one-line message; absent for a valid configuration. */
    readonly rejects?: string;
    /** For a valid configuration: what the parsed settings must hold. */
    readonly expect?: Partial<Settings>;
}

/** Runs one case the way the program (or, with `stackFile`, the offline tools) reads a stack. */
export function runCase(c: SettingsCase): Settings {
    const config = Object.fromEntries(Object.entries({ ...BASE, ...c.set }).filter((e): e is [string, string] => e[1] !== undefined));
    if (c.stackFile) {
        checkStackFileSecrets(c.stackFile, PROJECT, SECRET_SETTINGS);
    }
    return settingsFromConfig({ config, secretKeys: c.secret ?? [], encryptedKeys: c.encrypted }, PROJECT, c.stack ?? "dev");
}

const secure = (n: number) => ({ secure: `v1:AAAAAAAAAAAAAAA${n}:BBBBBBBBBBBBBBBBBBBBBBBB` });

export const SETTINGS_CASES: readonly SettingsCase[] = [
    // Keys outside the project's namespace that were meant for it.
    {
        name: "rejects a key in a mistyped namespace, naming the right one",
        set: { "entra-provisioning-log:protectData": "true" },
        rejects:
            "`entra-provisioning-log:protectData` is in namespace entra-provisioning-log, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:protectData`?)",
    },
    {
        name: "rejects a key in the project's namespace spelt with capitals",
        set: { "Entra-Provisioning-Logs:retentionInDays": "90" },
        rejects:
            "`Entra-Provisioning-Logs:retentionInDays` is in namespace Entra-Provisioning-Logs, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:retentionInDays`?)",
    },
    {
        name: "rejects a key in a namespace with two letters swapped",
        set: { "entra-provisoinning-logs:location": "northeurope" },
        rejects:
            "`entra-provisoinning-logs:location` is in namespace entra-provisoinning-logs, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:location`?)",
    },
    {
        name: "rejects a key in a namespace with a character too many",
        set: { "entra-provisioning-logs2:dailyQuotaGb": "5" },
        rejects:
            "`entra-provisioning-logs2:dailyQuotaGb` is in namespace entra-provisioning-logs2, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:dailyQuotaGb`?)",
    },
    {
        name: "rejects a mistyped namespace and corrects the key's case in the suggestion",
        set: { "entra-provisioning-log:protectdata": "true" },
        rejects:
            "`entra-provisioning-log:protectdata` is in namespace entra-provisioning-log, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:protectData`?)",
    },
    {
        name: "rejects a key without namespace, as a stack file may hold one",
        set: { protectData: "true" },
        rejects: "`protectData` has no namespace, so this project never reads it (did you mean `entra-provisioning-logs:protectData`?)",
    },
    {
        name: "rejects a misspelt key without namespace, suggesting the setting",
        set: { retentionindays: "90" },
        rejects:
            "`retentionindays` has no namespace, so this project never reads it (did you mean `entra-provisioning-logs:retentionInDays`?)",
    },
    {
        name: "rejects an unknown key without namespace as it was written",
        set: { colour: "blue" },
        rejects: "`colour` has no namespace, so this project never reads it (did you mean `entra-provisioning-logs:colour`?)",
    },

    // Keys in the project's namespace that are not settings.
    {
        name: "rejects a setting in the wrong case, suggesting the right one",
        set: { [k("retentionindays")]: "90" },
        rejects:
            "`retentionindays` is not a setting of this project (did you mean `retentionInDays`?); the settings are listed in Pulumi.yaml",
    },
    {
        name: "rejects a setting with a word missing, suggesting the right one",
        set: { [k("retentionDays")]: "90" },
        rejects:
            "`retentionDays` is not a setting of this project (did you mean `retentionInDays`?); the settings are listed in Pulumi.yaml",
    },
    {
        name: "rejects an unknown setting with nothing close",
        set: { [k("colour")]: "blue" },
        rejects: "`colour` is not a setting of this project; the settings are listed in Pulumi.yaml",
    },
    {
        name: "rejects a 10,000-character setting name with the name cut",
        set: { [k(LONG)]: "1" },
        rejects: `\`${"x".repeat(80)}… (10000 characters)\` is not a setting of this project; the settings are listed in Pulumi.yaml`,
    },

    // Required settings, and encrypted ones the offline tools can't read.
    {
        name: "rejects a missing tenant ID",
        set: { [k("tenantId")]: undefined },
        rejects: "`tenantId` is required: set it with `pulumi config set tenantId <value>`",
    },
    {
        name: "rejects a missing subscription ID",
        set: { [k("subscriptionId")]: undefined },
        rejects: "`subscriptionId` is required: set it with `pulumi config set subscriptionId <value>`",
    },
    {
        name: "rejects a missing location",
        set: { [k("location")]: undefined },
        rejects: "`location` is required: set it with `pulumi config set location <value>`",
    },
    {
        name: "rejects a tenant ID encrypted in the stack file, saying to run with the passphrase",
        set: { [k("tenantId")]: undefined },
        encrypted: [k("tenantId")],
        rejects:
            "`tenantId` is encrypted in the stack file: run with the passphrase (pulumi preview), or set it in plain text (pulumi config set tenantId <value>) for the offline tools, which can't decrypt it",
    },
    {
        name: "rejects a location encrypted in the stack file, saying to run with the passphrase",
        set: { [k("location")]: undefined },
        encrypted: [k("location")],
        rejects:
            "`location` is encrypted in the stack file: run with the passphrase (pulumi preview), or set it in plain text (pulumi config set location <value>) for the offline tools, which can't decrypt it",
    },

    // Identities.
    {
        name: "rejects a tenant ID that is a domain name",
        set: { [k("tenantId")]: "contoso.onmicrosoft.com" },
        rejects: '`tenantId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "contoso.onmicrosoft.com")',
    },
    {
        name: "rejects a subscription ID that is a name",
        set: { [k("subscriptionId")]: "prod-sub" },
        rejects: '`subscriptionId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "prod-sub")',
    },
    {
        name: "rejects a 10,000-character tenant ID with the value cut to 80 characters",
        set: { [k("tenantId")]: LONG },
        rejects: `\`tenantId\` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got ${LONG_SHOWN})`,
    },

    // Regions.
    {
        name: "rejects the region westeuropa, suggesting westeurope",
        set: { [k("location")]: "westeuropa" },
        rejects: '`location` must be the name of a region of the Azure public cloud; did you mean westeurope? (got "westeuropa")',
    },
    {
        name: "rejects a region given as its display name, suggesting its name",
        set: { [k("location")]: "West Europe" },
        rejects: '`location` must be the name of a region of the Azure public cloud; did you mean westeurope? (got "West Europe")',
    },
    {
        name: "rejects a region with a letter missing, suggesting the region",
        set: { [k("location")]: "swedencentrl" },
        rejects: '`location` must be the name of a region of the Azure public cloud; did you mean swedencentral? (got "swedencentrl")',
    },
    {
        name: "rejects a region of Azure Government while the stack deploys to the public cloud",
        set: { [k("location")]: "usgovvirginia" },
        rejects:
            '`location` must be a region of the Azure public cloud; usgovvirginia is a region of Azure Government (got "usgovvirginia")',
    },
    {
        name: "rejects a region of Azure in China while the stack deploys to the public cloud",
        set: { [k("location")]: "chinanorth3" },
        rejects:
            '`location` must be a region of the Azure public cloud; chinanorth3 is a region of Azure operated by 21Vianet (China) (got "chinanorth3")',
    },
    {
        name: "rejects a region name nothing resembles",
        set: { [k("location")]: "mars" },
        rejects:
            '`location` must be the name of a region of the Azure public cloud, such as westeurope, as `az account list-locations -o table` lists them (got "mars")',
    },
    {
        name: "rejects a logical location that cannot hold a workspace",
        set: { [k("location")]: "global" },
        rejects:
            '`location` must be the name of a region of the Azure public cloud, such as westeurope, as `az account list-locations -o table` lists them (got "global")',
    },
    {
        name: "rejects a 10,000-character location with the value cut",
        set: { [k("location")]: LONG },
        rejects: `\`location\` must be the name of a region of the Azure public cloud, such as westeurope, as \`az account list-locations -o table\` lists them (got ${LONG_SHOWN})`,
    },

    // Types.
    {
        name: "rejects createResourceGroup that is not a boolean",
        set: { [k("createResourceGroup")]: "yes" },
        rejects: '`createResourceGroup` must be true or false (got "yes")',
    },
    {
        name: "rejects protectData that is not a boolean",
        set: { [k("protectData")]: "on" },
        rejects: '`protectData` must be true or false (got "on")',
    },
    {
        name: "rejects allowRetentionDecrease that is not a boolean",
        set: { [k("allowRetentionDecrease")]: "maybe" },
        rejects: '`allowRetentionDecrease` must be true or false (got "maybe")',
    },
    {
        name: "rejects disableLocalAuth given as 1",
        set: { [k("disableLocalAuth")]: "1" },
        rejects: '`disableLocalAuth` must be true or false (got "1")',
    },
    {
        name: "rejects workbooksEnabled given as on",
        set: { [k("workbooksEnabled")]: "on" },
        rejects: '`workbooksEnabled` must be true or false (got "on")',
    },
    {
        name: "rejects a retention that is not a whole number",
        set: { [k("retentionInDays")]: "30.5" },
        rejects: '`retentionInDays` must be a whole number (got "30.5")',
    },
    {
        name: "rejects a daily cap given in words",
        set: { [k("dailyQuotaGb")]: "five" },
        rejects: '`dailyQuotaGb` must be a whole number (got "five")',
    },
    { name: "rejects tags that are not a list", set: { [k("tags")]: "env=prod" }, rejects: '`tags` must be a list (got "env=prod")' },
    {
        name: "rejects categories given as a map",
        set: { [k("diagnosticLogCategories")]: '{"AuditLogs":true}' },
        rejects: '`diagnosticLogCategories` must be a list (got {"AuditLogs":true})',
    },

    // Retention and limits.
    {
        name: "rejects workspace retention under 30 days",
        set: { [k("retentionInDays")]: "7" },
        rejects: "`retentionInDays` must be between 30 and 730 (got 7)",
    },
    {
        name: "rejects workspace retention over 730 days",
        set: { [k("retentionInDays")]: "731" },
        rejects: "`retentionInDays` must be between 30 and 730 (got 731)",
    },
    {
        name: "rejects table retention under 4 days",
        set: { [k("provisioningLogsRetentionInDays")]: "3" },
        rejects: "`provisioningLogsRetentionInDays` must be -1 or between 4 and 730 (got 3)",
    },
    {
        name: "rejects total retention over 12 years",
        set: { [k("provisioningLogsTotalRetentionInDays")]: "5000" },
        rejects: "`provisioningLogsTotalRetentionInDays` must be -1 or between 4 and 4383 (got 5000)",
    },
    {
        name: "rejects total retention above two years that is not whole years",
        set: { [k("provisioningLogsTotalRetentionInDays")]: "1000" },
        rejects:
            "`provisioningLogsTotalRetentionInDays` above 730 must be a whole number of years: one of 1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383 (got 1000)",
    },
    {
        name: "rejects total retention shorter than the table's interactive retention",
        set: { [k("provisioningLogsTotalRetentionInDays")]: "20" },
        rejects: "`provisioningLogsTotalRetentionInDays` must be at least the table's interactive retention of 30 days (got 20)",
    },
    {
        name: "rejects a daily cap of zero",
        set: { [k("dailyQuotaGb")]: "0" },
        rejects: "`dailyQuotaGb` must be -1 (no cap) or at least 1 (got 0)",
    },
    {
        name: "rejects a registration timeout of zero",
        set: { [k("registrationTimeoutMinutes")]: "0" },
        rejects: "`registrationTimeoutMinutes` must be between 1 and 180 (got 0)",
    },
    {
        name: "rejects a registration timeout over three hours",
        set: { [k("registrationTimeoutMinutes")]: "181" },
        rejects: "`registrationTimeoutMinutes` must be between 1 and 180 (got 181)",
    },

    // Names.
    {
        name: "rejects a resource group name ending in a period",
        set: { [k("resourceGroupName")]: "rg-logs." },
        rejects: "`resourceGroupName` must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.' (got \"rg-logs.\")",
    },
    {
        name: "rejects a resource group name over 90 characters",
        set: { [k("resourceGroupName")]: "r".repeat(91) },
        rejects: `\`resourceGroupName\` must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.' (got "${"r".repeat(80)}…" (91 characters))`,
    },
    {
        name: "rejects a resource group name with a slash",
        set: { [k("resourceGroupName")]: "rg/logs" },
        rejects: "`resourceGroupName` must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.' (got \"rg/logs\")",
    },
    {
        name: "rejects a workspace name that is too short",
        set: { [k("workspaceName")]: "log" },
        rejects: '`workspaceName` must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit (got "log")',
    },
    {
        name: "rejects a workspace name starting with a hyphen",
        set: { [k("workspaceName")]: "-log-audit" },
        rejects: '`workspaceName` must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit (got "-log-audit")',
    },
    {
        name: "rejects a workspace name with an underscore",
        set: { [k("workspaceName")]: "log_audit" },
        rejects: '`workspaceName` must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit (got "log_audit")',
    },
    {
        name: "rejects a diagnostic setting name with a slash",
        set: { [k("diagnosticSettingName")]: "logs/prod" },
        rejects: "`diagnosticSettingName` must be letters, digits, '-', '_' or '.', starting with a letter or digit (got \"logs/prod\")",
    },
    {
        name: "rejects a dashboard name with an underscore",
        set: { [k("dashboardName")]: "provisioning_dashboard" },
        rejects: '`dashboardName` must be 3-24 letters, digits or hyphens (got "provisioning_dashboard")',
    },
    {
        name: "rejects a dashboard name of 25 characters",
        set: { [k("dashboardName")]: "provisioning-contoso-prod" },
        rejects: '`dashboardName` must be 3-24 letters, digits or hyphens (got "provisioning-contoso-prod")',
    },

    // Log categories.
    {
        name: "rejects a misspelt log category, suggesting the category",
        set: { [k("diagnosticLogCategories")]: list("AuditLogs", "SignInLog") },
        rejects: '`diagnosticLogCategories[1]` must be an Entra ID log category; did you mean SignInLogs? (got "SignInLog")',
    },
    {
        name: "rejects an unknown log category",
        set: { [k("diagnosticLogCategories")]: list("Everything") },
        rejects:
            '`diagnosticLogCategories[0]` must be an Entra ID log category such as AuditLogs or SignInLogs, as Entra admin center › Diagnostic settings lists them (got "Everything")',
    },
    {
        name: "rejects a log category listed twice",
        set: { [k("diagnosticLogCategories")]: list("AuditLogs", "AuditLogs") },
        rejects: '`diagnosticLogCategories` must not list a category twice (got ["AuditLogs","AuditLogs"])',
    },

    // Tags.
    {
        name: "rejects a tag without a value separator",
        set: { [k("tags")]: list("env") },
        rejects:
            '`tags[0]` must be name=value with a name of at most 512 characters without < > % & \\ ? / and a value of at most 256 (got "env")',
    },
    {
        name: "rejects a tag name with a character Azure forbids",
        set: { [k("tags")]: list("cost<center=42") },
        rejects:
            '`tags[0]` must be name=value with a name of at most 512 characters without < > % & \\ ? / and a value of at most 256 (got "cost<center=42")',
    },
    {
        name: "rejects a tag value over 256 characters with the value cut",
        set: { [k("tags")]: list(`note=${"v".repeat(257)}`) },
        rejects: `\`tags[0]\` must be name=value with a name of at most 512 characters without < > % & \\ ? / and a value of at most 256 (got "note=${"v".repeat(75)}…" (262 characters))`,
    },
    {
        name: "rejects the same tag twice",
        set: { [k("tags")]: list("env=dev", "owner=identity", "env=dev") },
        rejects:
            '`tags[2]` names the same tag as tags[0]: Azure tag names ignore case, so one value would replace the other (got "env=dev")',
    },
    {
        name: "rejects two tags whose names differ only in case",
        set: { [k("tags")]: list("environment=dev", "Environment=prod") },
        rejects:
            '`tags[1]` names the same tag as tags[0]: Azure tag names ignore case, so one value would replace the other (got "Environment=prod")',
    },
    {
        name: "rejects 51 tags",
        set: { [k("tags")]: JSON.stringify(Array.from({ length: 51 }, (_, i) => `t${i}=v`)) },
        rejects: `\`tags\` must have at most 50 entries (got ${JSON.stringify(Array.from({ length: 51 }, (_, i) => `t${i}=v`)).slice(0, 160)}… (${JSON.stringify(Array.from({ length: 51 }, (_, i) => `t${i}=v`)).length} characters))`,
    },

    // Receivers.
    {
        name: "rejects alerts with no team receiver",
        set: { [k("alertReceivers")]: list("oncall sms 1 4255550100") },
        rejects:
            '`alertReceivers` must name at least one team receiver, e.g. "email identity-team@contoso.com", or set alertsEnabled false: an alert that notifies no one monitors nothing (got none)',
    },
    {
        name: "rejects an unknown receiver kind",
        set: { [k("alertReceivers")]: list("pager +1 555") },
        rejects: '`alertReceivers[0]` kind must be one of email, sms, armrole (got "pager +1 555")',
    },
    {
        name: "rejects an email receiver without a domain",
        set: { [k("alertReceivers")]: list("email identity") },
        rejects: '`alertReceivers[0]` must be "email <address>" (got "email identity")',
    },
    {
        name: "rejects an SMS receiver with a formatted number",
        set: { [k("alertReceivers")]: list("email a@contoso.com", "sms 1 (425) 555-0100") },
        rejects:
            '`alertReceivers[1]` must be "sms <country code> <number>", digits only, e.g. "sms 1 4255550100" (got "sms 1 (425) 555-0100")',
    },
    {
        name: "rejects an unknown ARM role",
        set: { [k("alertReceivers")]: list("armrole Billing Reader") },
        rejects:
            '`alertReceivers[0]` role must be one of Owner, Contributor, Reader, Monitoring Contributor, Monitoring Reader (got "armrole Billing Reader")',
    },
    {
        name: "rejects a webhook among the plain-text receivers",
        set: { [k("alertReceivers")]: list("email a@contoso.com", WEBHOOK) },
        rejects:
            "`alertReceivers[1]` is a webhook: its URL is a credential, so put it in alertSecretReceivers (pulumi config set --secret --path 'alertSecretReceivers[0]' 'webhook …')",
    },
    {
        name: "rejects the same email receiver twice in the team group",
        set: { [k("alertReceivers")]: list("email identity@contoso.com", "email Identity@Contoso.com") },
        rejects:
            '`alertReceivers[1]` repeats alertReceivers[0]: the team group already has this email receiver (got "email Identity@Contoso.com")',
    },
    {
        name: "rejects the same SMS receiver twice in the oncall group",
        set: { [k("alertReceivers")]: list("email a@contoso.com", "oncall sms 1 4255550100", "oncall sms +1 4255550100") },
        rejects:
            '`alertReceivers[2]` repeats alertReceivers[1]: the oncall group already has this sms receiver (got "oncall sms +1 4255550100")',
    },
    {
        name: "rejects the same ARM role twice in the team group",
        set: { [k("alertReceivers")]: list("armrole Monitoring Reader", "armrole Monitoring  Reader") },
        rejects:
            '`alertReceivers[1]` repeats alertReceivers[0]: the team group already has this armrole receiver (got "armrole Monitoring  Reader")',
    },
    {
        name: "rejects the same webhook twice among the secret receivers, without echoing it",
        set: { [k("alertSecretReceivers")]: list(WEBHOOK, WEBHOOK) },
        secret: [k("alertSecretReceivers")],
        rejects:
            "`alertSecretReceivers[1]` repeats alertSecretReceivers[0]: the team group already has this webhook receiver (value hidden)",
    },
    {
        name: "rejects an email receiver given both in plain text and as a secret",
        set: { [k("alertSecretReceivers")]: list("email identity@contoso.com") },
        secret: [k("alertSecretReceivers")],
        rejects: "`alertSecretReceivers[0]` repeats alertReceivers[0]: the team group already has this email receiver (value hidden)",
    },
    {
        name: "rejects a malformed secret receiver without echoing it",
        set: { [k("alertSecretReceivers")]: list("webhook http://hooks.example.net/token") },
        secret: [k("alertSecretReceivers")],
        rejects: '`alertSecretReceivers[0]` must be "webhook <https url> [aad <object id> <identifier uri>]" (value hidden)',
    },

    // Plain-text secrets.
    {
        name: "rejects a webhook in plain text under alertSecretReceivers, with the command that sets it secret",
        set: { [k("alertSecretReceivers")]: list(WEBHOOK) },
        rejects:
            "`alertSecretReceivers` holds credentials but is set in plain text (value hidden): run `pulumi config rm alertSecretReceivers`, then `pulumi config set --secret --path 'alertSecretReceivers[0]' '<value>'` for each entry ([0], [1], …)",
    },
    {
        name: "rejects a plain-text list under alertSecretReceivers in the stack file",
        set: { [k("alertSecretReceivers")]: list(WEBHOOK) },
        stackFile: { [k("alertSecretReceivers")]: [WEBHOOK] },
        rejects:
            "`alertSecretReceivers[0]` holds credentials but is plain text in the stack file (value hidden): set it with `pulumi config set --secret --path 'alertSecretReceivers[0]' '<value>'`",
    },
    {
        name: "rejects one plain-text entry among encrypted ones in the stack file",
        encrypted: [k("alertSecretReceivers")],
        stackFile: { [k("alertSecretReceivers")]: [secure(1), WEBHOOK] },
        rejects:
            "`alertSecretReceivers[1]` holds credentials but is plain text in the stack file (value hidden): set it with `pulumi config set --secret --path 'alertSecretReceivers[1]' '<value>'`",
    },

    // Alert rule overrides.
    {
        name: "rejects an override without a value",
        set: { [k("alertOverrides")]: list("failureSpike.threshold") },
        rejects: '`alertOverrides[0]` must be <rule>.<setting>=<value>, e.g. failureSpike.threshold=20 (got "failureSpike.threshold")',
    },
    {
        name: "rejects an override of an unknown rule",
        set: { [k("alertOverrides")]: list("failureSpikes.threshold=5") },
        rejects:
            '`alertOverrides[0]` names an unknown rule "failureSpikes"; the rules are failureSpike, provisioningStopped, appSilent, disableDeleteSpike, quarantine, logsAtRisk',
    },
    {
        name: "rejects an override of an unknown setting",
        set: { [k("alertOverrides")]: list("failureSpike.limit=5") },
        rejects:
            '`alertOverrides[0]` failureSpike.limit is not a setting: the settings are enabled, severity, operator, threshold, frequency, window, periods, failingPeriods, autoMitigate, mute, ratio, minBaselineEvents (got "5")',
    },
    {
        name: "rejects an override of a 10,000-letter setting with the name cut",
        set: { [k("alertOverrides")]: list(`failureSpike.${"x".repeat(10_000)}=5`) },
        rejects: `\`alertOverrides[0]\` failureSpike.${"x".repeat(40)}… (10000 characters) is not a setting: the settings are enabled, severity, operator, threshold, frequency, window, periods, failingPeriods, autoMitigate, mute, ratio, minBaselineEvents (got "5")`,
    },
    {
        name: "rejects a severity out of range",
        set: { [k("alertOverrides")]: list("quarantine.severity=5") },
        rejects: '`alertOverrides[0]` quarantine.severity must be a whole number from 0 to 4 (got "5")',
    },
    {
        name: "rejects an equality operator",
        set: { [k("alertOverrides")]: list("failureSpike.operator=Equal") },
        rejects:
            '`alertOverrides[0]` failureSpike.operator must be one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual (equality is rejected by Azure) (got "Equal")',
    },
    {
        name: "rejects a frequency Azure does not offer",
        set: { [k("alertOverrides")]: list("failureSpike.frequency=PT20M") },
        rejects:
            '`alertOverrides[0]` failureSpike.frequency must be one of PT1M, PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D (got "PT20M")',
    },
    {
        name: "rejects a window shorter than the frequency",
        set: { [k("alertOverrides")]: list("failureSpike.window=PT5M") },
        rejects: "`alertOverrides` failureSpike.window (PT5M) must not be shorter than its frequency (PT15M)",
    },
    {
        name: "rejects a threshold too large to be a number, with the value cut",
        set: { [k("alertOverrides")]: list(`failureSpike.threshold=${"9".repeat(10_000)}`) },
        rejects: `\`alertOverrides[0]\` failureSpike.threshold must be a number of at least 0 (got "${"9".repeat(80)}…" (10000 characters))`,
    },
    {
        name: "rejects the same override twice",
        set: { [k("alertOverrides")]: list("failureSpike.threshold=20", "failureSpike.threshold=30") },
        rejects:
            '`alertOverrides[1]` sets failureSpike.threshold again, after alertOverrides[0]: set each rule setting once (got "failureSpike.threshold=30")',
    },
    {
        name: "rejects the same override twice even with the same value",
        set: { [k("alertOverrides")]: list("appSilent.enabled=false", "failureSpike.threshold=3", "appSilent.enabled=false") },
        rejects:
            '`alertOverrides[2]` sets appSilent.enabled again, after alertOverrides[0]: set each rule setting once (got "appSilent.enabled=false")',
    },
    {
        name: "rejects a ratio on a rule without one",
        set: { [k("alertOverrides")]: list("failureSpike.ratio=0.5") },
        rejects: '`alertOverrides[0]` failureSpike.ratio is not a setting of this rule: ratio applies to disableDeleteSpike (got "0.5")',
    },
    {
        name: "rejects a mute duration with auto-mitigation",
        set: { [k("alertOverrides")]: list("failureSpike.mute=PT1H") },
        rejects:
            "`alertOverrides` failureSpike.mute (PT1H) needs failureSpike.autoMitigate=false: Azure rejects muted actions on an auto-mitigated rule",
    },

    // Other alert settings.
    {
        name: "rejects an action group short name over 12 characters",
        set: { [k("alertTeamShortName")]: "ProvisioningTeam" },
        rejects:
            '`alertTeamShortName` must be 1-12 characters without leading or trailing spaces; Azure rejects longer action group short names (got "ProvisioningTeam")',
    },
    {
        name: "rejects an oncall severity of 5",
        set: { [k("alertOncallMaxSeverity")]: "5" },
        rejects: "`alertOncallMaxSeverity` must be between 0 and 4 (got 5)",
    },
    {
        name: "rejects the same monitored application twice",
        set: { [k("alertApps")]: list("Workday", "ServiceNow", "Workday") },
        rejects: '`alertApps[2]` repeats alertApps[0]: list each application once (got "Workday")',
    },
    {
        name: "rejects the same always-watched application twice",
        set: {
            [k("alertSilentApps")]: list(
                "Workday to Microsoft Entra ID User Provisioning",
                "Workday to Microsoft Entra ID User Provisioning",
            ),
        },
        rejects:
            '`alertSilentApps[1]` repeats alertSilentApps[0]: list each application once (got "Workday to Microsoft Entra ID User Provisioning")',
    },
    {
        name: "rejects an empty application name",
        set: { [k("alertApps")]: list(" ") },
        rejects: '`alertApps[0]` must be an application name or job ID of 1-256 characters (got " ")',
    },
    {
        name: "rejects a 10,000-character application name with the value cut",
        set: { [k("alertApps")]: list(LONG) },
        rejects: `\`alertApps[0]\` must be an application name or job ID of 1-256 characters (got ${LONG_SHOWN})`,
    },

    // Valid configurations.
    {
        name: "accepts the base configuration with documented defaults, data protected",
        expect: {
            protectData: true,
            allowRetentionDecrease: false,
            retentionInDays: 30,
            dashboardName: "provisioning-dev",
            location: "westeurope",
        },
    },
    {
        name: "accepts a stack named dev and keeps the names it has today",
        expect: {
            resourceGroupName: "rg-entra-provisioning-logs-dev",
            workspaceName: "log-entra-provisioning-dev",
            diagnosticSettingName: "entra-provisioning-logs-dev",
            dashboardName: "provisioning-dev",
        },
    },
    {
        name: "accepts a stack named prod and keeps the names it has today",
        stack: "prod",
        expect: {
            resourceGroupName: "rg-entra-provisioning-logs-prod",
            workspaceName: "log-entra-provisioning-prod",
            diagnosticSettingName: "entra-provisioning-logs-prod",
            dashboardName: "provisioning-prod",
        },
    },
    {
        name: "accepts a stack named contoso-prod, shortening only the dashboard name",
        stack: "contoso-prod",
        expect: {
            resourceGroupName: "rg-entra-provisioning-logs-contoso-prod",
            workspaceName: "log-entra-provisioning-contoso-prod",
            diagnosticSettingName: "entra-provisioning-logs-contoso-prod",
            dashboardName: "provisioning-cont-c939fd",
        },
    },
    {
        name: "accepts a stack name of 100 characters, the longest Pulumi allows",
        stack: "s".repeat(100),
        expect: {
            resourceGroupName: `rg-entra-provisioning-logs-${"s".repeat(56)}-4f4315`,
            workspaceName: `log-entra-provisioning-${"s".repeat(33)}-4f4315`,
            diagnosticSettingName: `entra-provisioning-logs-${"s".repeat(100)}`,
            dashboardName: "provisioning-ssss-4f4315",
        },
    },
    {
        name: "accepts a stack name with periods and underscores",
        stack: "team_a.prod",
        expect: {
            resourceGroupName: "rg-entra-provisioning-logs-team_a.prod",
            workspaceName: "log-entra-provisioning-team-a-prod-b5b047",
            diagnosticSettingName: "entra-provisioning-logs-team_a.prod",
            dashboardName: "provisioning-team-b5b047",
        },
    },
    { name: "accepts North Europe by its region name", set: { [k("location")]: "northeurope" }, expect: { location: "northeurope" } },
    { name: "accepts a recently opened region", set: { [k("location")]: "polandcentral" }, expect: { location: "polandcentral" } },
    {
        name: "accepts keys of the azure-native provider's namespace",
        set: { "azure-native:location": "westeurope", "azure-native:subscriptionId": SUBSCRIPTION },
    },
    { name: "accepts keys of the azuread provider's namespace", set: { "azuread:tenantId": TENANT } },
    { name: "accepts keys of Pulumi's own namespace", set: { "pulumi:tags": '{"team":"identity"}' } },
    { name: "accepts a stack that opts out of data protection", set: { [k("protectData")]: "false" }, expect: { protectData: false } },
    {
        name: "accepts a run allowed to lower retention",
        set: { [k("allowRetentionDecrease")]: "true" },
        expect: { allowRetentionDecrease: true },
    },
    {
        name: "accepts tags with different names and a value containing =",
        set: { [k("tags")]: list("environment=prod", "cost-center=42=a", "Owner=identity") },
        expect: { tags: { environment: "prod", "cost-center": "42=a", Owner: "identity" } },
    },
    {
        name: "accepts seven years of total retention",
        set: { [k("provisioningLogsTotalRetentionInDays")]: "2556" },
        expect: { provisioningLogsTotalRetentionInDays: 2556 },
    },
    { name: "accepts a daily cap", set: { [k("dailyQuotaGb")]: "10" }, expect: { dailyQuotaGb: 10 } },
    {
        name: "accepts AuditLogs with ProvisioningLogs listed too",
        set: { [k("diagnosticLogCategories")]: list("AuditLogs", "ProvisioningLogs") },
        expect: { diagnosticLogCategories: ["AuditLogs"] },
    },
    {
        name: "accepts a webhook set with --secret",
        set: { [k("alertSecretReceivers")]: list(`oncall ${WEBHOOK}`) },
        secret: [k("alertSecretReceivers")],
    },
    {
        name: "accepts secret receivers encrypted in the stack file, using their default offline",
        encrypted: [k("alertSecretReceivers")],
        stackFile: { [k("alertSecretReceivers")]: [secure(1), secure(2)] },
    },
    { name: "accepts an empty plain list of secret receivers", set: { [k("alertSecretReceivers")]: "[]" } },
    {
        name: "accepts alerts turned off with no receivers",
        set: { [k("alertsEnabled")]: "false", [k("alertReceivers")]: "[]" },
        expect: { alerts: undefined },
    },
    {
        name: "accepts the same email address in the team and the oncall group",
        set: { [k("alertReceivers")]: list("email identity@contoso.com", "oncall email identity@contoso.com") },
    },
    {
        name: "accepts overrides of different settings of one rule",
        set: { [k("alertOverrides")]: list("failureSpike.threshold=20", "failureSpike.severity=1") },
    },
    {
        name: "accepts the same setting overridden on different rules",
        set: { [k("alertOverrides")]: list("failureSpike.threshold=20", "disableDeleteSpike.threshold=50") },
    },
    {
        name: "accepts application names that differ in case, which the alert queries tell apart",
        set: { [k("alertApps")]: list("Workday", "workday") },
    },
    {
        name: "accepts a resource group name of 90 characters",
        set: { [k("resourceGroupName")]: "r".repeat(90) },
        expect: { resourceGroupName: "r".repeat(90) },
    },
    {
        name: "accepts a long stack name with the dashboard turned off",
        stack: "contoso-identity-production",
        set: { [k("dashboardEnabled")]: "false" },
        expect: { dashboardName: undefined, workspaceName: "log-entra-provisioning-contoso-identity-production" },
    },
    { name: "accepts an oncall severity of 0", set: { [k("alertOncallMaxSeverity")]: "0" } },

    // Brownfield: an existing workspace, an adopted setting, settings that already send ProvisioningLogs.
    {
        name: "accepts an existing workspace in another subscription, named in any case, and takes its name",
        set: {
            [k("existingWorkspaceId")]: SENTINEL.replace("/resourceGroups/", "/resourcegroups/").replace(
                "Microsoft.OperationalInsights",
                "microsoft.operationalinsights",
            ),
        },
        expect: {
            existingWorkspaceId: SENTINEL.replace("/resourceGroups/", "/resourcegroups/").replace(
                "Microsoft.OperationalInsights",
                "microsoft.operationalinsights",
            ),
            workspaceName: "law-sentinel",
            manageExistingWorkspaceRetention: false,
        },
    },
    {
        name: "rejects an existing workspace given by name instead of its resource ID",
        set: { [k("existingWorkspaceId")]: "law-sentinel" },
        rejects:
            '`existingWorkspaceId` must be the resource ID of a Log Analytics workspace, /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (npm run discover lists them) (got "law-sentinel")',
    },
    {
        name: "rejects the resource ID of something that is not a workspace",
        set: { [k("existingWorkspaceId")]: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/law" },
        rejects:
            '`existingWorkspaceId` must be the resource ID of a Log Analytics workspace, /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (npm run discover lists them) (got "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/law")',
    },
    {
        name: "rejects a workspace retention with an existing workspace, which the stack uses as it is",
        set: { [k("existingWorkspaceId")]: SENTINEL, [k("retentionInDays")]: "365" },
        rejects:
            "`retentionInDays` applies only to a workspace this stack creates, and existingWorkspaceId names law-sentinel, which the stack uses as it is: remove retentionInDays (got 365)",
    },
    {
        name: "rejects a daily cap with an existing workspace",
        set: { [k("existingWorkspaceId")]: SENTINEL, [k("dailyQuotaGb")]: "5" },
        rejects:
            "`dailyQuotaGb` applies only to a workspace this stack creates, and existingWorkspaceId names law-sentinel, which the stack uses as it is: remove dailyQuotaGb (got 5)",
    },
    {
        name: "rejects a table retention for an existing workspace unless its retention is managed on purpose",
        set: { [k("existingWorkspaceId")]: SENTINEL, [k("provisioningLogsRetentionInDays")]: "365" },
        rejects:
            "`provisioningLogsRetentionInDays` would change the AADProvisioningLogs retention in law-sentinel, a workspace this stack doesn't own: set manageExistingWorkspaceRetention true to do it on purpose, or remove provisioningLogsRetentionInDays (got 365)",
    },
    {
        name: "rejects a managed retention of an existing workspace without the table's own retention",
        set: { [k("existingWorkspaceId")]: SENTINEL, [k("manageExistingWorkspaceRetention")]: "true" },
        rejects:
            "`provisioningLogsRetentionInDays` is required with manageExistingWorkspaceRetention: this stack doesn't know the retention of the existing workspace, so give the table's own, 4-730 days (got -1)",
    },
    {
        name: "accepts a managed retention of an existing workspace with the table's own retention",
        set: {
            [k("existingWorkspaceId")]: SENTINEL,
            [k("manageExistingWorkspaceRetention")]: "true",
            [k("provisioningLogsRetentionInDays")]: "365",
            [k("provisioningLogsTotalRetentionInDays")]: "1095",
        },
        expect: {
            manageExistingWorkspaceRetention: true,
            provisioningLogsRetentionInDays: 365,
            provisioningLogsTotalRetentionInDays: 1095,
        },
    },
    {
        name: "rejects manageExistingWorkspaceRetention without an existing workspace",
        set: { [k("manageExistingWorkspaceRetention")]: "true" },
        rejects:
            "`manageExistingWorkspaceRetention` applies only with existingWorkspaceId: this stack creates its own workspace and manages its retention anyway (got true)",
    },
    {
        name: "accepts an adopted setting, which becomes the stack's setting name",
        set: { [k("adoptDiagnosticSetting")]: "sentinel-entra", [k("diagnosticLogCategories")]: list("AuditLogs", "SignInLogs") },
        expect: {
            adoptDiagnosticSetting: true,
            diagnosticSettingName: "sentinel-entra",
            diagnosticLogCategories: ["AuditLogs", "SignInLogs"],
        },
    },
    {
        name: "rejects adopting a setting under another name than diagnosticSettingName",
        set: { [k("adoptDiagnosticSetting")]: "sentinel-entra", [k("diagnosticSettingName")]: "entra-logs" },
        rejects:
            '`diagnosticSettingName` must be empty or the adopted setting\'s name, sentinel-entra, while adoptDiagnosticSetting is set (got "entra-logs")',
    },
    {
        name: "rejects an adopted setting name with a slash",
        set: { [k("adoptDiagnosticSetting")]: "sentinel/entra" },
        rejects:
            "`adoptDiagnosticSetting` must be the name of an existing tenant diagnostic setting: letters, digits, '-', '_' or '.', starting with a letter or digit (got \"sentinel/entra\")",
    },
    {
        name: "accepts the destinations of a setting as name=value",
        set: {
            [k("diagnosticSettingDestinations")]: list(
                `eventHubAuthorizationRuleId=${EVENT_HUB_RULE}`,
                "eventHubName=entra",
                `storageAccountId=${STORAGE}`,
            ),
        },
        expect: {
            diagnosticSettingDestinations: {
                eventHubAuthorizationRuleId: EVENT_HUB_RULE,
                eventHubName: "entra",
                storageAccountId: STORAGE,
            },
        },
    },
    {
        name: "rejects a destination of a kind a diagnostic setting doesn't have",
        set: { [k("diagnosticSettingDestinations")]: list("partnerId=x") },
        rejects:
            '`diagnosticSettingDestinations[0]` must be name=value with a name of storageAccountId, eventHubAuthorizationRuleId, eventHubName, serviceBusRuleId (got "partnerId=x")',
    },
    {
        name: "rejects a storage account destination that is not a storage account's ID",
        set: { [k("diagnosticSettingDestinations")]: list("storageAccountId=entraarchive") },
        rejects:
            '`diagnosticSettingDestinations[0]` must give a storage account\'s resource ID after storageAccountId= (got "storageAccountId=entraarchive")',
    },
    {
        name: "rejects an event hub name without the namespace's authorization rule",
        set: { [k("diagnosticSettingDestinations")]: list("eventHubName=entra") },
        rejects:
            '`diagnosticSettingDestinations[0]` needs eventHubAuthorizationRuleId too: the event hub is in that namespace (got "eventHubName=entra")',
    },
    {
        name: "rejects a destination given twice",
        set: { [k("diagnosticSettingDestinations")]: list("eventHubName=a", "eventHubName=b") },
        rejects: '`diagnosticSettingDestinations[1]` gives eventHubName twice: a setting has one of each (got "eventHubName=b")',
    },
    {
        name: "rejects a second setting sending ProvisioningLogs, naming the existing one and both ways out",
        set: { [k("existingProvisioningLogsSettings")]: list("portal-provisioning") },
        rejects:
            '`existingProvisioningLogsSettings` says portal-provisioning already sends ProvisioningLogs, so a setting of this stack would bill them twice: adopt it (adoptDiagnosticSetting portal-provisioning) or set allowDuplicateProvisioningLogs true (got ["portal-provisioning"])',
    },
    {
        name: "accepts adopting the setting that already sends ProvisioningLogs",
        set: { [k("existingProvisioningLogsSettings")]: list("Portal-Provisioning"), [k("adoptDiagnosticSetting")]: "portal-provisioning" },
        expect: { existingProvisioningLogsSettings: ["Portal-Provisioning"], adoptDiagnosticSetting: true },
    },
    {
        name: "accepts a second setting sending ProvisioningLogs when allowed explicitly",
        set: { [k("existingProvisioningLogsSettings")]: list("portal-provisioning"), [k("allowDuplicateProvisioningLogs")]: "true" },
        expect: { allowDuplicateProvisioningLogs: true },
    },
];

/** Counts for `npm run bench`: every case tried; one line = no newline and at most 300 characters. */
export function runSettingsTable(cases: readonly SettingsCase[] = SETTINGS_CASES): {
    tried: number;
    rejectedInOneLine: number;
    wronglyAccepted: number;
    wronglyRejected: number;
} {
    let rejectedInOneLine = 0;
    let wronglyAccepted = 0;
    let wronglyRejected = 0;
    for (const c of cases) {
        try {
            runCase(c);
            if (c.rejects !== undefined) {
                wronglyAccepted++;
            }
        } catch (e) {
            if (c.rejects === undefined) {
                wronglyRejected++;
            } else if (e instanceof ConfigError && !e.message.includes("\n") && e.message.length <= 300) {
                rejectedInOneLine++;
            }
        }
    }
    return { tried: cases.length, rejectedInOneLine, wronglyAccepted, wronglyRejected };
}
