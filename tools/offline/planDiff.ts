import { UsageError } from "../cli";
import { sameArmId, workspaceIdParts } from "../../components/support/naming";
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

/** Resources whose replacement or deletion deletes the logs in them. */
const HOLDS_LOGS: Readonly<Record<string, string>> = {
    "azure-native:resources:ResourceGroup": "deletes the resource group and every workspace in it, with their logs",
    "azure-native:operationalinsights:Workspace": "deletes the workspace and every log in it",
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
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

/** A lower retention deletes older logs: say so on the update. */
function shortensRetention(type: string, before: Record<string, unknown>, after: Record<string, unknown>): string | undefined {
    const lower = (key: string) =>
        typeof before[key] === "number" && typeof after[key] === "number" && (after[key] as number) < (before[key] as number);
    const say = (key: string) => `lowers ${key} from ${before[key]} to ${after[key]} days: older logs are deleted`;
    if (type === "azure-native:operationalinsights:Workspace" && lower("retentionInDays")) {
        return say("retentionInDays");
    }
    if (type === "pulumi-nodejs:dynamic:TableRetention") {
        const key = ["retentionInDays", "totalRetentionInDays"].find(lower);
        return key ? say(key) : undefined;
    }
    return undefined;
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
                              ...(HOLDS_LOGS[r.type] ? { risk: HOLDS_LOGS[r.type] } : {}),
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
        if (changed.length === 0) {
            continue;
        }
        const replaces = changed.some((k) => (REPLACE_ON[r.type] ?? []).includes(k));
        const risk = replaces ? HOLDS_LOGS[r.type] : shortensRetention(r.type, old.inputs, r.inputs);
        changes.push({
            urn: r.urn,
            type: r.type,
            name: r.name,
            op: replaces ? "replace" : "update",
            changed,
            ...(risk ? { risk } : {}),
            ...(replaces && old.protect ? { blocked: true as const } : {}),
        });
    }
    const now = new Set(resources.map((r) => r.urn));
    // A read that is gone is only dropped from the state.
    for (const old of prior.filter((r) => !now.has(r.urn) && !r.external)) {
        const risk = HOLDS_LOGS[old.type];
        const name = old.urn.split("::").pop() ?? old.urn;
        changes.push({
            urn: old.urn,
            type: old.type,
            name,
            op: "delete",
            changed: [],
            ...(risk ? { risk } : {}),
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
