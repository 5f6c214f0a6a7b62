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
export function resourceIdentity(s: { readonly instanceName: string; readonly subscriptionId: string; readonly resourceGroupName: string; readonly workspaceName: string }): string[] {
    return [s.instanceName, s.subscriptionId, s.resourceGroupName, s.workspaceName];
}
