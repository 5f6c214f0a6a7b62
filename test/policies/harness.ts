import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { checkPolicies } from "../../tools/offline/policyCheck";
import type { RecordedResource } from "../../tools/offline/recorder";
import { resource } from "../support/recorded";

export { resource };

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
