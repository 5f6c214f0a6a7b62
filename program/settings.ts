import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN, PROVISIONING_LOGS_CATEGORY } from "../components/azure/armFacts";
import * as yaml from "js-yaml";
import { z } from "zod";
import { DASHBOARD_NAME } from "../components/provisioningDashboard";
import type { ProvisioningLoggingArgs } from "../components/provisioningLogging";
import { workspaceChoiceProblems } from "../components/support/workspaceRules";
import type { DiagnosticSettingDestinations } from "../components/tenantDiagnosticSetting";
import { AlertConfigError, type AlertSettings, parseAlertSettings } from "./alertSettings";
import { workspaceIdParts } from "../components/support/naming";
import { chooseCloud } from "../components/azure/cloud";
import type { Env, ProviderSettingsInput } from "../components/azure/providerConfig";
import { checkAzureNativeConfig } from "./azureNativeConfig";
import { type AzureCloud, locationProblem } from "./regions";
import {
    closest,
    ConfigError,
    type ConfigSource,
    type Declaration,
    derivedName,
    describe,
    type NameRule,
    projectConfigFrom,
    projectConfigSchema,
    runtimeConfig,
    type StackConfigInput,
    validateSettings,
    withSecretKeys,
} from "./settingsValidation";

export { ConfigError } from "./settingsValidation";

/**
 * The one place that reads `pulumi.Config`. Pulumi.yaml is the schema of record for keys, types and
 * defaults; this module adds the rules Azure enforces and returns one validated, typed object.
 */

/** Entra ID log categories a tenant diagnostic setting accepts (Entra admin center, Diagnostic settings). */
const ENTRA_LOG_CATEGORIES = [
    "AuditLogs",
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
    "ProvisioningLogs",
    "ADFSSignInLogs",
    "RiskyUsers",
    "UserRiskEvents",
    "RiskyServicePrincipals",
    "ServicePrincipalRiskEvents",
    "NetworkAccessTrafficLogs",
    "EnrichedOffice365AuditLogs",
    "MicrosoftGraphActivityLogs",
    "RemoteNetworkHealthLogs",
    "NetworkAccessAlerts",
] as const;

/** Total retention above two years must be a whole number of years (ARM rejects other values). */
const TOTAL_RETENTION_YEARS_DAYS = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383] as const;

