import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { AlertSettings, Receivers, RuleSettings } from "../program/alertSettings";
import { KqlParameter, loadQueryWith } from "../program/queries";
import { ALERT_CATALOG, ALERT_RULE_IDS, AlertDefinition, AlertRuleId } from "../program/alertCatalog";

/** Entra admin center's provisioning logs, linked from every alert. */
export const PROVISIONING_LOGS_BLADE = "https://portal.azure.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/ProvisioningEvents";

/** The app-silent rule looks back two days: the longest query time range a log search alert allows. */
const SILENT_LOOKBACK = "P2D";

/** Inputs of {@link ProvisioningAlerts}. */
export interface ProvisioningAlertsArgs {
    /** Required. Validated alert settings (rules, receivers, routing). */
    readonly settings: AlertSettings;
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
    /** Optional. Tags for every resource. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A rule the stack does not deploy, and why; the plan shows these. */
export interface SkippedRule {
    readonly rule: AlertRuleId;
    readonly reason: string;
}

/** Why a rule is not deployed, or undefined when it is. */
export function skipReason(id: AlertRuleId, rule: RuleSettings, args: Pick<ProvisioningAlertsArgs, "auditLogsEnabled" | "dailyCapEnabled">): string | undefined {
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

/** The values the program sets in each rule's query file. */
function queryParameters(id: AlertRuleId, rule: RuleSettings, settings: AlertSettings): Record<string, KqlParameter> {
    switch (id) {
        case "failureSpike":
            return { Apps: settings.apps };
        case "disableDeleteSpike":
            return { Apps: settings.apps, MinRatio: rule.ratio ?? 0 };
        case "appSilent":
            return { WatchedApps: settings.silentApps, MinBaselineEvents: rule.minBaselineEvents ?? 20, Lookback: { timespan: "2d" } };
        default:
            return {};
    }
}

function describeThreshold(def: AlertDefinition, rule: RuleSettings): string {
    const what = def.measure ?? "matching applications";
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
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        const s = args.settings;

        const group = (suffix: string, shortName: string, receivers: Receivers) =>
            new monitor.ActionGroup(
                `${name}-${suffix}`,
                {
                    actionGroupName: `ag-${args.namePrefix}-${suffix}`,
                    groupShortName: shortName,
                    resourceGroupName: args.resourceGroupName,
                    location: "Global",
                    enabled: true,
                    emailReceivers: receivers.emails.map((emailAddress, i) => ({ name: `email-${i + 1}`, emailAddress, useCommonAlertSchema: true })),
                    smsReceivers: receivers.sms.map((r, i) => ({ name: `sms-${i + 1}`, ...r })),
                    armRoleReceivers: receivers.armRoles.map((r, i) => ({ name: `role-${i + 1}`, roleId: r.roleId, useCommonAlertSchema: true })),
                    // Webhook and Logic App URLs carry credentials: secrets in state, never plain text.
                    webhookReceivers: receivers.webhooks.map((w, i) => ({
                        name: `webhook-${i + 1}`,
                        serviceUri: pulumi.secret(w.uri),
                        useCommonAlertSchema: true,
                        ...(w.aad ? { useAadAuth: true, objectId: w.aad.objectId, identifierUri: w.aad.identifierUri } : {}),
                    })),
                    logicAppReceivers: receivers.logicApps.map((l, i) => ({
                        name: `logicapp-${i + 1}`,
                        resourceId: l.resourceId,
                        callbackUrl: pulumi.secret(l.callbackUrl),
                        useCommonAlertSchema: true,
                    })),
                    tags: args.tags,
                },
                // Secret in state too: the engine encrypts these lists wherever they are stored.
                { ...childOpts, additionalSecretOutputs: ["webhookReceivers", "logicAppReceivers"] },
            );
        this.teamGroup = group("team", s.teamShortName, s.team);
        const oncallCount = s.oncall.emails.length + s.oncall.sms.length + s.oncall.armRoles.length + s.oncall.webhooks.length + s.oncall.logicApps.length;
        this.oncallGroup = oncallCount > 0 ? group("oncall", s.oncallShortName, s.oncall) : undefined;

        const skipped: SkippedRule[] = [];
        this.rules = {};
        for (const id of ALERT_RULE_IDS) {
            const def = ALERT_CATALOG[id];
            const rule = s.rules[id];
            const reason = skipReason(id, rule, args);
            if (reason) {
                skipped.push({ rule: id, reason });
                continue;
            }
            const groups = [this.teamGroup.id, ...(this.oncallGroup && rule.severity <= s.oncallMaxSeverity ? [this.oncallGroup.id] : [])];
            const threshold = describeThreshold(def, rule);
            this.rules[id] = new monitor.ScheduledQueryRule(
                `${name}-${def.slug}`,
                {
                    ruleName: `${args.namePrefix}-${def.slug}`,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    kind: "LogAlert",
                    displayName: def.title,
                    description: `${def.title}: ${threshold}. ${def.runbook}`,
                    enabled: true,
                    severity: rule.severity,
                    scopes: [args.workspaceId],
                    evaluationFrequency: rule.frequency,
                    windowSize: rule.window,
                    ...(id === "appSilent" ? { overrideQueryTimeRange: SILENT_LOOKBACK } : {}),
                    autoMitigate: rule.autoMitigate,
                    ...(rule.mute ? { muteActionsDuration: rule.mute } : {}),
                    // The queries carry an empty typed leg, so ARM can validate them on an empty workspace.
                    skipQueryValidation: false,
                    criteria: {
                        allOf: [
                            {
                                query: loadQueryWith(def.query, queryParameters(id, rule, s)),
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
                            provisioningLogs: PROVISIONING_LOGS_BLADE,
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
