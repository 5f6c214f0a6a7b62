/**
 * The policy pack over recorded resources, run the way `pulumi preview --policy-pack <dir>
 * --policy-pack-config <file>` runs it (tools/engine/policyAnalyzer.ts): the pack in its own
 * process, the engine's calls, the engine's config rules. A pull request is policy-checked without
 * cloud credentials or the Pulumi CLI. The offline plan runs it for each stack; `npm run
 * check:policy` for a stack or a saved plan, with any pack.
 */
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel, Policies, PolicyPackConfig } from "@pulumi/policy";
import * as yaml from "js-yaml";
import { closest } from "../../program/settingsValidation";
import { parseUserJson, UsageError } from "../cli";
import {
    type AnalyzerInfo,
    type AnalyzerResource,
    type PolicyConfig,
    type PolicyEvent,
    type PolicyPackTimeouts,
    parsePolicyPackConfig,
    reconcilePolicyPackConfig,
    runPolicyPack,
    type StackContext,
    startPolicyPack,
} from "../engine/policyAnalyzer";
import { BOOTSTRAP_DIR, PROJECT_DIR, readStackConfig, stacksDir } from "../stackFiles";
import type { RecordedResource } from "./recorder";

/** One finding: which policy, on which resource, at which level, and what it said. */
export interface Verdict {
    readonly policy: string;
    /** The resource's name, or `stack` for what a stack policy says of the stack as a whole. */
    readonly resource: string;
    /** As the engine reports it: a violation of a remediating policy is mandatory. */
    readonly level: EnforcementLevel;
    /** What the policy said, without the policy's description the pack puts before it. */
    readonly message: string;
    /** The policy changed the resource's inputs instead of reporting a violation. */
    readonly remediated?: true;
    /** The URN the engine reports it on: the resource's, or the root stack's. */
    readonly urn?: string;
}

/** Where and how the pack runs. */
export interface CheckOptions {
    /** Optional. The policy pack's folder, with its PulumiPolicy.yaml. Defaults to the project's `policies/`. */
    readonly packDir?: string;
    /**
     * Optional. The stack as the pack is told it (ConfigureStack). Defaults to the stack and project
     * the resources' URNs name, with the stack tags the CLI derives from Pulumi.yaml, the stack's
     * `pulumi:tags` and the git repository.
     */
    readonly stack?: StackContext;
    /** Optional. Bounds on the pack's start-up and on each call. Defaults to the engine module's (60 s each). */
    readonly timeouts?: PolicyPackTimeouts;
    /** Optional. The file the config was read from, named in what is wrong with it. */
    readonly configFile?: string;
}

/** The project's policy pack. */
export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policies");

/** The policy config of a stack that has none of its own: the documented defaults, every policy advisory. */
export const DEFAULT_POLICY_CONFIG_FILE = path.join("policies", "config", "default.json");

/** The policy config file of a stack, relative to the project: policies/config/<stack>.json, else {@link DEFAULT_POLICY_CONFIG_FILE}. */
export function stackPolicyConfigFile(stack: string): string {
    const own = path.join("policies", "config", `${stack}.json`);
    return fs.existsSync(path.join(PROJECT_DIR, own)) ? own : DEFAULT_POLICY_CONFIG_FILE;
}

