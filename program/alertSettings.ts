import {
    ALERT_FREQUENCIES,
    ALERT_OPERATORS,
    ALERT_RULE_IDS,
    ALERT_WINDOWS,
    type AlertOperator,
    type AlertRuleId,
    type AlertRuleSettings,
    ALERT_CATALOG,
    ARM_ROLE_IDS,
    durationMinutes,
    resolveRules,
} from "../components/support/alertCatalog";
import { ONE_MINUTE_REASON, oneMinuteBlockers } from "../components/azure/armFacts";
import { loadQuery } from "../components/support/queries";
import { type AlertReceivers, type ProvisioningAlertOptions, receiverCount, SHORT_NAME } from "../components/provisioningAlerts";
import { cut, describe } from "./settingsValidation";

/**
 * Validation of the alert settings: ARM's rules for log search alerts and action groups, checked
 * here so a bad stack fails in the plan, not half-way through `pulumi up`. config.ts calls it with
 * typed values and throws its one-line message as a ConfigError. Pure but for one read: a rule set to
 * a one-minute frequency has its query file read, to see what Azure can't run every minute.
 */

/** Where alerts go, every kind listed. */
export type Receivers = Required<AlertReceivers>;

/** The stack's alert settings, resolved: what {@link ProvisioningAlertOptions} allows, with nothing left to default. */
export interface AlertSettings extends ProvisioningAlertOptions {
    readonly rules: Readonly<Record<AlertRuleId, AlertRuleSettings>>;
    readonly apps: readonly string[];
    readonly silentApps: readonly string[];
    readonly team: Receivers;
    readonly oncall: Receivers;
    readonly oncallMaxSeverity: number;
    readonly teamShortName: string;
    readonly oncallShortName: string;
}

/** The raw (typed) alert keys of the stack. */
export interface RawAlertConfig {
    readonly alertReceivers: readonly string[];
    readonly alertSecretReceivers: readonly string[];
    readonly alertOncallMaxSeverity: number;
    readonly alertTeamShortName: string;
    readonly alertOncallShortName: string;
    readonly alertApps: readonly string[];
    readonly alertSilentApps: readonly string[];
    readonly alertOverrides: readonly string[];
}

/** Thrown with one line naming the setting, the rule and the value. */
export class AlertConfigError extends Error {}

/** A value as messages echo it: quoted, cut to a readable length. */
const quoted = (s: string) => describe(s);

function fail(message: string): never {
    throw new AlertConfigError(message);
}

function emptyReceivers(): {
    emails: string[];
    sms: Receivers["sms"][number][];
    armRoles: Receivers["armRoles"][number][];
    webhooks: Receivers["webhooks"][number][];
    logicApps: Receivers["logicApps"][number][];
} {
    return { emails: [], sms: [], armRoles: [], webhooks: [], logicApps: [] };
}

