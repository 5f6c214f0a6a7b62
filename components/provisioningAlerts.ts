import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import {
    ALERT_CATALOG,
    ALERT_RULE_IDS,
    type AlertDefinition,
    type AlertRuleId,
    type AlertRuleSettings,
    alertQuery,
    durationMinutes,
    resolveRules,
} from "./support/alertCatalog";
import { PUBLIC_PORTAL } from "./azure/cloud";

/** Entra ID's provisioning logs in the Azure portal `portalUrl`, linked from every alert. */
function provisioningLogsBlade(portalUrl: string): string {
    return `${portalUrl.replace(/\/+$/, "")}/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents`;
}

/** Who an action group notifies. Every list defaults to empty; each value may be another resource's output. */
export interface AlertReceivers {
    /** Email addresses. */
    readonly emails?: readonly pulumi.Input<string>[];
    /** Phone numbers for SMS, e.g. `{ countryCode: "1", phoneNumber: "4255550100" }`. */
    readonly sms?: ReadonlyArray<{ readonly countryCode: pulumi.Input<string>; readonly phoneNumber: pulumi.Input<string> }>;
    /** Azure roles whose members on the subscription are emailed, by role definition GUID. */
    readonly armRoles?: ReadonlyArray<{ readonly role?: string; readonly roleId: pulumi.Input<string> }>;
    /** HTTPS webhooks, optionally with Entra ID authentication. URIs are credentials: passed on as secrets. */
    readonly webhooks?: ReadonlyArray<{
        readonly uri: pulumi.Input<string>;
        readonly aad?: { readonly objectId: pulumi.Input<string>; readonly identifierUri: pulumi.Input<string> };
    }>;
    /** Logic Apps by resource ID and callback URL (a credential: passed on as a secret). */
    readonly logicApps?: ReadonlyArray<{ readonly resourceId: pulumi.Input<string>; readonly callbackUrl: pulumi.Input<string> }>;
}

/** What the alerts watch and whom they notify: the part of {@link ProvisioningAlertsArgs} a user chooses. */
export interface ProvisioningAlertOptions {
    /** Optional. Per-rule changes to the catalog's defaults (severity, threshold, frequency, window…). Defaults to none. */
    readonly rules?: Partial<Record<AlertRuleId, Partial<AlertRuleSettings>>>;
    /** Optional. Application names or job IDs the failure and disable/delete rules watch. Defaults to all. */
    readonly apps?: readonly string[];
    /** Optional. App names or job IDs the app-silent rule always watches, busy or not, even when silent since before it was deployed. Defaults to none. */
    readonly silentApps?: readonly string[];
    /** Required. The team action group's receivers; every alert goes to them. At least one. */
    readonly team: AlertReceivers;
    /** Optional. The oncall action group's receivers, for severe alerts. Defaults to none (no oncall group). */
    readonly oncall?: AlertReceivers;
    /** Optional. Alerts of this severity or more severe (lower) also go to oncall. Defaults to 1. */
    readonly oncallMaxSeverity?: number;
    /** Optional. The team group's short name, at most 12 characters. Defaults to `ProvTeam`. */
    readonly teamShortName?: string;
    /** Optional. The oncall group's short name, at most 12 characters. Defaults to `ProvOncall`. */
    readonly oncallShortName?: string;
    /**
     * Optional. Resource IDs of action groups made elsewhere (a central SOC group, another stack's
     * output) that every alert also notifies, besides the team group. Defaults to none.
     */
    readonly actionGroupIds?: readonly pulumi.Input<string>[];
}

