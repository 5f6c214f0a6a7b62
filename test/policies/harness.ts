import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { checkPolicies } from "../../tools/offline/policyCheck";
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

/** The messages `policy` reports over `resources`, run mandatory with `config` as the pack would. */
export async function violations(policy: Policy, resources: RecordedResource[], config: Record<string, unknown> = {}): Promise<string[]> {
    const pack: PolicyPackConfig = { [policy.name]: { enforcementLevel: "mandatory", ...config } };
    return (await checkPolicies(resources, pack, [policy as never])).map((v) => v.message);
}

/** What the policy's remediation reports when run at level `remediate`. */
export async function remediations(policy: Policy, resources: RecordedResource[], config: Record<string, unknown> = {}): Promise<string[]> {
    const pack: PolicyPackConfig = { [policy.name]: { enforcementLevel: "remediate", ...config } };
    return (await checkPolicies(resources, pack, [policy as never])).filter((v) => v.remediated).map((v) => v.message);
}