function parseReceivers(raw: RawAlertConfig): { team: Receivers; oncall: Receivers } {
    const groups = { team: emptyReceivers(), oncall: emptyReceivers() };
    const entries = [
        ...raw.alertReceivers.map((text, i) => ({ key: `alertReceivers[${i}]`, text, secret: false })),
        ...raw.alertSecretReceivers.map((text, i) => ({ key: `alertSecretReceivers[${i}]`, text, secret: true })),
    ];
    // Where each receiver was first given, by group, kind and address: a repeat would notify twice or be merged away.
    const seen = new Map<string, string>();
    for (const { key, text, secret } of entries) {
        const words = text.trim().split(/\s+/);
        const groupName = words[0] === "oncall" ? "oncall" : "team";
        const group = groups[groupName];
        if (words[0] === "oncall") {
            words.shift();
        }
        const [kind, ...rest] = words;
        // A secret entry is never echoed back: its value is a credential.
        const shown = secret ? "(value hidden)" : `(got ${quoted(text)})`;
        const once = (address: string) => {
            const id = `${groupName} ${kind} ${address}`;
            const first = seen.get(id);
            if (first !== undefined) {
                fail(`\`${key}\` repeats ${first}: the ${groupName} group already has this ${kind} receiver ${shown}`);
            }
            seen.set(id, key);
        };
        switch (kind) {
            case "email":
                if (rest.length !== 1 || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(rest[0])) {
                    fail(`\`${key}\` must be "email <address>" ${shown}`);
                }
                once(rest[0].toLowerCase());
                group.emails.push(rest[0]);
                break;
            case "sms":
                if (rest.length !== 2 || !/^\+?\d{1,3}$/.test(rest[0]) || !/^\d{4,15}$/.test(rest[1])) {
                    fail(`\`${key}\` must be "sms <country code> <number>", digits only, e.g. "sms 1 4255550100" ${shown}`);
                }
                once(`${rest[0].replace(/^\+/, "")} ${rest[1]}`);
                group.sms.push({ countryCode: rest[0].replace(/^\+/, ""), phoneNumber: rest[1] });
                break;
            case "armrole": {
                const role = rest.join(" ");
                if (!(role in ARM_ROLE_IDS)) {
                    fail(`\`${key}\` role must be one of ${Object.keys(ARM_ROLE_IDS).join(", ")} ${shown}`);
                }
                once(role);
                group.armRoles.push({ role, roleId: ARM_ROLE_IDS[role] });
                break;
            }
            case "webhook":
            case "logicapp":
                if (!secret) {
                    fail(
                        `\`${key}\` is a ${kind}: its URL is a credential, so put it in alertSecretReceivers ` +
                            `(pulumi config set --secret --path 'alertSecretReceivers[0]' '${kind} …')`,
                    );
                }
                if (kind === "webhook") {
                    const [uri, aadWord, objectId, identifierUri, ...extra] = rest;
                    if (
                        !uri ||
                        !/^https:\/\/\S+$/.test(uri) ||
                        extra.length > 0 ||
                        (aadWord !== undefined && (aadWord !== "aad" || !objectId || !identifierUri))
                    ) {
                        fail(`\`${key}\` must be "webhook <https url> [aad <object id> <identifier uri>]" ${shown}`);
                    }
                    once(uri);
                    group.webhooks.push(aadWord ? { uri, aad: { objectId, identifierUri } } : { uri });
                } else {
                    const [resourceId, callbackUrl, ...extra] = rest;
                    if (
                        !resourceId?.startsWith("/subscriptions/") ||
                        !callbackUrl ||
                        !/^https:\/\/\S+$/.test(callbackUrl) ||
                        extra.length > 0
                    ) {
                        fail(`\`${key}\` must be "logicapp <resource id> <https callback url>" ${shown}`);
                    }
                    once(resourceId.toLowerCase());
                    group.logicApps.push({ resourceId, callbackUrl });
                }
                break;
            default:
                fail(`\`${key}\` kind must be one of email, sms, armrole${secret ? ", webhook, logicapp" : ""} ${shown}`);
        }
    }
    return groups;
}

/**
 * Applies one `<rule>.<setting>=<value>` override. `assigned` records which entry set each
 * rule setting: a second one would silently win over the first.
 */
