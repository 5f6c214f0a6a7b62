import type { RecordedResource } from "../../tools/offline/recorder";

/** A recorded resource of `type` with `inputs`, the way the recorder and the offline plan see one. */
export function resource(type: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
    const name = extra.name ?? type.split(":").pop()!.toLowerCase();
    return {
        type,
        name,
        urn: `urn:pulumi:test::entra-provisioning-logs::${type}::${name}`,
        custom: true,
        inputs,
        protect: false,
        retainOnDelete: false,
        dependsOn: [],
        propertyDependencies: {},
        additionalSecretOutputs: [],
        ...extra,
    };
}