/** The per-environment config of a stack, as {@link stackPolicyConfigFile} finds it. */
export function stackPolicyConfig(stack: string): PolicyPackConfig {
    const file = stackPolicyConfigFile(stack);
    return policyPackConfigOf(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"), file);
}

/** A policy config file's text as the CLI reads it: JSON, and an empty file is no config. */
function policyPackConfigOf(text: string, file: string): PolicyPackConfig {
    return text.trim() === "" ? {} : (parseUserJson(text, file) as PolicyPackConfig);
}

/**
 * Runs a policy pack over the resources with `config` (a --policy-pack-config file's content), as
 * a preview does: each resource's remediations, then its analysis, then the stack policies over
 * all of them. Resolves with the findings in the order the engine reports them.
 *
 * Given some of the project pack's policies instead of options (as test/policies does), runs the
 * project's pack with every other policy disabled.
 */
export async function checkPolicies(
    resources: readonly RecordedResource[],
    config: PolicyPackConfig,
    options: CheckOptions | Policies = {},
): Promise<Verdict[]> {
    const { packDir, stack, timeouts, only } = Array.isArray(options)
        ? { packDir: POLICY_PACK_DIR, stack: undefined, timeouts: undefined, only: packPoliciesNamed(options as Policies) }
        : { ...(options as CheckOptions), only: undefined };
    if (!only) {
        // A config the tests build for some policies is theirs; a user's is checked first.
        await preparePolicyCheck(config, options as CheckOptions);
    }
    const parsed = parsePolicyPackConfig(only ? withOthersDisabled(config, only) : config);
    const run = await runPolicyPack(packDir ?? POLICY_PACK_DIR, resources.map(analyzerResource(resources)), {
        config: parsed.config,
        environments: parsed.environments,
        stack: stack ?? stackContextOf(resources),
        timeouts,
    });
    return verdictsOf(run.events, resources);
}

/**
 * Starts the pack and checks `config` against its policies, as the CLI does before it runs the
 * program, and more strictly (see {@link policyConfigProblems}); a later {@link checkPolicies} with
 * the same pack reuses its process. Rejects a wrong config with one line naming `options.configFile`.
 */
export async function preparePolicyCheck(config: PolicyPackConfig, options: CheckOptions = {}): Promise<void> {
    const where = options.configFile ? `${options.configFile}: ` : "";
    let parsed: ReturnType<typeof parsePolicyPackConfig>;
    try {
        parsed = parsePolicyPackConfig(config);
    } catch (e) {
        throw e instanceof UsageError ? new UsageError(`${where}${e.message}${levelsHint(e.message)}`) : e;
    }
    const info = await startPolicyPack(options.packDir ?? POLICY_PACK_DIR, {
        environments: parsed.environments,
        timeouts: options.timeouts,
    });
    const problems = policyConfigProblems(parsed.config ?? {}, info);
    if (problems.length > 0) {
        throw new UsageError(`${where}${problems.join("; ")}`);
    }
}

const ENFORCEMENT_LEVELS = "advisory, mandatory, remediate or disabled";

/** The allowed levels, after the CLI's message about one that isn't. */
function levelsHint(message: string): string {
    return message.includes("is not a valid enforcement level") ? ` (the levels are ${ENFORCEMENT_LEVELS})` : "";
}

/**
 * What is wrong with a policy config (as {@link parsePolicyPackConfig} parses it) for the pack `info`
 * describes (GetAnalyzerInfo), each a clause naming the policy and the value; none when it is right.
 *
 * The CLI's own check (pkg/resource/analyzer/config.go ReconcilePolicyPackConfig): each policy's
 * properties, over its schema's defaults, valid against its `configSchema`. And two it does not
 * make, because each lets a typo through silently: a name that is no policy of the pack (the CLI
 * ignores it, so the policy meant keeps its default level, often advisory), and a property the
 * policy's schema does not declare (the CLI passes it on, so the policy keeps its default value).
 */
export function policyConfigProblems(config: Readonly<Record<string, PolicyConfig>>, info: AnalyzerInfo): string[] {
    if (!info.supportsConfig) {
        return Object.keys(config).length > 0 ? [`policy pack ${info.name} ${info.version} does not support config`] : [];
    }
    const problems: string[] = [];
    const names = info.policies.map((p) => p.name);
    for (const [name, given] of Object.entries(config)) {
        if (name === "all") {
            for (const property of Object.keys(given.properties ?? {})) {
                problems.push(`"all" sets only every policy's enforcement level, not "${property}"`);
            }
            continue;
        }
        const policy = info.policies.find((p) => p.name === name);
        if (!policy) {
            problems.push(
                `"${name}" is not a policy of ${info.name} ${info.version}, so it would change nothing; ${suggestion(name, names, "its policies are")}`,
            );
            continue;
        }
        const declared = Object.keys(policy.configSchema?.properties ?? {}).filter((k) => k !== "enforcementLevel");
        for (const property of Object.keys(given.properties ?? {})) {
            if (!declared.includes(property)) {
                problems.push(
                    `${name} has no setting "${property}", so it would keep its defaults; ${suggestion(property, declared, "its settings are")}`,
                );
            }
        }
    }
    const reconciled = reconcilePolicyPackConfig(info.policies, info.initialConfig, config);
    for (const error of reconciled.validationErrors) {
        // "<policy>: <property path>: <rule>" or "<policy>: <property> is required", as gojsonschema words it.
        const [policy, field] = error.split(": ");
        const value = field === undefined ? undefined : valueAt(reconciled.config[policy]?.properties, field.split("."));
        problems.push(value === undefined ? error : `${error} (found ${JSON.stringify(value)})`);
    }
    return problems;
}

/** "did you mean <the closest candidate>?", else the candidates after `listed`. */
function suggestion(given: string, candidates: readonly string[], listed: string): string {
    const near = closest(given, candidates);
    return near ? `did you mean ${near}?` : candidates.length > 0 ? `${listed} ${candidates.join(", ")}` : "it takes none";
}

/** The value at a dotted property path, if there is one. */
function valueAt(properties: unknown, keys: readonly string[]): unknown {
    let value = properties;
    for (const key of keys) {
        if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) {
            return undefined;
        }
        value = (value as Record<string, unknown>)[key];
    }
    return value;
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

/**
 * A recorded resource as the step generator hands it to the analyzers: its inputs, and the options
 * the engine keeps (step_generator.go, `analyzeAll` and `AnalyzeResources`).
 */
function analyzerResource(all: readonly RecordedResource[]): (r: RecordedResource) => AnalyzerResource {
    const byUrn = new Map(all.map((r) => [r.urn, r]));
    return (r) => {
        const provider = r.provider ? byUrn.get(providerUrn(r.provider)) : undefined;
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            properties: r.inputs,
            options: {
                protect: r.protect,
                ignoreChanges: r.ignoreChanges ?? [],
                deleteBeforeReplace: r.deleteBeforeReplace,
                additionalSecretOutputs: r.additionalSecretOutputs,
                // Not the aliases the program declares: the engine passes only the one that matched a
                // resource of the previous deployment (step_generator.go, `aliasUrns`); offline there
                // is none, as in a stack's first preview.
                aliases: [],
                customTimeouts: {
                    create: durationSeconds(r.customTimeouts?.create),
                    update: durationSeconds(r.customTimeouts?.update),
                    delete: durationSeconds(r.customTimeouts?.delete),
                    read: 0,
                },
                parent: r.parent,
            },
            ...(provider ? { provider: { urn: provider.urn, type: provider.type, name: provider.name, properties: provider.inputs } } : {}),
            parent: r.parent,
            dependencies: r.dependsOn,
            propertyDependencies: r.propertyDependencies,
        };
    };
}