function applyOverride(
    rules: Record<AlertRuleId, AlertRuleSettings>,
    assigned: Map<string, string>,
    key: string,
    text: string,
    queriesDir?: string,
): void {
    const m = /^([A-Za-z]+)\.([A-Za-z]+)=(.+)$/.exec(text.trim());
    if (!m) {
        fail(`\`${key}\` must be <rule>.<setting>=<value>, e.g. failureSpike.threshold=20 (got ${quoted(text)})`);
    }
    const [, ruleName, setting, value] = m;
    const first = assigned.get(`${ruleName}.${setting}`);
    if (first !== undefined) {
        fail(`\`${key}\` sets ${ruleName}.${setting} again, after ${first}: set each rule setting once (got ${quoted(text)})`);
    }
    assigned.set(`${ruleName}.${setting}`, key);
    if (!(ALERT_RULE_IDS as readonly string[]).includes(ruleName)) {
        fail(`\`${key}\` names an unknown rule ${quoted(ruleName)}; the rules are ${ALERT_RULE_IDS.join(", ")}`);
    }
    const rule = ruleName as AlertRuleId;
    // The setting's name is echoed inside the sentence: cut shorter than a value, so the line stays readable.
    const bad: (rule_: string) => never = (rule_) => fail(`\`${key}\` ${rule}.${cut(setting, 40)} ${rule_} (got ${quoted(value)})`);
    const integer = (min: number, max: number) =>
        /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max
            ? Number(value)
            : bad(`must be a whole number from ${min} to ${max}`);
    const boolean = () => (value === "true" ? true : value === "false" ? false : bad("must be true or false"));
    const current = rules[rule];
    let next: AlertRuleSettings;
    switch (setting) {
        case "enabled":
            next = { ...current, enabled: boolean() };
            break;
        case "severity":
            next = { ...current, severity: integer(0, 4) };
            break;
        case "operator":
            if (!(ALERT_OPERATORS as readonly string[]).includes(value)) {
                bad(`must be one of ${ALERT_OPERATORS.join(", ")} (equality is rejected by Azure)`);
            }
            next = { ...current, operator: value as AlertOperator };
            break;
        case "threshold":
            next = {
                ...current,
                threshold:
                    /^\d+(\.\d+)?$/.test(value) && Number.isFinite(Number(value)) ? Number(value) : bad("must be a number of at least 0"),
            };
            break;
        case "frequency":
            if (!(ALERT_FREQUENCIES as readonly string[]).includes(value)) {
                bad(`must be one of ${ALERT_FREQUENCIES.join(", ")}`);
            }
            if (durationMinutes(value) === 1) {
                // Read from the rule's query file, so a query that changes changes the answer. The
                // program only sets values in its `let` lines (string lists, numbers), which add no construct.
                const file = ALERT_CATALOG[rule].query;
                const blockers = oneMinuteBlockers(loadQuery(file, queriesDir));
                if (blockers.length > 0) {
                    bad(`must not be PT1M for this rule: its query (${file}.kql) ${blockers.join(" and ")}; ${ONE_MINUTE_REASON}`);
                }
            }
            next = { ...current, frequency: value };
            break;
        case "window":
            if (!(ALERT_WINDOWS as readonly string[]).includes(value)) {
                bad(`must be one of ${ALERT_WINDOWS.join(", ")}`);
            }
            next = { ...current, window: value };
            break;
        case "periods":
            // ARM splits the query result into periods by its time column; these queries return
            // one aggregate per app, with no time column, so more than one period can't be evaluated.
            next = {
                ...current,
                periods:
                    value === "1"
                        ? 1
                        : bad("must be 1: these queries return one total per application and no time column to split into periods"),
            };
            break;
        case "failingPeriods":
            next = { ...current, failingPeriods: integer(1, 6) };
            break;
        case "autoMitigate":
            next = { ...current, autoMitigate: boolean() };
            break;
        case "mute": {
            const minutes = durationMinutes(value);
            if (!(minutes >= 5 && minutes <= 2880)) {
                bad("must be an ISO 8601 duration from PT5M to P2D, e.g. PT1H");
            }
            next = { ...current, mute: value };
            break;
        }
        case "ratio":
            if (rule !== "disableDeleteSpike") {
                bad("is not a setting of this rule: ratio applies to disableDeleteSpike");
            }
            next = { ...current, ratio: /^(0(\.\d+)?|1(\.0+)?)$/.test(value) ? Number(value) : bad("must be a fraction from 0 to 1") };
            break;
        case "minBaselineEvents":
            if (rule !== "appSilent") {
                bad("is not a setting of this rule: minBaselineEvents applies to appSilent");
            }
            next = { ...current, minBaselineEvents: integer(1, 1_000_000) };
            break;
        default:
            bad(
                "is not a setting: the settings are enabled, severity, operator, threshold, frequency, window, periods, failingPeriods, autoMitigate, mute, ratio, minBaselineEvents",
            );
    }
    rules[rule] = next;
}