/** The validated settings of one stack. */
export interface Settings {
    /** Stack name; derived names come from it. */
    readonly stack: string;
    readonly tenantId: string;
    readonly subscriptionId: string;
    readonly location: string;
    readonly resourceGroupName: string;
    readonly createResourceGroup: boolean;
    readonly workspaceName: string;
    readonly retentionInDays: number;
    /** Resolved: never -1. */
    readonly provisioningLogsRetentionInDays: number;
    /** Resolved: never -1. */
    readonly provisioningLogsTotalRetentionInDays: number;
    /** Undefined means no cap. */
    readonly dailyQuotaGb: number | undefined;
    readonly disableLocalAuth: boolean;
    readonly protectData: boolean;
    /**
     * This run may lower the workspace's or the AADProvisioningLogs table's retention, which deletes
     * older logs. Set for one run only; false by default, so no run shortens audit evidence unasked.
     */
    readonly allowRetentionDecrease: boolean;
    readonly diagnosticSettingName: string;
    /** Extra categories besides ProvisioningLogs, in the order given; for an adopted setting, every category it sends today. */
    readonly diagnosticLogCategories: readonly string[];
    /**
     * The full ARM ID (as given) of an existing workspace the stack sends the logs to and never
     * changes or deletes; undefined when the stack creates its own. `workspaceName` is then its name.
     */
    readonly existingWorkspaceId: string | undefined;
    /** With `existingWorkspaceId`: the stack sets the AADProvisioningLogs retention in that workspace. */
    readonly manageExistingWorkspaceRetention: boolean;
    /** The tenant diagnostic setting `diagnosticSettingName` exists already: the stack adopts it (Pulumi's `import` option). */
    readonly adoptDiagnosticSetting: boolean;
    /** Destinations of the diagnostic setting besides the workspace; for an adopted setting, every one it has today. */
    readonly diagnosticSettingDestinations: DiagnosticSettingDestinations;
    /** Tenant diagnostic settings that already send ProvisioningLogs, as `npm run discover` found them. */
    readonly existingProvisioningLogsSettings: readonly string[];
    /** A second setting sending ProvisioningLogs (ingested and billed twice) is wanted. */
    readonly allowDuplicateProvisioningLogs: boolean;
    readonly registrationTimeoutMinutes: number;
    readonly workbooksEnabled: boolean;
    readonly savedQueriesEnabled: boolean;
    /** The dashboard's name; undefined when `dashboardEnabled` is false. */
    readonly dashboardName: string | undefined;
    /** Alert rules and receivers; undefined when `alertsEnabled` is false. */
    readonly alerts: AlertSettings | undefined;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * Settings whose values are credentials: they must be set with `--secret` and are never echoed.
 * Pulumi.yaml can't declare them `secret: true`: the Pulumi CLI then rejects the plain-text empty
 * default of every stack that doesn't set them ("must be encrypted as it's secret").
 */
export const SECRET_SETTINGS: readonly string[] = ["alertSecretReceivers"];

// Name rules, used for given names and for names derived from the stack alike.
const RESOURCE_GROUP_NAME = /^[-\w.()]{0,89}[-\w()]$/;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const SETTING_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$/;
/**
 * The destinations a tenant diagnostic setting has besides a workspace, and what each value looks
 * like (Microsoft.Aadiam 2017-04-01, DiagnosticSettings: storageAccountId, eventHubAuthorizationRuleId,
 * eventHubName, serviceBusRuleId; an event hub name is 1-256 letters, digits, '.', '-' and '_'
 * starting and ending with a letter or digit, learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
 */
const DESTINATIONS: Readonly<Record<keyof DiagnosticSettingDestinations, { pattern: RegExp; what: string }>> = {
    storageAccountId: {
        pattern: /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/i,
        what: "a storage account's resource ID",
    },
    eventHubAuthorizationRuleId: {
        pattern:
            /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.EventHub\/namespaces\/[^/]+(\/eventhubs\/[^/]+)?\/authorizationRules\/[^/]+$/i,
        what: "an event hub namespace's authorization rule ID",
    },
    eventHubName: { pattern: /^[A-Za-z0-9]([A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/, what: "an event hub name" },
    serviceBusRuleId: { pattern: /^\/\S+$/, what: "a service bus rule's resource ID" },
};
const DESTINATION_NAMES = Object.keys(DESTINATIONS) as Array<keyof DiagnosticSettingDestinations>;
const NAME_RULES = {
    resourceGroupName: { pattern: RESOURCE_GROUP_NAME, maxLength: 90, keep: /[-\w.()]/ },
    workspaceName: { pattern: WORKSPACE_NAME, maxLength: 63, keep: /[A-Za-z0-9-]/ },
    diagnosticSettingName: { pattern: SETTING_NAME, maxLength: 260, keep: /[A-Za-z0-9_.-]/ },
    dashboardName: { pattern: DASHBOARD_NAME, maxLength: 24, keep: /[A-Za-z0-9-]/ },
} satisfies Record<string, NameRule>;

/** The name of a `name=value` entry. */
const entryName = (entry: string) => entry.slice(0, Math.max(entry.indexOf("="), 0));

/** Azure treats tag names case-insensitively (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations). */
const tagName = (tag: string) => tag.slice(0, tag.indexOf("=")).toLowerCase();

const guid = z.string().regex(GUID_PATTERN, { error: "must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47" });
const wholeDays = (min: number, max: number) =>
    z
        .number()
        .int()
        .refine((n) => n === -1 || (n >= min && n <= max), { error: `must be -1 or between ${min} and ${max}` });

function settingsSchema(cloud: AzureCloud) {
    return z.strictObject({
        tenantId: guid,
        subscriptionId: guid,
        location: z.string().superRefine((location, ctx) => {
            const problem = locationProblem(location, cloud);
            if (problem) {
                ctx.addIssue({ code: "custom", message: problem });
            }
        }),
        resourceGroupName: z.string().refine((s) => s === "" || RESOURCE_GROUP_NAME.test(s), {
            error: "must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.'",
        }),
        createResourceGroup: z.boolean(),
        workspaceName: z.string().refine((s) => s === "" || WORKSPACE_NAME.test(s), {
            error: "must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit",
        }),
        retentionInDays: z
            .number()
            .int()
            .min(30, { error: "must be between 30 and 730" })
            .max(730, { error: "must be between 30 and 730" }),
        provisioningLogsRetentionInDays: wholeDays(4, 730),
        provisioningLogsTotalRetentionInDays: wholeDays(4, 4383).refine(
            (n) => n <= 730 || n > 4383 || (TOTAL_RETENTION_YEARS_DAYS as readonly number[]).includes(n),
            { error: `above 730 must be a whole number of years: one of ${TOTAL_RETENTION_YEARS_DAYS.join(", ")}` },
        ),
        dailyQuotaGb: z
            .number()
            .int()
            .refine((n) => n === -1 || n >= 1, { error: "must be -1 (no cap) or at least 1" }),
        disableLocalAuth: z.boolean(),
        protectData: z.boolean(),
        allowRetentionDecrease: z.boolean(),
        diagnosticSettingName: z.string().refine((s) => s === "" || SETTING_NAME.test(s), {
            error: "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
        }),
        diagnosticLogCategories: z
            .array(
                z.string().superRefine((category, ctx) => {
                    if (!(ENTRA_LOG_CATEGORIES as readonly string[]).includes(category)) {
                        const near = closest(category, ENTRA_LOG_CATEGORIES);
                        ctx.addIssue({
                            code: "custom",
                            message: near
                                ? `must be an Entra ID log category; did you mean ${near}?`
                                : "must be an Entra ID log category such as AuditLogs or SignInLogs, as Entra admin center › Diagnostic settings lists them",
                        });
                    }
                }),
            )
            .refine((list) => new Set(list).size === list.length, { error: "must not list a category twice" }),
        existingWorkspaceId: z.string().refine((s) => s === "" || workspaceIdParts(s) !== undefined, {
            error: "must be the resource ID of a Log Analytics workspace, /subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (npm run discover lists them)",
        }),
        manageExistingWorkspaceRetention: z.boolean(),
        adoptDiagnosticSetting: z.string().refine((s) => s === "" || SETTING_NAME.test(s), {
            error: "must be the name of an existing tenant diagnostic setting: letters, digits, '-', '_' or '.', starting with a letter or digit",
        }),
        diagnosticSettingDestinations: z
            .array(
                z.string().superRefine((entry, ctx) => {
                    const name = entryName(entry) as keyof DiagnosticSettingDestinations;
                    const rule = DESTINATION_NAMES.includes(name) ? DESTINATIONS[name] : undefined;
                    if (!rule) {
                        ctx.addIssue({ code: "custom", message: `must be name=value with a name of ${DESTINATION_NAMES.join(", ")}` });
                    } else if (!rule.pattern.test(entry.slice(name.length + 1))) {
                        ctx.addIssue({ code: "custom", message: `must give ${rule.what} after ${name}=` });
                    }
                }),
            )
            .superRefine((entries, ctx) => {
                const names = entries.map(entryName);
                const twice = names.findIndex((n, i) => names.indexOf(n) !== i);
                if (twice >= 0) {
                    ctx.addIssue({ code: "custom", path: [twice], message: `gives ${names[twice]} twice: a setting has one of each` });
                } else if (names.includes("eventHubName") && !names.includes("eventHubAuthorizationRuleId")) {
                    ctx.addIssue({
                        code: "custom",
                        path: [names.indexOf("eventHubName")],
                        message: "needs eventHubAuthorizationRuleId too: the event hub is in that namespace",
                    });
                }
            }),
        existingProvisioningLogsSettings: z
            .array(
                z.string().regex(SETTING_NAME, { error: "must be names of tenant diagnostic settings, as npm run discover writes them" }),
            )
            .refine((list) => new Set(list.map((n) => n.toLowerCase())).size === list.length, { error: "must not list a setting twice" }),
        allowDuplicateProvisioningLogs: z.boolean(),
        registrationTimeoutMinutes: z
            .number()
            .int()
            .min(1, { error: "must be between 1 and 180" })
            .max(180, { error: "must be between 1 and 180" }),
        workbooksEnabled: z.boolean(),
        savedQueriesEnabled: z.boolean(),
        dashboardEnabled: z.boolean(),
        dashboardName: z.string().refine((s) => s === "" || DASHBOARD_NAME.test(s), { error: "must be 3-24 letters, digits or hyphens" }),
        alertsEnabled: z.boolean(),
        alertReceivers: z.array(z.string()),
        alertSecretReceivers: z.array(z.string()),
        alertOncallMaxSeverity: z.number().int(),
        alertTeamShortName: z.string(),
        alertOncallShortName: z.string(),
        alertApps: z.array(z.string()),
        alertSilentApps: z.array(z.string()),
        alertOverrides: z.array(z.string()),
        tags: z
            .array(
                z.string().regex(/^[^<>%&\\?/=]{1,512}=.{0,256}$/, {
                    error: "must be name=value with a name of at most 512 characters without < > % & \\ ? / and a value of at most 256",
                }),
            )
            .max(50, { error: "must have at most 50 entries" })
            .superRefine((tags, ctx) => {
                const first = new Map<string, number>();
                tags.forEach((tag, i) => {
                    const earlier = first.get(tagName(tag));
                    if (earlier !== undefined) {
                        ctx.addIssue({
                            code: "custom",
                            path: [i],
                            message: `names the same tag as tags[${earlier}]: Azure tag names ignore case, so one value would replace the other`,
                        });
                    } else {
                        first.set(tagName(tag), i);
                    }
                });
            }),
    });
}

/** Pulumi.yaml's `requiredPulumiVersion`: the oldest Pulumi CLI the program works with, as a version range. */
export function requiredPulumiVersion(projectFile = path.join(__dirname, "..", "Pulumi.yaml")): string {
    const project = yaml.load(fs.readFileSync(projectFile, "utf8")) as { requiredPulumiVersion?: unknown };
    return String(project.requiredPulumiVersion ?? "");
}

/** This project's declarations: Pulumi.yaml's `config:` block, with the credential settings marked secret. */
export function projectDeclarations(projectFile = path.join(__dirname, "..", "Pulumi.yaml")): Record<string, Declaration> {
    return withSecretKeys(projectConfigSchema(projectFile), SECRET_SETTINGS);
}

/**
 * Validates raw configuration (key → text, as Pulumi passes it) for a stack. Pure: tests call it
 * directly. `source` says which settings were secret or unreadable (see {@link ConfigSource}).
 * Throws {@link ConfigError} with one line for the first problem found.
 */
export function parseSettings(
    raw: Readonly<Record<string, string>>,
    stack: string,
    source: ConfigSource = {},
    declarations: Record<string, Declaration> = projectDeclarations(),
    cloud: AzureCloud = "AzureCloud",
): Settings {
    const c = validateSettings(raw, declarations, settingsSchema(cloud), source);
    checkWorkspaceChoice(c, declarations);
    checkDiagnosticSettingChoice(c);
    const existing = c.existingWorkspaceId === "" ? undefined : workspaceIdParts(c.existingWorkspaceId);
    const tableRetention = c.provisioningLogsRetentionInDays === -1 ? c.retentionInDays : c.provisioningLogsRetentionInDays;
    const totalRetention = c.provisioningLogsTotalRetentionInDays === -1 ? tableRetention : c.provisioningLogsTotalRetentionInDays;
    if (totalRetention < tableRetention) {
        throw new ConfigError(
            `\`provisioningLogsTotalRetentionInDays\` must be at least the table's interactive retention of ${tableRetention} days (got ${totalRetention})`,
        );
    }
    const derived = (key: keyof typeof NAME_RULES, prefix: string) => derivedName(c[key], prefix, stack, key, NAME_RULES[key]);
    let alerts: AlertSettings | undefined;
    try {
        alerts = c.alertsEnabled ? parseAlertSettings(c) : undefined;
    } catch (e) {
        throw e instanceof AlertConfigError ? new ConfigError(e.message) : e;
    }
    return {
        stack,
        tenantId: c.tenantId.toLowerCase(),
        subscriptionId: c.subscriptionId.toLowerCase(),
        location: c.location,
        resourceGroupName: derived("resourceGroupName", "rg-entra-provisioning-logs"),
        createResourceGroup: c.createResourceGroup,
        workspaceName: existing?.workspaceName ?? derived("workspaceName", "log-entra-provisioning"),
        retentionInDays: c.retentionInDays,
        provisioningLogsRetentionInDays: tableRetention,
        provisioningLogsTotalRetentionInDays: totalRetention,
        dailyQuotaGb: c.dailyQuotaGb === -1 ? undefined : c.dailyQuotaGb,
        disableLocalAuth: c.disableLocalAuth,
        protectData: c.protectData,
        allowRetentionDecrease: c.allowRetentionDecrease,
        diagnosticSettingName: c.adoptDiagnosticSetting || derived("diagnosticSettingName", "entra-provisioning-logs"),
        diagnosticLogCategories: c.diagnosticLogCategories.filter((cat) => cat !== PROVISIONING_LOGS_CATEGORY),
        existingWorkspaceId: existing ? c.existingWorkspaceId : undefined,
        manageExistingWorkspaceRetention: c.manageExistingWorkspaceRetention,
        adoptDiagnosticSetting: c.adoptDiagnosticSetting !== "",
        diagnosticSettingDestinations: Object.fromEntries(
            c.diagnosticSettingDestinations.map((d) => [entryName(d), d.slice(entryName(d).length + 1)]),
        ),
        existingProvisioningLogsSettings: c.existingProvisioningLogsSettings,
        allowDuplicateProvisioningLogs: c.allowDuplicateProvisioningLogs,
        registrationTimeoutMinutes: c.registrationTimeoutMinutes,
        workbooksEnabled: c.workbooksEnabled,
        savedQueriesEnabled: c.savedQueriesEnabled,
        dashboardName: c.dashboardEnabled ? derived("dashboardName", "provisioning") : undefined,
        alerts,
        tags: Object.fromEntries(c.tags.map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)])),
    };
}

