import { UsageError } from "../cli";
import { sameArmId, workspaceIdParts } from "../../components/support/naming";
import { UNKNOWN } from "../engine/loopbackEngine";
import type { RecordedResource } from "./recorder";

/**
 * What `pulumi up` would do to a stack that was deployed before: the recorded resources compared
 * with a previous offline plan (`npm run plan -- --json`) or the stack's state file. Replacements and
 * deletions of what holds logs are the changes a reviewer must see; protected ones would fail.
 */

/** What would happen to one resource. */
export interface PlannedChange {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /**
     * `import`: an existing resource the first `pulumi up` adopts; `release`: a resource the stack
     * managed and now only reads, which Pulumi stops managing without deleting it (the engine
     * "relinquishes" a resource read under the same URN and ID, pulumi/pulumi
     * pkg/resource/deploy/step_generator.go, GenerateReadSteps).
     */
    readonly op: "create" | "import" | "update" | "replace" | "delete" | "release";
    /** Inputs that differ (for update and replace). */
    readonly changed: readonly string[];
    /** Why this change is dangerous for the logs, when it is. */
    readonly risk?: string;
    /** Which of {@link LOG_RISKS} it is, one per clause of `risk`. */
    readonly riskIds?: readonly LogRisk[];
    /** The resource is protected: `pulumi up` would refuse this replacement or deletion. */
    readonly blocked?: true;
}

/** A resource as a previous plan or state records it. */
interface PriorResource {
    readonly urn: string;
    readonly type: string;
    readonly inputs: Record<string, unknown>;
    readonly protect: boolean;
    /** Its ARM ID, when the record has one (a state file does). */
    readonly id?: string;
    /** Read, not managed: `external` in a state file, `read` in a plan. */
    readonly external: boolean;
}

/**
 * Inputs whose change replaces the resource: those in its ARM ID (name, group, subscription), which
 * azure-native cannot change in place, and `location`, which ARM cannot move.
 */
const REPLACE_ON: Readonly<Record<string, readonly string[]>> = {
    "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
    "azure-native:operationalinsights:Workspace": ["workspaceName", "resourceGroupName", "location"],
    "azure-native:aadiam:DiagnosticSetting": ["name"],
    "azure-native:monitor:ActionGroup": ["actionGroupName", "resourceGroupName"],
    "azure-native:monitor:ScheduledQueryRule": ["ruleName", "resourceGroupName", "location"],
    "azure-native:applicationinsights:Workbook": ["resourceName", "resourceGroupName", "location"],
    "azure-native:operationalinsights:QueryPack": ["queryPackName", "resourceGroupName", "location"],
    "azure-native:operationalinsights:Query": ["queryPackName", "resourceGroupName"],
    "azure-native:portal:Dashboard": ["dashboardName", "resourceGroupName", "location"],
    "pulumi-nodejs:dynamic:TableRetention": ["subscriptionId", "resourceGroupName", "workspaceName", "tableName"],
    "pulumi-nodejs:dynamic:ResourceProviderRegistration": ["subscriptionId", "namespace"],
};

/** Reads a previous `npm run plan -- --json`, or a Pulumi state file (`pulumi stack export`, or a local backend's). */
export function readPrior(text: string, file: string): PriorResource[] {
    type Recorded = {
        urn: string;
        type: string;
        inputs?: Record<string, unknown>;
        protect?: boolean;
        custom?: boolean;
        id?: string;
        external?: boolean;
        read?: string;
    };
    let doc: {
        resources?: Recorded[];
        reads?: Recorded[];
        checkpoint?: { latest?: { resources?: Recorded[] } };
        deployment?: { resources?: Recorded[] };
    };
    try {
        doc = JSON.parse(text);
    } catch {
        throw new UsageError(`--against ${file} is not JSON: give a saved npm run plan -- --json, or a state file (pulumi stack export)`);
    }
    const resources = doc.resources ?? doc.checkpoint?.latest?.resources ?? doc.deployment?.resources;
    if (!Array.isArray(resources)) {
        throw new UsageError(
            `--against ${file} has no resources: give a saved npm run plan -- --json, or a state file (pulumi stack export)`,
        );
    }
    // A plan lists what the program only reads apart, under `reads`.
    return [...resources, ...(doc.reads ?? []).map((r) => ({ ...r, external: true }))]
        .filter((r) => r.custom !== false && !r.type.startsWith("pulumi:"))
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            inputs: r.inputs ?? {},
            protect: r.protect === true,
            external: r.external === true || r.read !== undefined,
            ...(r.id || r.read ? { id: r.id || r.read } : {}),
        }));
}