/** Inputs of {@link ProvisioningAlerts}. */
export interface ProvisioningAlertsArgs extends ProvisioningAlertOptions {
    /** Required. Prefix of the Azure names of rules and action groups, e.g. `entra-provisioning-prod`. */
    readonly namePrefix: string;
    /** Required. Resource group for the rules and action groups. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Required. Region of the workspace; log search alerts live beside it. */
    readonly location: pulumi.Input<string>;
    /** Required. ARM ID of the workspace the rules query. */
    readonly workspaceId: pulumi.Input<string>;
    /** Required. Whether the diagnostic setting sends AuditLogs (the quarantine rule needs them). */
    readonly auditLogsEnabled: boolean;
    /** Required. Whether the workspace has a daily cap (the logs-at-risk rule watches it). */
    readonly dailyCapEnabled: boolean;
    /** Optional. Portal link to the workspace's Logs blade, added to every alert. */
    readonly logsPortalUrl?: pulumi.Input<string>;
    /** Optional. Portal link to the provisioning overview workbook, added to every alert. */
    readonly workbookUrl?: pulumi.Input<string>;
    /**
     * Optional. The Azure portal of the cloud the workspace is in, for the provisioning logs link in
     * every alert: `https://portal.azure.us` in Azure Government, `https://portal.azure.cn` in Azure
     * China (components/azure/cloud.ts). Defaults to `https://portal.azure.com`, the public cloud's.
     */
    readonly portalUrl?: string;
    /** Optional. Tags for every resource. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** An action group's short name as Azure takes it: 1-12 characters, no space at either end. */
export const SHORT_NAME = /^\S(.{0,10}\S)?$/;

/**
 * Why the alert options can't make working action groups, or undefined when they can: the team group
 * needs a receiver (an alert that notifies no one monitors nothing), short names fit Azure's 12
 * characters, and the oncall severity is one of Azure's 0-4.
 */
export function alertOptionsProblem(options: ProvisioningAlertOptions): string | undefined {
    if (receiverCount(options.team) === 0) {
        return "team needs at least one receiver (emails, sms, armRoles, webhooks or logicApps): an alert that notifies no one monitors nothing";
    }
    for (const [key, value] of [
        ["teamShortName", options.teamShortName],
        ["oncallShortName", options.oncallShortName],
    ] as const) {
        if (value !== undefined && !SHORT_NAME.test(value)) {
            return `${key} must be 1-12 characters without a space at either end, as Azure takes action group short names (got "${value}")`;
        }
    }
    const severity = options.oncallMaxSeverity;
    if (severity !== undefined && !(Number.isInteger(severity) && severity >= 0 && severity <= 4)) {
        return `oncallMaxSeverity must be an alert severity, 0-4 (got ${severity})`;
    }
    return undefined;
}

/** A rule the stack does not deploy, and why; the plan shows these. */
export interface SkippedRule {
    readonly rule: AlertRuleId;
    readonly reason: string;
}

/** Why a rule is not deployed, or undefined when it is. */
export function skipReason(
    id: AlertRuleId,
    rule: AlertRuleSettings,
    args: Pick<ProvisioningAlertsArgs, "auditLogsEnabled" | "dailyCapEnabled">,
): string | undefined {
    if (!rule.enabled) {
        return "disabled by alertOverrides";
    }
    if (id === "quarantine" && !args.auditLogsEnabled) {
        return "quarantine is only logged in AuditLogs: add AuditLogs to diagnosticLogCategories";
    }
    if (id === "logsAtRisk" && !args.dailyCapEnabled) {
        return "the workspace has no daily cap (dailyQuotaGb), so logs can't be dropped by one";
    }
    return undefined;
}

/** overrideQueryTimeRange, only where the query needs more than window × periods (ARM's default range). */
function overrideQueryTimeRange(def: AlertDefinition, rule: AlertRuleSettings): string | undefined {
    return def.queryRange && durationMinutes(def.queryRange) > durationMinutes(rule.window) * rule.periods ? def.queryRange : undefined;
}

function describeThreshold(def: AlertDefinition, rule: AlertRuleSettings): string {
    const what = def.measure ?? def.rows ?? "result rows";
    const op = { GreaterThan: ">", GreaterThanOrEqual: "≥", LessThan: "<", LessThanOrEqual: "≤" }[rule.operator];
    return `${what} ${op} ${rule.threshold} in ${rule.window}, evaluated every ${rule.frequency}`;
}

/**
 * Log search alert rules over the workspace for every provisioning application of the tenant
 * (split by application, so the number of rules never grows with apps), and the action groups
 * they notify: every alert goes to the team group; severe ones also to the oncall group.
 */
export class ProvisioningAlerts extends pulumi.ComponentResource {
    /** The team action group (every alert). */
    public readonly teamGroup: monitor.ActionGroup;
    /** The oncall action group, when oncall receivers are configured. */
    public readonly oncallGroup?: monitor.ActionGroup;
    /** The deployed rules by id. */
    public readonly rules: Partial<Record<AlertRuleId, monitor.ScheduledQueryRule>>;
    /** Rules not deployed, and why. */
    public readonly skipped: readonly SkippedRule[];