type CheckedConfig = z.infer<ReturnType<typeof settingsSchema>>;

/**
 * A workspace the stack doesn't own is used as it is: settings that would configure it are
 * rejected, not ignored, and its AADProvisioningLogs retention changes only when
 * `manageExistingWorkspaceRetention` says so. The rule is the component's own
 * ({@link workspaceChoiceProblems}); this words its first problem for a stack file.
 */
function checkWorkspaceChoice(c: CheckedConfig, declarations: Readonly<Record<string, Declaration>>): void {
    // The Pulumi CLI hands the program every key of Pulumi.yaml, a default for each the stack doesn't set
    // (pulumi/pulumi pkg/workspace/config.go, mergeConfig): a program can't tell a default from a user's
    // identical value, so only a value other than the default is a setting that can't apply.
    const given = (key: keyof CheckedConfig) => !sameValue(c[key], declarations[key]?.default);
    const [problem] = workspaceChoiceProblems({
        existing: c.existingWorkspaceId !== "",
        manageExistingWorkspaceRetention: c.manageExistingWorkspaceRetention,
        given,
    });
    const name = workspaceIdParts(c.existingWorkspaceId)?.workspaceName;
    switch (problem?.kind) {
        case "manage-without-existing":
            throw new ConfigError(
                "`manageExistingWorkspaceRetention` applies only with existingWorkspaceId: this stack creates its own workspace and manages its retention anyway (got true)",
            );
        case "new-workspace-args": {
            const [key] = problem.args;
            throw new ConfigError(
                `\`${key}\` applies only to a workspace this stack creates, and existingWorkspaceId names ${name}, which the stack uses as it is: remove ${key} (got ${describe(c[key])})`,
            );
        }
        case "unowned-table-retention": {
            const [key] = problem.args;
            throw new ConfigError(
                `\`${key}\` would change the AADProvisioningLogs retention in ${name}, a workspace this stack doesn't own: ` +
                    `set manageExistingWorkspaceRetention true to do it on purpose, or remove ${key} (got ${describe(c[key])})`,
            );
        }
        case "manage-needs-retention":
            throw new ConfigError(
                "`provisioningLogsRetentionInDays` is required with manageExistingWorkspaceRetention: this stack doesn't know the retention of the existing workspace, so give the table's own, 4-730 days (got -1)",
            );
    }
}