/** The URN of a provider reference `<urn>::<id>` (sdk/go/common/providers ParseReference). */
function providerUrn(reference: string): string {
    const at = reference.lastIndexOf("::");
    return at < 0 ? reference : reference.slice(0, at);
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A custom timeout (a Go duration such as "1h30m") in seconds, as the engine turns it; 0 when unset. */
function durationSeconds(duration: string | undefined): number {
    if (!duration) {
        return 0;
    }
    const parts = [...duration.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== duration.replace(/^[+-]/, "")) {
        throw new UsageError(`time: invalid duration ${JSON.stringify(duration)}`);
    }
    const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * DURATION_UNITS[unit], 0);
    return duration.startsWith("-") ? -total : total;
}

/** What the engine reported, as verdicts: violations and the remediations it applied. */
function verdictsOf(events: readonly PolicyEvent[], resources: readonly RecordedResource[]): Verdict[] {
    const names = new Map(resources.map((r) => [r.urn, r.name]));
    const verdicts: Verdict[] = [];
    for (const e of events) {
        const resource = e.urn.includes("::pulumi:pulumi:Stack::") ? "stack" : (names.get(e.urn) ?? "stack");
        if (e.kind === "remediation") {
            verdicts.push({
                policy: e.remediation.policyName,
                resource,
                level: "remediate",
                message: `remediated: ${changes(e.before, e.after)}`,
                remediated: true,
                urn: e.urn,
            });
        } else if (e.kind === "violation") {
            const d = e.diagnostic;
            // The pack sends the policy's description, a newline, then what the policy said.
            const message = d.message.startsWith(`${d.description}\n`) ? d.message.slice(d.description.length + 1) : d.message;
            verdicts.push({ policy: d.policyName, resource, level: d.enforcementLevel, message, urn: e.urn });
        }
    }
    return verdicts;
}