/** Inputs compared: the engine's own bookkeeping and dynamic providers' serialized code are left out. */
function comparable(inputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith("__")));
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const a = comparable(before);
    const b = comparable(after);
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !becomes(a[k], b[k])).sort();
}

/**
 * Whether a previous value is the same as the new one. A saved `npm run plan -- --json` is a
 * preview: what only `pulumi up` learns (IDs, names from outputs) is the engine's unknown there, in
 * a value or inside a text, and stands for whatever `pulumi up` then got.
 */
function becomes(before: unknown, after: unknown): boolean {
    if (before === UNKNOWN) {
        return true;
    }
    if (typeof before === "string" && before.includes(UNKNOWN)) {
        const known = before.split(UNKNOWN).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
        return typeof after === "string" && new RegExp(`^${known.join("[\\s\\S]*")}$`).test(after);
    }
    if (Array.isArray(before)) {
        return Array.isArray(after) && before.length === after.length && before.every((x, i) => becomes(x, after[i]));
    }
    if (before !== null && typeof before === "object" && after !== null && typeof after === "object" && !Array.isArray(after)) {
        const x = before as Record<string, unknown>;
        const y = after as Record<string, unknown>;
        return [...new Set([...Object.keys(x), ...Object.keys(y)])].every((k) => becomes(x[k], y[k]));
    }
    return JSON.stringify(before) === JSON.stringify(after);
}

/**
 * Every way a change loses provisioning logs that `plan --against` marks ⚠ (and exits 1 for): one
 * line each, as docs/commands.md lists them under "What deletes or stops logs" (a test keeps the two
 * the same).
 */
export const LOG_RISKS = {
    deletesWorkspace: "the workspace is replaced or deleted: every log in it is deleted",
    deletesResourceGroup: "the resource group is replaced or deleted: every workspace in it is deleted, with their logs",
    stopsDiagnosticSetting:
        "the tenant diagnostic setting is deleted, or replaced (azure-native deletes before it creates), and no setting the stack adopts takes its place: logs stop arriving until one sends them again",
    removesCategory: "a log category is removed from the diagnostic setting: its logs stop arriving",
    shortensWorkspaceRetention: "the workspace's retentionInDays is lowered: older logs are deleted",
    shortensTableRetention: "the AADProvisioningLogs table's retentionInDays or totalRetentionInDays is lowered: older logs are deleted",
    unprotects:
        "protection of the workspace or its resource group is turned off (protectData false): a later destroy or replacement deletes the logs",
    capsIngestion:
        "a daily cap is introduced or lowered on the workspace (dailyQuotaGb): once it is hit, logs are dropped for the rest of the day",
    movesSubscription:
        "the deployment moves to another subscription: a new, empty workspace is made there, and the old one is deleted unless protected",
} as const;

export type LogRisk = keyof typeof LOG_RISKS;

/** A risk of one change: which, and what it means here. */
interface Risk {
    readonly id: LogRisk;
    readonly text: string;
}

/** Resources whose replacement or deletion deletes or stops the logs. */
const HOLDS_LOGS: Readonly<Record<string, Risk>> = {
    "azure-native:resources:ResourceGroup": {
        id: "deletesResourceGroup",
        text: "deletes the resource group and every workspace in it, with their logs",
    },
    "azure-native:operationalinsights:Workspace": { id: "deletesWorkspace", text: "deletes the workspace and every log in it" },
    "azure-native:aadiam:DiagnosticSetting": {
        id: "stopsDiagnosticSetting",
        text: "stops the tenant's logs reaching the workspace until a setting sends them again",
    },
};

/** The fields of a change that carry its risks. */
function riskFields(risks: readonly Risk[]): { risk?: string; riskIds?: LogRisk[] } {
    return risks.length > 0 ? { risk: risks.map((r) => r.text).join("; "), riskIds: risks.map((r) => r.id) } : {};
}