/** Two settings' values are the same (typed values as parsed; lists element by element). */
function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * An adopted setting keeps its name, and a second setting sending ProvisioningLogs (ingested and
 * billed twice) is made only when allowed: `npm run discover` writes the settings that already
 * send them into `existingProvisioningLogsSettings`.
 */
function checkDiagnosticSettingChoice(c: CheckedConfig): void {
    const adopted = c.adoptDiagnosticSetting;
    if (adopted !== "" && c.diagnosticSettingName !== "" && c.diagnosticSettingName.toLowerCase() !== adopted.toLowerCase()) {
        throw new ConfigError(
            `\`diagnosticSettingName\` must be empty or the adopted setting's name, ${adopted}, while adoptDiagnosticSetting is set (got ${describe(c.diagnosticSettingName)})`,
        );
    }
    const other = c.existingProvisioningLogsSettings.find((n) => n.toLowerCase() !== adopted.toLowerCase());
    if (other !== undefined && !c.allowDuplicateProvisioningLogs) {
        throw new ConfigError(
            `\`existingProvisioningLogsSettings\` says ${other} already sends ProvisioningLogs, so a setting of this stack would bill them twice: ` +
                `adopt it (adoptDiagnosticSetting ${other}) or set allowDuplicateProvisioningLogs true (got ${describe(c.existingProvisioningLogsSettings)})`,
        );
    }
}