/** "key old → new" for each property a remediation changed, in the resource's order. */
function changes(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    return keys
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        .map((k) => `${k} ${JSON.stringify(before[k])} → ${JSON.stringify(after[k])}`)
        .join(", ");
}

/** The names of `policies`, each of which must be one of the project pack's. */
function packPoliciesNamed(policies: Policies): string[] {
    const { POLICIES } = require("../../policies/policies") as typeof import("../../policies/policies");
    for (const p of policies) {
        if (!POLICIES.includes(p)) {
            throw new Error(`${p.name} is not a policy of ${POLICY_PACK_DIR}: a policy runs in its pack's process`);
        }
    }
    return policies.map((p) => p.name);
}

/** `config` with every policy of the project's pack but `only` disabled. */
function withOthersDisabled(config: PolicyPackConfig, only: readonly string[]): PolicyPackConfig {
    const { POLICIES } = require("../../policies/policies") as typeof import("../../policies/policies");
    const result: Record<string, unknown> = { ...config };
    for (const p of POLICIES) {
        if (!only.includes(p.name)) {
            const own = config[p.name];
            result[p.name] = { ...(typeof own === "object" ? own : {}), enforcementLevel: "disabled" };
        }
    }
    return result as PolicyPackConfig;
}

/** The stack the resources belong to, with its tags; undefined when their URNs name none. */
function stackContextOf(resources: readonly RecordedResource[]): StackContext | undefined {
    const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(resources[0]?.urn ?? "");
    return m ? { project: m[2], stack: m[1], tags: stackTags(m[2], m[1]), dryRun: true } : undefined;
}

/**
 * The tags the CLI gives a stack from its environment (pkg/backend/stack.go
 * GetEnvironmentTagsForCurrentStack): the project's name, runtime and description, the stack's
 * `pulumi:tags` config, and the folder within its git repository. Those of the remote (vcs:owner,
 * vcs:repo, vcs:kind) and those kept by the backend are not known offline.
 */
function stackTags(project: string, stack: string): Record<string, string> {
    const dir = [PROJECT_DIR, BOOTSTRAP_DIR].find((d) => projectFile(d)?.name === project);
    if (!dir) {
        return { "pulumi:project": project };
    }
    const file = projectFile(dir)!;
    const runtime = typeof file.runtime === "string" ? file.runtime : file.runtime?.name;
    const tags: Record<string, string> = {
        "pulumi:project": project,
        ...(runtime ? { "pulumi:runtime": runtime } : {}),
        ...(file.description ? { "pulumi:description": file.description } : {}),
    };
    if (fs.existsSync(path.join(stacksDir(dir), `Pulumi.${stack}.yaml`))) {
        const text = readStackConfig(stack, { dir: stacksDir(dir) }).config["pulumi:tags"];
        if (text !== undefined) {
            let parsed: unknown;
            try {
                parsed = JSON.parse(text);
            } catch {
                parsed = text;
            }
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
                throw new UsageError("pulumi:tags must be an object of strings");
            }
            for (const [name, value] of Object.entries(parsed)) {
                if (typeof value !== "string") {
                    throw new UsageError(`pulumi:tags[${name}] must be a string`);
                }
                tags[name] = value;
            }
        }
    }
    const root = gitRoot(dir);
    if (root !== undefined) {
        tags["vcs:root"] = path.relative(root, fs.realpathSync(dir)).split(path.sep).join("/") || ".";
    }
    return tags;
}

function projectFile(dir: string): { name?: string; runtime?: string | { name?: string }; description?: string } | undefined {
    const file = path.join(dir, "Pulumi.yaml");
    return fs.existsSync(file) ? (yaml.load(fs.readFileSync(file, "utf8")) as ReturnType<typeof projectFile>) : undefined;
}

const gitRoots = new Map<string, string | undefined>();

/** The top of the git work tree holding `dir`, if any. */
function gitRoot(dir: string): string | undefined {
    if (!gitRoots.has(dir)) {
        try {
            const top = childProcess.execFileSync("git", ["rev-parse", "--show-toplevel"], {
                cwd: dir,
                stdio: ["ignore", "pipe", "ignore"],
            });
            gitRoots.set(dir, fs.realpathSync(top.toString().trim()));
        } catch {
            gitRoots.set(dir, undefined);
        }
    }
    return gitRoots.get(dir);
}