    constructor(name: string, args: ProvisioningAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:ProvisioningAlerts", name, {}, opts);
        const problem = alertOptionsProblem(args);
        if (problem) {
            throw new Error(`ProvisioningAlerts ${name}: ${problem}`);
        }
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        const rules = resolveRules(args.rules);
        const oncallMaxSeverity = args.oncallMaxSeverity ?? 1;
        const group = (suffix: string, shortName: string, receivers: AlertReceivers) =>
            new monitor.ActionGroup(
                `${name}-${suffix}`,
                actionGroupArgs(`ag-${args.namePrefix}-${suffix}`, shortName, receivers, args),
                // Secret in state too: the engine encrypts these lists wherever they are stored.
                { ...childOpts, additionalSecretOutputs: ["webhookReceivers", "logicAppReceivers"] },
            );
        this.teamGroup = group("team", args.teamShortName ?? "ProvTeam", args.team);
        this.oncallGroup =
            args.oncall && receiverCount(args.oncall) > 0 ? group("oncall", args.oncallShortName ?? "ProvOncall", args.oncall) : undefined;

        const skipped: SkippedRule[] = [];
        this.rules = {};
        for (const id of ALERT_RULE_IDS) {
            const def = ALERT_CATALOG[id];
            const rule = rules[id];
            const reason = skipReason(id, rule, args);
            if (reason) {
                skipped.push({ rule: id, reason });
                continue;
            }
            const groups = [
                this.teamGroup.id,
                ...(this.oncallGroup && rule.severity <= oncallMaxSeverity ? [this.oncallGroup.id] : []),
                ...(args.actionGroupIds ?? []),
            ];
            const threshold = describeThreshold(def, rule);
            const queryRange = overrideQueryTimeRange(def, rule);
            this.rules[id] = new monitor.ScheduledQueryRule(
                `${name}-${def.slug}`,
                {
                    ruleName: `${args.namePrefix}-${def.slug}`,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    kind: "LogAlert",
                    displayName: def.title,
                    description: `${def.title}: ${threshold}. ${def.runbook} ${resolution(def, rule)}`,
                    enabled: true,
                    severity: rule.severity,
                    scopes: [args.workspaceId],
                    evaluationFrequency: rule.frequency,
                    windowSize: rule.window,
                    ...(queryRange ? { overrideQueryTimeRange: queryRange } : {}),
                    autoMitigate: rule.autoMitigate,
                    ...(rule.mute ? { muteActionsDuration: rule.mute } : {}),
                    // Rules on Entra's tables skip ARM's query validation: validation rejects a rule on a
                    // built-in table the workspace can't resolve yet ("Failed to resolve table or column
                    // expression", SEM0100: CDCgov/prime-reportstream#11773, MicrosoftDocs/azure-docs#88175),
                    // and Microsoft keeps this flag "so that a rule can be deployed before a table exists"
                    // (Azure/azure-rest-api-specs#32650). The queries start with their table instead of a
                    // `union isfuzzy` that would validate, as Learn supports no `union` in alert rules
                    // (learn.microsoft.com/azure/azure-monitor/alerts/alerts-log-query). What ARM no longer
                    // checks, `npm run check:kql` does; docs/alerts.md says what happens while a table is missing.
                    skipQueryValidation: def.skipQueryValidation,
                    criteria: {
                        allOf: [
                            {
                                query: alertQuery(id, rule, args),
                                timeAggregation: def.measure ? "Total" : "Count",
                                ...(def.measure ? { metricMeasureColumn: def.measure } : {}),
                                operator: rule.operator,
                                threshold: rule.threshold,
                                dimensions: def.dimensions.map((d) => ({ name: d, operator: "Include", values: ["*"] })),
                                failingPeriods: { numberOfEvaluationPeriods: rule.periods, minFailingPeriodsToAlert: rule.failingPeriods },
                            },
                        ],
                    },
                    actions: {
                        actionGroups: groups,
                        customProperties: {
                            rule: id,
                            threshold,
                            whatToDo: def.runbook,
                            resolves: resolution(def, rule),
                            provisioningLogs: provisioningLogsBlade(args.portalUrl ?? PUBLIC_PORTAL),
                            ...(args.logsPortalUrl ? { workspaceLogs: args.logsPortalUrl } : {}),
                            ...(args.workbookUrl ? { workbook: args.workbookUrl } : {}),
                        },
                    },
                    tags: args.tags,
                },
                childOpts,
            );
        }
        this.skipped = skipped;
        this.registerOutputs({ teamGroup: this.teamGroup, oncallGroup: this.oncallGroup, rules: this.rules, skipped });
    }
}

/**
 * How the alert ends: the catalog's words for its default; when a stack overrides autoMitigate, what
 * that override means instead.
 */
function resolution(def: AlertDefinition, rule: AlertRuleSettings): string {
    if (rule.autoMitigate === def.defaults.autoMitigate) {
        return def.resolves;
    }
    return rule.autoMitigate
        ? "Resolves by itself once an evaluation no longer sees the condition (autoMitigate set by alertOverrides)."
        : "Fires at every evaluation while the condition holds and does not resolve by itself: close it by hand (autoMitigate off by alertOverrides).";
}

/** How many receivers a group has. */
export function receiverCount(r: AlertReceivers): number {
    return (
        (r.emails?.length ?? 0) + (r.sms?.length ?? 0) + (r.armRoles?.length ?? 0) + (r.webhooks?.length ?? 0) + (r.logicApps?.length ?? 0)
    );
}

/** An action group's inputs: numbered receivers, every one on the common alert schema. */
function actionGroupArgs(
    actionGroupName: string,
    groupShortName: string,
    r: AlertReceivers,
    args: ProvisioningAlertsArgs,
): monitor.ActionGroupArgs {
    return {
        actionGroupName,
        groupShortName,
        resourceGroupName: args.resourceGroupName,
        location: "Global",
        enabled: true,
        emailReceivers: (r.emails ?? []).map((emailAddress, i) => ({ name: `email-${i + 1}`, emailAddress, useCommonAlertSchema: true })),
        smsReceivers: (r.sms ?? []).map((x, i) => ({ name: `sms-${i + 1}`, countryCode: x.countryCode, phoneNumber: x.phoneNumber })),
        armRoleReceivers: (r.armRoles ?? []).map((x, i) => ({ name: `role-${i + 1}`, roleId: x.roleId, useCommonAlertSchema: true })),
        // Webhook and Logic App URLs carry credentials: secrets in state, never plain text.
        webhookReceivers: (r.webhooks ?? []).map((w, i) => ({
            name: `webhook-${i + 1}`,
            serviceUri: pulumi.secret(w.uri),
            useCommonAlertSchema: true,
            ...(w.aad ? { useAadAuth: true, objectId: w.aad.objectId, identifierUri: w.aad.identifierUri } : {}),
        })),
        logicAppReceivers: (r.logicApps ?? []).map((l, i) => ({
            name: `logicapp-${i + 1}`,
            resourceId: l.resourceId,
            callbackUrl: pulumi.secret(l.callbackUrl),
            useCommonAlertSchema: true,
        })),
        tags: args.tags,
    };
}
