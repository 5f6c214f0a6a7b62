/**
 * The policy pack run offline: the same policy objects `pulumi preview --policy-pack policies`
 * loads, applied to recorded resources, so a pull request can be policy-checked without any cloud
 * credentials. The offline plan runs it for each stack; `npm run check:policy` for a saved plan.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyPackConfig,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { POLICIES } from "../../policies/policies";
import { PROJECT_DIR } from "../stackFiles";
import type { RecordedResource } from "./recorder";

/** One finding: which policy, on which resource, at which level, and what it said. */
export interface Verdict {
    readonly policy: string;
    /** The resource's name, or `stack` for stack policies. */
    readonly resource: string;
    readonly level: EnforcementLevel;
    readonly message: string;
    /** The policy changed the resource's inputs instead of reporting a violation. */
    readonly remediated?: true;
}

/** The policy config file of a stack: policies/config/<stack>.json, else the documented defaults (default.json). */
export function stackPolicyConfigFile(stack: string): string {
    const own = path.join("policies", "config", `${stack}.json`);
    return fs.existsSync(path.join(PROJECT_DIR, own)) ? own : path.join("policies", "config", "default.json");
}

/** The per-environment config of a stack, as {@link stackPolicyConfigFile} finds it. */
export function stackPolicyConfig(stack: string): PolicyPackConfig {
    return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, stackPolicyConfigFile(stack)), "utf8")) as PolicyPackConfig;
}

function levelOf(config: PolicyPackConfig, name: string, fallback: EnforcementLevel | undefined): EnforcementLevel {
    const pick = (c: unknown) =>
        typeof c === "string" ? (c as EnforcementLevel) : (c as { enforcementLevel?: EnforcementLevel } | undefined)?.enforcementLevel;
    return pick(config[name]) ?? pick(config.all) ?? fallback ?? "advisory";
}

/** A policy's config: its schema's defaults, then the config file's values, as the engine merges them. */
function configOf(config: PolicyPackConfig, name: string, schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const defaults = Object.fromEntries(
        Object.entries(schema?.properties ?? {}).map(([k, v]) => [k, (v as { default?: unknown }).default]),
    );
    const given = typeof config[name] === "object" ? { ...(config[name] as object) } : {};
    delete (given as { enforcementLevel?: unknown }).enforcementLevel;
    return { ...defaults, ...given };
}

class NotApplicable extends Error {}

function optionsOf(r: RecordedResource): PolicyResource["opts"] {
    return {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [...r.additionalSecretOutputs],
        parent: r.parent,
    };
}

function resourceArgs(r: RecordedResource, props: Record<string, unknown>, config: Record<string, unknown>): ResourceValidationArgs {
    return {
        type: r.type,
        props: props as Record<string, any>,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

/** Stack policies see every resource, with its dependencies resolved to resources. */
function policyResources(resources: readonly RecordedResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const all = resources.map((r) => {
        const pr = {
            type: r.type,
            props: r.inputs as Record<string, any>,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [] as PolicyResource[],
            propertyDependencies: {} as Record<string, PolicyResource[]>,
            isType: () => false,
            asType: () => undefined,
        } as unknown as PolicyResource;
        byUrn.set(r.urn, pr);
        return pr;
    });
    resources.forEach((r, i) => {
        const resolve = (urns: readonly string[]) => urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
        all[i].dependencies.push(...resolve(r.dependsOn));
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
            all[i].propertyDependencies[k] = resolve(urns);
        }
        (all[i] as { parent?: PolicyResource }).parent = r.parent ? byUrn.get(r.parent) : undefined;
    });
    return all;
}

/**
 * Runs every policy over the resources with the given pack config. Where a policy's level is
 * `remediate`, its remediation runs first (as in the engine) and is reported, and the remediated
 * inputs are then validated.
 */
export async function checkPolicies(
    resources: readonly RecordedResource[],
    config: PolicyPackConfig,
    policies: Policies = POLICIES,
): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    for (const policy of policies) {
        const level = levelOf(config, policy.name, policy.enforcementLevel);
        if (level === "disabled") {
            continue;
        }
        const policyConfig = configOf(config, policy.name, policy.configSchema);
        const report = (resource: string) => (message: string) => verdicts.push({ policy: policy.name, resource, level, message });
        const reportFix = (resource: string, message: string) =>
            verdicts.push({ policy: policy.name, resource, level, message, remediated: true });
        try {
            if ("validateStack" in policy) {
                await (policy as StackValidationPolicy).validateStack(
                    {
                        resources: policyResources(resources),
                        stackTags: new Map(),
                        getConfig: <T extends object>() => policyConfig as T,
                        notApplicable: (reason?: string) => {
                            throw new NotApplicable(reason);
                        },
                    },
                    report("stack"),
                );
                continue;
            }
            const p = policy as ResourceValidationPolicy;
            for (const r of resources.filter((x) => x.custom)) {
                let props = r.inputs;
                if (level === "remediate" && p.remediateResource) {
                    const fixed = await p.remediateResource(resourceArgs(r, props, policyConfig));
                    if (fixed) {
                        const changed = Object.keys(fixed).filter((k) => JSON.stringify(fixed[k]) !== JSON.stringify(props[k]));
                        reportFix(
                            r.name,
                            `remediated: ${changed.map((k) => `${k} ${JSON.stringify(props[k])} → ${JSON.stringify(fixed[k])}`).join(", ")}`,
                        );
                        props = fixed;
                    }
                }
                const validations =
                    p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
                for (const validate of validations) {
                    await validate(resourceArgs(r, props, policyConfig), report(r.name));
                }
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) {
                throw e;
            }
        }
    }
    return verdicts;
}

/** Violations of mandatory policies fail the check, and so do those a remediating policy could not fix; advisories don't. */
export function failed(verdicts: readonly Verdict[]): boolean {
    return verdicts.some((v) => !v.remediated && (v.level === "mandatory" || v.level === "remediate"));
}

export function renderVerdicts(verdicts: readonly Verdict[]): string[] {
    if (verdicts.length === 0) {
        return ["Policy check: every policy passed."];
    }
    return [
        `Policy check: ${verdicts.length} finding${verdicts.length > 1 ? "s" : ""}${failed(verdicts) ? "; the check fails" : ""}.`,
        ...verdicts.map((v) => `  [${v.level}] ${v.policy} on ${v.resource}: ${v.message}`),
    ];
}
