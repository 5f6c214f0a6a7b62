import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN, PROVISIONING_LOGS_CATEGORY } from "entra-provisioning-logs-policies/armFacts";
import { z } from "zod";
import type { ProvisioningLoggingArgs } from "../components/provisioningLogging";
import { AlertConfigError, AlertSettings, parseAlertSettings } from "./alertSettings";
import { ConfigError, Declaration, derivedName, projectConfigSchema, readProjectConfig, validateSettings } from "./settingsValidation";

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
    /** Stack name; derived names end with it. */
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
    readonly diagnosticSettingName: string;
    /** Extra categories besides ProvisioningLogs, in the order given. */
    readonly diagnosticLogCategories: readonly string[];
    readonly registrationTimeoutMinutes: number;
    readonly workbooksEnabled: boolean;
    readonly savedQueriesEnabled: boolean;
    /** The dashboard's name; undefined when `dashboardEnabled` is false. */
    readonly dashboardName: string | undefined;
    /** Alert rules and receivers; undefined when `alertsEnabled` is false. */
    readonly alerts: AlertSettings | undefined;
    readonly tags: Readonly<Record<string, string>>;
}

// Name rules, used for given names and for names derived from the stack alike.
const RESOURCE_GROUP_NAME = /^[-\w.()]{1,90}$/;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const SETTING_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$/;
const DASHBOARD_NAME = /^[a-zA-Z0-9-]{3,24}$/;

const guid = z.string().regex(GUID_PATTERN, { error: "must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47" });
const wholeDays = (min: number, max: number) =>
    z.number().int().refine((n) => n === -1 || (n >= min && n <= max), { error: `must be -1 or between ${min} and ${max}` });

const schema = z.strictObject({
    tenantId: guid,
    subscriptionId: guid,
    location: z
        .string()
        .regex(/^[a-z][a-z0-9]*$/, { error: "must be an Azure region name in lower case without spaces, like westeurope" }),
    resourceGroupName: z.string().refine((s) => s === "" || (RESOURCE_GROUP_NAME.test(s) && !s.endsWith(".")), {
        error: "must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.'",
    }),
    createResourceGroup: z.boolean(),
    workspaceName: z.string().refine((s) => s === "" || WORKSPACE_NAME.test(s), {
        error: "must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit",
    }),
    retentionInDays: z.number().int().min(30, { error: "must be between 30 and 730" }).max(730, { error: "must be between 30 and 730" }),
    provisioningLogsRetentionInDays: wholeDays(4, 730),
    provisioningLogsTotalRetentionInDays: wholeDays(4, 4383).refine(
        (n) => n <= 730 || n > 4383 || (TOTAL_RETENTION_YEARS_DAYS as readonly number[]).includes(n),
        { error: `above 730 must be a whole number of years: one of ${TOTAL_RETENTION_YEARS_DAYS.join(", ")}` },
    ),
    dailyQuotaGb: z.number().int().refine((n) => n === -1 || n >= 1, { error: "must be -1 (no cap) or at least 1" }),
    disableLocalAuth: z.boolean(),
    protectData: z.boolean(),
    diagnosticSettingName: z.string().refine((s) => s === "" || SETTING_NAME.test(s), {
        error: "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
    }),
    diagnosticLogCategories: z
        .array(z.enum(ENTRA_LOG_CATEGORIES, { error: `must be one of ${ENTRA_LOG_CATEGORIES.join(", ")}` }))
        .refine((list) => new Set(list).size === list.length, { error: "must not list a category twice" }),
    registrationTimeoutMinutes: z.number().int().min(1, { error: "must be between 1 and 180" }).max(180, { error: "must be between 1 and 180" }),
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
        .max(50, { error: "must have at most 50 entries" }),
});

/**
 * Validates raw configuration (key → text, as Pulumi passes it) for a stack. Pure: tests call it
 * directly. Throws {@link ConfigError} with one line for the first problem found.
 */
export function parseSettings(
    raw: Readonly<Record<string, string>>,
    stack: string,
    declarations: Record<string, Declaration> = projectConfigSchema(path.join(__dirname, "..", "Pulumi.yaml")),
): Settings {
    const c = validateSettings(raw, declarations, schema);
    const tableRetention = c.provisioningLogsRetentionInDays === -1 ? c.retentionInDays : c.provisioningLogsRetentionInDays;
    const totalRetention = c.provisioningLogsTotalRetentionInDays === -1 ? tableRetention : c.provisioningLogsTotalRetentionInDays;
    if (totalRetention < tableRetention) {
        throw new ConfigError(
            `\`provisioningLogsTotalRetentionInDays\` must be at least the table's interactive retention of ${tableRetention} days (got ${totalRetention})`,
        );
    }
    const derived = (given: string, prefix: string, key: string, rule: RegExp) => derivedName(given, prefix, stack, key, rule);
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
        resourceGroupName: derived(c.resourceGroupName, "rg-entra-provisioning-logs", "resourceGroupName", RESOURCE_GROUP_NAME),
        createResourceGroup: c.createResourceGroup,
        workspaceName: derived(c.workspaceName, "log-entra-provisioning", "workspaceName", WORKSPACE_NAME),
        retentionInDays: c.retentionInDays,
        provisioningLogsRetentionInDays: tableRetention,
        provisioningLogsTotalRetentionInDays: totalRetention,
        dailyQuotaGb: c.dailyQuotaGb === -1 ? undefined : c.dailyQuotaGb,
        disableLocalAuth: c.disableLocalAuth,
        protectData: c.protectData,
        diagnosticSettingName: derived(c.diagnosticSettingName, "entra-provisioning-logs", "diagnosticSettingName", SETTING_NAME),
        diagnosticLogCategories: c.diagnosticLogCategories.filter((cat) => cat !== PROVISIONING_LOGS_CATEGORY),
        registrationTimeoutMinutes: c.registrationTimeoutMinutes,
        workbooksEnabled: c.workbooksEnabled,
        savedQueriesEnabled: c.savedQueriesEnabled,
        dashboardName: c.dashboardEnabled ? derived(c.dashboardName, "provisioning", "dashboardName", DASHBOARD_NAME) : undefined,
        alerts,
        tags: Object.fromEntries(c.tags.map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)])),
    };
}

/** Reads this stack's configuration from the Pulumi runtime and validates it. */
export function loadSettings(): Settings {
    return parseSettings(readProjectConfig(), pulumi.getStack());
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
        workspaceName: s.workspaceName,
        retentionInDays: s.retentionInDays,
        provisioningLogsRetentionInDays: s.provisioningLogsRetentionInDays,
        provisioningLogsTotalRetentionInDays: s.provisioningLogsTotalRetentionInDays,
        dailyQuotaGb: s.dailyQuotaGb,
        disableLocalAuth: s.disableLocalAuth,
        protectData: s.protectData,
        diagnosticSettingName: s.diagnosticSettingName,
        diagnosticLogCategories: s.diagnosticLogCategories,
        registrationTimeoutMinutes: s.registrationTimeoutMinutes,
        workbooksEnabled: s.workbooksEnabled,
        savedQueriesEnabled: s.savedQueriesEnabled,
        dashboardName: s.dashboardName,
        alerts: s.alerts,
        tags: s.tags,
    };
}