/** Resources whose protection keeps the logs. */
const KEEPS_LOGS = ["azure-native:resources:ResourceGroup", "azure-native:operationalinsights:Workspace"];

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The categories a diagnostic setting's `logs` input sends. */
function sentCategories(inputs: Record<string, unknown>): string[] {
    const logs = Array.isArray(inputs.logs) ? (inputs.logs as Array<{ category?: string; enabled?: boolean }>) : [];
    return logs.filter((l) => l.enabled !== false && typeof l.category === "string").map((l) => l.category as string);
}

/** What an update that keeps the resource does to the logs, one clause per risk. */
function updateRisks(type: string, old: PriorResource, r: RecordedResource): Risk[] {
    const before = old.inputs;
    const after = r.inputs;
    const risks: Risk[] = [];
    const lower = (key: string) => {
        const a = num(before[key]);
        const b = num(after[key]);
        return a !== undefined && b !== undefined && b < a ? `lowers ${key} from ${a} to ${b} days: older logs are deleted` : undefined;
    };
    if (type === "azure-native:operationalinsights:Workspace") {
        const shorter = lower("retentionInDays");
        if (shorter) {
            risks.push({ id: "shortensWorkspaceRetention", text: shorter });
        }
        const capBefore = num((before.workspaceCapping as { dailyQuotaGb?: unknown } | undefined)?.dailyQuotaGb);
        const capAfter = num((after.workspaceCapping as { dailyQuotaGb?: unknown } | undefined)?.dailyQuotaGb);
        if (capAfter !== undefined && capAfter >= 0 && (capBefore === undefined || capBefore < 0 || capAfter < capBefore)) {
            risks.push({
                id: "capsIngestion",
                text: `${capBefore === undefined || capBefore < 0 ? "introduces a daily cap of" : `lowers the daily cap from ${capBefore} GB to`} ${capAfter} GB: once it is hit, logs are dropped for the rest of the day`,
            });
        }
    }
    if (type === "pulumi-nodejs:dynamic:TableRetention") {
        const key = ["retentionInDays", "totalRetentionInDays"].map(lower).find((x) => x !== undefined);
        if (key) {
            risks.push({ id: "shortensTableRetention", text: key });
        }
    }
    if (type === "azure-native:aadiam:DiagnosticSetting") {
        const gone = sentCategories(before).filter((c) => !sentCategories(after).includes(c));
        if (gone.length > 0) {
            risks.push({
                id: "removesCategory",
                text: `stops sending ${gone.join(", ")}: ${gone.length === 1 ? "its" : "their"} logs stop arriving`,
            });
        }
    }
    if (KEEPS_LOGS.includes(type) && old.protect && !r.protect) {
        risks.push({
            id: "unprotects",
            text: "turns its protection off (protectData false): a later destroy or replacement deletes the logs",
        });
    }
    return risks;
}

/** The subscription a deployment's table retention names: where its workspace is. */
function subscriptionOf(resources: ReadonlyArray<{ type: string; inputs: Record<string, unknown> }>): string | undefined {
    const table = resources.find((r) => r.type === "pulumi-nodejs:dynamic:TableRetention");
    return typeof table?.inputs.subscriptionId === "string" ? table.inputs.subscriptionId.toLowerCase() : undefined;
}