/**
 * A stack's settings from its whole config as a run sees it (qualified keys, which are secret, which
 * are unreadable): rejects keys outside the project's namespace that were meant for it, plain-text
 * credentials and unreadable required keys, then validates. Pure: the program passes what Pulumi
 * hands it, the offline tools what the stack file holds.
 */
export function settingsFromConfig(
    input: StackConfigInput,
    project: string,
    stack: string,
    env: Env = {},
    metadataClouds?: ProviderSettingsInput["metadataClouds"],
): Settings {
    const declarations = projectDeclarations();
    const { raw, source } = projectConfigFrom(input, project, Object.keys(declarations));
    // The provider's own keys, checked as the project's: the provider reads only the keys it knows.
    checkAzureNativeConfig(input.config, input.secretKeys, { tenantId: raw.tenantId, subscriptionId: raw.subscriptionId });
    return parseSettings(raw, stack, source, declarations, stackCloud(input, env, metadataClouds));
}

/** The cloud `location` must be a region of: the azure-native provider's (azure-native:environment, else ARM_ENVIRONMENT; components/azure/cloud.ts). */
function stackCloud(input: StackConfigInput, env: Env, metadataClouds?: ProviderSettingsInput["metadataClouds"]): AzureCloud {
    try {
        return chooseCloud({ config: input.config, env, unreadable: input.encryptedKeys, ...(metadataClouds ? { metadataClouds } : {}) });
    } catch (e) {
        throw new ConfigError((e as Error).message);
    }
}