/** Rules ARM enforces across settings of one rule. */
function checkRule(id: AlertRuleId, r: AlertRuleSettings): void {
    if (durationMinutes(r.window) < durationMinutes(r.frequency)) {
        fail(`\`alertOverrides\` ${id}.window (${r.window}) must not be shorter than its frequency (${r.frequency})`);
    }
    if (durationMinutes(r.window) * r.periods > 2 * 1440) {
        fail(
            `\`alertOverrides\` ${id}.window × periods (${r.window} × ${r.periods}) must not exceed P2D: a log search alert queries at most two days`,
        );
    }
    if (r.failingPeriods > r.periods) {
        fail(`\`alertOverrides\` ${id}.failingPeriods (${r.failingPeriods}) must not exceed its periods (${r.periods})`);
    }
    if (r.mute !== undefined && r.autoMitigate) {
        fail(
            `\`alertOverrides\` ${id}.mute (${r.mute}) needs ${id}.autoMitigate=false: Azure rejects muted actions on an auto-mitigated rule`,
        );
    }
    // ARM's answer when muted actions end before the next evaluation (Azure/azure-cli#26581).
    if (r.mute !== undefined && durationMinutes(r.mute) < durationMinutes(r.frequency)) {
        fail(
            `\`alertOverrides\` ${id}.mute (${r.mute}) must not be shorter than its frequency (${r.frequency}): Azure answers "EvaluationFrequency cannot be greater than MuteActionsDuration"`,
        );
    }
    // "If evaluation_frequency is PT1M, possible values are PT1M … PT6H" (hashicorp/terraform-provider-azurerm,
    // website/docs/r/monitor_scheduled_query_rules_alert_v2.html.markdown, commit 0a296f60ee0be649a4f7688b6a5a8f76114a9a87).
    if (durationMinutes(r.frequency) === 1 && durationMinutes(r.window) > 360) {
        fail(
            `\`alertOverrides\` ${id}.window (${r.window}) must be PT6H or shorter with frequency PT1M: Azure offers windows up to six hours at a one-minute frequency`,
        );
    }
    // The hourly-slot rules see each event in exactly one hourly evaluation (queries/quarantine.kql,
    // queries/provisioning-stopped.kql): another frequency would miss or repeat events, and
    // auto-resolution would close the alert an hour after it fired.
    if (ALERT_CATALOG[id].hourlySlot && r.frequency !== "PT1H") {
        fail(
            `\`alertOverrides\` ${id}.frequency (${r.frequency}) must be PT1H: the rule's query (${ALERT_CATALOG[id].query}.kql) takes each event in exactly one hourly evaluation, so another frequency would miss events or report them twice`,
        );
    }
    if (ALERT_CATALOG[id].hourlySlot && r.autoMitigate) {
        fail(
            `\`alertOverrides\` ${id}.autoMitigate must be false: the rule reports each event once, so Azure would resolve the alert at the next evaluation while the problem lasts`,
        );
    }
    // Not refused: a daily frequency with autoMitigate. Learn's table of when a stateful log search
    // alert resolves stops at "11 to 12 hours" (learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule),
    // but no source reports ARM refusing P1D with auto-resolution; a refusal here would be invented.
    // overrideQueryTimeRange needs no check: the program sets it only above window × periods, and
    // the catalog's ranges are at most P2D (components/provisioningAlerts.ts).
}

/**
 * Validates the alert keys; throws {@link AlertConfigError} with one line. `queriesDir` is where the
 * rules' query files are read from (tests), by default the package's queries/.
 */
export function parseAlertSettings(raw: RawAlertConfig, queriesDir?: string): AlertSettings {
    const rules = resolveRules();
    const assigned = new Map<string, string>();
    raw.alertOverrides.forEach((text, i) => {
        applyOverride(rules, assigned, `alertOverrides[${i}]`, text, queriesDir);
    });
    for (const id of ALERT_RULE_IDS) {
        checkRule(id, rules[id]);
    }
    const { team, oncall } = parseReceivers(raw);
    if (receiverCount(team) === 0) {
        fail(
            '`alertReceivers` must name at least one team receiver, e.g. "email identity-team@contoso.com", ' +
                "or set alertsEnabled false: an alert that notifies no one monitors nothing (got none)",
        );
    }
    for (const [key, name] of [
        ["alertTeamShortName", raw.alertTeamShortName],
        ["alertOncallShortName", raw.alertOncallShortName],
    ] as const) {
        if (!SHORT_NAME.test(name)) {
            fail(
                `\`${key}\` must be 1-12 characters without leading or trailing spaces; Azure rejects longer action group short names (got ${quoted(name)})`,
            );
        }
    }
    if (!(raw.alertOncallMaxSeverity >= 0 && raw.alertOncallMaxSeverity <= 4)) {
        fail(`\`alertOncallMaxSeverity\` must be between 0 and 4 (got ${raw.alertOncallMaxSeverity})`);
    }
    const names = (key: string, list: readonly string[]) => {
        list.forEach((s, i) => {
            if (s.trim() === "" || s.length > 256) {
                fail(`\`${key}[${i}]\` must be an application name or job ID of 1-256 characters (got ${quoted(s)})`);
            }
            const first = list.indexOf(s);
            if (first < i) {
                fail(`\`${key}[${i}]\` repeats ${key}[${first}]: list each application once (got ${quoted(s)})`);
            }
        });
        return [...list];
    };
    return {
        rules,
        apps: names("alertApps", raw.alertApps),
        silentApps: names("alertSilentApps", raw.alertSilentApps),
        team,
        oncall,
        oncallMaxSeverity: raw.alertOncallMaxSeverity,
        teamShortName: raw.alertTeamShortName,
        oncallShortName: raw.alertOncallShortName,
    };
}