/** Every change `pulumi up` would make, in the order of the new plan, deletions last. */
export function diffAgainst(prior: readonly PriorResource[], resources: readonly RecordedResource[]): PlannedChange[] {
    const before = new Map(prior.map((r) => [r.urn, r]));
    const changes: PlannedChange[] = [];
    for (const r of resources.filter((x) => x.custom)) {
        const old = before.get(r.urn);
        if (r.readId !== undefined) {
            // A read is never created, changed or deleted; a managed resource it takes the place of is
            // released when it is the same one, and deleted otherwise.
            if (old && !old.external) {
                changes.push(
                    sameResource(old, r.readId)
                        ? { urn: r.urn, type: r.type, name: r.name, op: "release", changed: [] }
                        : {
                              urn: r.urn,
                              type: r.type,
                              name: r.name,
                              op: "delete",
                              changed: [],
                              ...riskFields(HOLDS_LOGS[r.type] ? [HOLDS_LOGS[r.type]] : []),
                              ...(old.protect ? { blocked: true as const } : {}),
                          },
                );
            }
            continue;
        }
        if (!old || old.external) {
            changes.push({ urn: r.urn, type: r.type, name: r.name, op: r.importId !== undefined ? "import" : "create", changed: [] });
            continue;
        }
        const changed = changedKeys(old.inputs, r.inputs);
        const replaces = changed.some((k) => (REPLACE_ON[r.type] ?? []).includes(k));
        // A setting the stack adopts in its place sends the logs already: no gap.
        const adopted = r.type === "azure-native:aadiam:DiagnosticSetting" && r.importId !== undefined;
        const risks = replaces
            ? [adopted ? undefined : HOLDS_LOGS[r.type]].filter((x): x is Risk => x !== undefined)
            : updateRisks(r.type, old, r);
        if (changed.length === 0 && risks.length === 0) {
            continue;
        }
        changes.push({
            urn: r.urn,
            type: r.type,
            name: r.name,
            op: replaces ? "replace" : "update",
            changed,
            ...riskFields(risks),
            ...(replaces && old.protect ? { blocked: true as const } : {}),
        });
    }
    const [from, to] = [subscriptionOf(prior), subscriptionOf(resources)];
    if (from !== undefined && to !== undefined && from !== to) {
        // Listed first: every other change follows from it.
        changes.unshift({
            urn: "",
            type: "subscription",
            name: to,
            op: "replace",
            changed: ["subscriptionId"],
            ...riskFields([
                {
                    id: "movesSubscription",
                    text: `moves the deployment from subscription ${from} to ${to}: a new, empty workspace is made there, and the old one is deleted unless protected`,
                },
            ]),
        });
    }
    const now = new Set(resources.map((r) => r.urn));
    // A read that is gone is only dropped from the state.
    const adopts = resources.some((r) => r.type === "azure-native:aadiam:DiagnosticSetting" && r.importId !== undefined);
    for (const old of prior.filter((r) => !now.has(r.urn) && !r.external)) {
        const risk = old.type === "azure-native:aadiam:DiagnosticSetting" && adopts ? undefined : HOLDS_LOGS[old.type];

        const name = old.urn.split("::").pop() ?? old.urn;
        changes.push({
            urn: old.urn,
            type: old.type,
            name,
            op: "delete",
            changed: [],
            ...riskFields(risk ? [risk] : []),
            ...(old.protect ? { blocked: true as const } : {}),
        });
    }
    return changes;
}

/**
 * Whether a managed resource is the one now read: by ID when the record has one, else (a plan, for a
 * workspace) by resource group and name.
 */
function sameResource(old: PriorResource, readId: string): boolean {
    if (old.id !== undefined) {
        return sameArmId(old.id, readId);
    }
    const parts = workspaceIdParts(readId);
    return (
        parts !== undefined &&
        String(old.inputs.workspaceName).toLowerCase() === parts.workspaceName.toLowerCase() &&
        String(old.inputs.resourceGroupName).toLowerCase() === parts.resourceGroupName.toLowerCase()
    );
}

const SYMBOL = { create: "+", import: "=", update: "~", replace: "+-", delete: "-", release: ">" } as const;

/** The changes as a reviewer reads them, one line each, the dangerous ones marked. */
export function renderChanges(changes: readonly PlannedChange[]): string[] {
    if (changes.length === 0) {
        return ["Against the previous deployment: no changes."];
    }
    const count = (op: PlannedChange["op"]) => changes.filter((c) => c.op === op).length;
    return [
        `Against the previous deployment: ${count("create")} to create, ${count("update")} to update, ${count("replace")} to replace, ${count("delete")} to delete` +
            `${count("import") > 0 ? `, ${count("import")} to import` : ""}${count("release") > 0 ? `, ${count("release")} to release (no longer managed, not deleted)` : ""}.`,
        ...changes.map((c) => {
            const what = `${SYMBOL[c.op].padEnd(2)} ${c.op.padEnd(7)} ${c.type} ${c.name}${c.changed.length > 0 ? ` (${c.changed.join(", ")})` : ""}`;
            const blocked = c.blocked
                ? "; it is protected, so pulumi up will refuse: to do it on purpose, run `pulumi state unprotect` on it first"
                : "";
            return c.risk ? `${what}: ⚠ ${c.risk}${blocked}` : `${what}${blocked}`;
        }),
    ];
}

/** Changes that lose logs: a plan that has them is a finding. */
export function losesLogs(changes: readonly PlannedChange[]): boolean {
    return changes.some((c) => c.risk !== undefined);
}