/**
 * Reads this stack's configuration from the Pulumi runtime and validates it; `metadataClouds` is
 * what {@link discoverCloud} read from the provider's metadataHost, if it has one.
 */
export function loadSettings(metadataClouds?: ProviderSettingsInput["metadataClouds"]): Settings {
    return settingsFromConfig(runtimeConfig(), pulumi.getProject(), pulumi.getStack(), process.env, metadataClouds);
}

/** The component's inputs for a stack: the validated settings, named for the component. */
export function provisioningLoggingArgs(s: Settings): ProvisioningLoggingArgs {
    return {
        instanceName: s.stack,
        tenantId: s.tenantId,
        subscriptionId: s.subscriptionId,
        location: s.location,
        resourceGroupName: s.resourceGroupName,
        createResourceGroup: s.createResourceGroup,
        // An existing workspace is used as it is: only its ID goes to the component, and the table's
        // retention only when the stack manages it.
        ...(s.existingWorkspaceId === undefined
            ? {
                  workspaceName: s.workspaceName,
                  retentionInDays: s.retentionInDays,
                  provisioningLogsRetentionInDays: s.provisioningLogsRetentionInDays,
                  provisioningLogsTotalRetentionInDays: s.provisioningLogsTotalRetentionInDays,
                  dailyQuotaGb: s.dailyQuotaGb,
                  disableLocalAuth: s.disableLocalAuth,
              }
            : {
                  existingWorkspaceId: s.existingWorkspaceId,
                  ...(s.manageExistingWorkspaceRetention
                      ? {
                            manageExistingWorkspaceRetention: true,
                            provisioningLogsRetentionInDays: s.provisioningLogsRetentionInDays,
                            provisioningLogsTotalRetentionInDays: s.provisioningLogsTotalRetentionInDays,
                        }
                      : {}),
              }),
        protectData: s.protectData,
        allowRetentionDecrease: s.allowRetentionDecrease,
        diagnosticSettingName: s.diagnosticSettingName,
        diagnosticLogCategories: s.diagnosticLogCategories,
        ...(s.adoptDiagnosticSetting ? { adoptDiagnosticSetting: true } : {}),
        ...(Object.keys(s.diagnosticSettingDestinations).length > 0
            ? { diagnosticSettingDestinations: s.diagnosticSettingDestinations }
            : {}),
        registrationTimeoutMinutes: s.registrationTimeoutMinutes,
        workbooksEnabled: s.workbooksEnabled,
        savedQueriesEnabled: s.savedQueriesEnabled,
        dashboardName: s.dashboardName,
        alerts: s.alerts,
        tags: s.tags,
    };
}
