import type * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type { ProviderIdentity } from "../azure/credential";

/**
 * How a dynamic resource gets what the azure-native provider authenticates with, without a new input
 * (the inputs of existing stacks stay as they are, and no secret reaches the state):
 *
 * - The settings. Pulumi runs a dynamic provider from its serialized closure in its own process, which
 *   sees the `ARM_*` variables of the run but not the program's config. Its `configure` method gets
 *   the stack's whole config, namespaces kept and secrets decrypted (pulumi/pulumi#17697, "Allow
 *   accessing configuration in Node.js dynamic providers"; pulumi/pulumi#17229: "Dynamic providers now
 *   receive all configuration values, with the namespaces preserved"; @pulumi/pulumi 3.248.0
 *   cmd/dynamic-provider `getProvider` calls `provider.configure({ config })` once per process). The
 *   providers keep the `azure-native:*` settings from it (`azureNativeConfig`): secrets stay in
 *   memory, never in the closure, the inputs or the state.
 * - The identity to check against. The closure Pulumi serializes (`__provider`) may capture values:
 *   the serializer awaits a captured promise and writes its value into the closure text, and marks
 *   `__provider` secret if a secret output is captured (@pulumi/pulumi runtime/closure/createClosure.js).
 *   Each dynamic resource captures the result of `authorization.getClientConfig()` (client, object and
 *   tenant IDs, none of them secret); before writing, its provider checks that its own token is that
 *   identity's. The program checked the same identity's tenant against the stack's first (index.ts).
 */

/** The azure-native provider's identity, as the program's provider (or the parent's) reports it; for a dynamic provider to capture. */
export function azureNativeIdentity(opts?: pulumi.CustomResourceOptions): Promise<ProviderIdentity> {
    const identity = authorization
        .getClientConfig(opts?.parent ? { parent: opts.parent } : undefined)
        .then((c) => ({ tenantId: c.tenantId, clientId: c.clientId, objectId: c.objectId }));
    // Serializing the provider awaits it, and reports a failure there; it is never left unhandled.
    identity.catch(() => undefined);
    return identity;
}
