import { v5 as uuidv5 } from "uuid";

/** This project's UUID v5 namespace: names derived under it never collide with other tools'. */
const NAMESPACE = "5b2f1c8e-3f6a-4d0e-9a7b-2c4e6f8a1b3d";

/**
 * A GUID derived from a stack's identity and a local name, for Azure resources whose name must be
 * a GUID (workbooks, query pack queries, dashboard parts): the same inputs give the same GUID on
 * every run, so `pulumi up` never replaces them, and two stacks never share one.
 */
export function stableGuid(...parts: readonly string[]): string {
    return uuidv5(parts.join("/"), NAMESPACE);
}

/** Prefix of the Azure names of alert rules and action groups, e.g. `entra-provisioning-prod`. */
export function namePrefix(instanceName: string): string {
    return `entra-provisioning-${instanceName}`;
}

/** What identifies a deployment's resources: GUID names (workbooks, dashboard parts) derive from it, so they never change between runs. */
export function resourceIdentity(s: {
    readonly instanceName: string;
    readonly subscriptionId: string;
    readonly resourceGroupName: string;
    readonly workspaceName: string;
}): string[] {
    return [s.instanceName, s.subscriptionId, s.resourceGroupName, s.workspaceName];
}

/** The parts of a Log Analytics workspace's ARM ID. */
export interface WorkspaceIdParts {
    readonly subscriptionId: string;
    readonly resourceGroupName: string;
    readonly workspaceName: string;
}

/**
 * A Log Analytics workspace's ARM ID, matched without regard to case: "resource and resource group
 * names are case-insensitive", APIs may return them in another case, so "always perform a
 * case-insensitive comparison of names" (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
 * The workspace name follows the same page's Microsoft.OperationalInsights rule: 4-63 letters,
 * digits and hyphens, starting and ending with a letter or digit.
 */
const WORKSPACE_ID =
    /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/resourceGroups\/([-\w.()]{0,89}[-\w()])\/providers\/Microsoft\.OperationalInsights\/workspaces\/([A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])$/i;

/** The subscription, resource group and name in a workspace's ARM ID; undefined when it is not one. */
export function workspaceIdParts(id: string): WorkspaceIdParts | undefined {
    const m = WORKSPACE_ID.exec(id);
    return m ? { subscriptionId: m[1].toLowerCase(), resourceGroupName: m[2], workspaceName: m[3] } : undefined;
}

/** Whether two ARM IDs name the same resource: ARM compares IDs without regard to case. */
export function sameArmId(a: string | undefined, b: string | undefined): boolean {
    return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/**
 * A Log Analytics workspace's ID as ARM answers it, which is what azure-native keeps in state for a
 * workspace it created (provider.go, `defaultCreate`: "Read the canonical ID from the response"): all
 * lower case, names included (azure-rest-api-specs, operationalinsights 2023-09-01 WorkspacesCreate.json:
 * `name` "AzTest2170", `id` ".../resourcegroups/oiautorest6685/providers/microsoft.operationalinsights/workspaces/aztest2170").
 * The engine hands a created workspace over to a read only when the read's ID is the same text
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, GenerateReadSteps: `old.ID != event.ID()`
 * means replace, which deletes an unprotected workspace).
 */
export function canonicalWorkspaceId(id: string): string {
    return id.toLowerCase();
}
