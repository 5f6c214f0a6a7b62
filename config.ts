import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AlertConfigError, AlertSettings, parseAlertSettings } from "./alertConfig";

/**
 * The one place that reads `pulumi.Config`. Pulumi.yaml is the schema of record for keys, types and
 * defaults; this module adds the rules Azure enforces and returns one validated, typed object.
 */

/** Entra ID log categories a tenant diagnostic setting accepts (Entra admin center, Diagnostic settings). */
export const ENTRA_LOG_CATEGORIES = [
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
export const TOTAL_RETENTION_YEARS_DAYS = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383] as const;

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

/** A user error in stack configuration: one line naming the setting, the rule and the value. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

type DeclaredType = "string" | "integer" | "boolean" | "array";
interface Declaration {
    readonly type: DeclaredType;
    readonly default?: unknown;
}

/** The `config:` block of Pulumi.yaml: declared keys, their types and defaults. */
export function projectConfigSchema(projectFile = path.join(__dirname, "Pulumi.yaml")): Record<string, Declaration> {
    const project = yaml.load(fs.readFileSync(projectFile, "utf8")) as { config?: Record<string, Declaration> };
    return project.config ?? {};
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Name rules, used for given names and for names derived from the stack alike.
const RESOURCE_GROUP_NAME = /^[-\w.()]{1,90}$/;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const SETTING_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$/;
const DASHBOARD_NAME = /^[a-zA-Z0-9-]{3,24}$/;

function describe(value: unknown): string {
    return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

/** Turns the raw text Pulumi hands the program into the declared type, or says why it can't. */
function coerce(key: string, declared: Declaration, raw: string): unknown {
    switch (declared.type) {
        case "string":
            return raw;
        case "integer":
            if (!/^-?\d+$/.test(raw.trim())) {
                throw new ConfigError(`\`${key}\` must be a whole number (got ${describe(raw)})`);
            }
            return Number(raw);
        case "boolean":
            if (!/^(true|false)$/.test(raw.trim())) {
                throw new ConfigError(`\`${key}\` must be true or false (got ${describe(raw)})`);
            }
            return raw.trim() === "true";
        case "array": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                throw new ConfigError(`\`${key}\` must be a list (got ${describe(raw)})`);
            }
            if (!Array.isArray(parsed)) {
                throw new ConfigError(`\`${key}\` must be a list (got ${describe(parsed)})`);
            }
            return parsed;
        }
    }
}

const guid = z.string().regex(GUID, { error: "must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47" });
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

function valueAt(input: unknown, pathParts: readonly PropertyKey[]): unknown {
    return pathParts.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], input);
}

function settingName(pathParts: readonly PropertyKey[]): string {
    return pathParts.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), "");
}

/**
 * Validates raw configuration (key → text, as Pulumi passes it) for a stack. Pure: tests call it
 * directly. Throws {@link ConfigError} with one line for the first problem found.
 */
export function parseSettings(
    raw: Readonly<Record<string, string>>,
    stack: string,
    declarations: Record<string, Declaration> = projectConfigSchema(),
): Settings {
    for (const key of Object.keys(raw)) {
        if (!(key in declarations)) {
            const known = Object.keys(declarations).find((k) => k.toLowerCase() === key.toLowerCase());
            throw new ConfigError(
                `\`${key}\` is not a setting of this project${known ? ` (did you mean \`${known}\`?)` : ""}; the settings are listed in Pulumi.yaml`,
            );
        }
    }
    const typed: Record<string, unknown> = {};
    for (const [key, declared] of Object.entries(declarations)) {
        if (raw[key] !== undefined) {
            typed[key] = coerce(key, declared, raw[key]);
        } else if (declared.default !== undefined) {
            typed[key] = declared.default;
        } else {
            throw new ConfigError(`\`${key}\` is required: set it with \`pulumi config set ${key} <value>\``);
        }
    }

    const result = schema.safeParse(typed);
    if (!result.success) {
        const [first, ...rest] = result.error.issues;
        const hidden = first.path[0] === "alertSecretReceivers"; // secret settings are never echoed back
        const got = hidden ? "(value hidden)" : `(got ${describe(valueAt(typed, first.path))})`;
        const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
        throw new ConfigError(`\`${settingName(first.path)}\` ${first.message} ${got}${more}`);
    }
    const c = result.data;
    const tableRetention = c.provisioningLogsRetentionInDays === -1 ? c.retentionInDays : c.provisioningLogsRetentionInDays;
    const totalRetention = c.provisioningLogsTotalRetentionInDays === -1 ? tableRetention : c.provisioningLogsTotalRetentionInDays;
    if (totalRetention < tableRetention) {
        throw new ConfigError(
            `\`provisioningLogsTotalRetentionInDays\` must be at least the table's interactive retention of ${tableRetention} days (got ${totalRetention})`,
        );
    }
    const derived = (given: string, prefix: string, key: string, rule: RegExp) => {
        if (given !== "") {
            return given;
        }
        const name = `${prefix}-${stack}`;
        if (!rule.test(name)) {
            throw new ConfigError(`\`${key}\` derived from the stack name is not a valid name (got ${describe(name)}); set \`${key}\` explicitly`);
        }
        return name;
    };
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
        diagnosticLogCategories: c.diagnosticLogCategories.filter((cat) => cat !== "ProvisioningLogs"),
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
    const prefix = `${pulumi.getProject()}:`;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith(prefix)) {
            raw[key.slice(prefix.length)] = value;
        }
    }
    return parseSettings(raw, pulumi.getStack());
}
