import * as path from "node:path";
import { EXIT_CODES } from "../cli";
import { stackNames, stacksDir } from "../stackFiles";
import { checkPolicies, DEFAULT_POLICY_CONFIG_FILE, failed, stackPolicyConfig, stackPolicyConfigFile } from "./policyCheck";
import { evaluateStack } from "./recorder";

/**
 * Every stack of a fleet (one per tenant and environment) planned in one process: the SDKs load
 * once, so each further stack costs only its own evaluation. One row per stack; a stack that fails
 * does not stop the others.
 */

/** How one stack of the fleet came out. */
export interface FleetRow {
    readonly stack: string;
    /** Custom resources `pulumi up` would create; undefined when the stack failed to evaluate. */
    readonly resources?: number;
    /** Policy findings, and whether they fail the stack. */
    readonly findings?: number;
    readonly ok: boolean;
    /** The one-line error or failing finding, when not ok. */
    readonly problem?: string;
    /** The policy config the stack was checked with: its own policies/config/<stack>.json, or the default. */
    readonly policyConfig: string;
}

/** Plans every `Pulumi.<stack>.yaml` in `dir` (the project's by default) with the main program. */
export async function planFleet(dir = stacksDir()): Promise<FleetRow[]> {
    const stacks = stackNames(dir);
    const rows: FleetRow[] = new Array(stacks.length);
    // Each stack runs in its own Pulumi runner process: two at a time keep two cores busy.
    let next = 0;
    const worker = async () => {
        while (next < stacks.length) {
            const i = next++;
            rows[i] = await planOne(stacks[i], dir);
        }
    };
    await Promise.all([worker(), worker()]);
    return rows;
}

/** One stack's row: its resources as `pulumi up` registers them, and the policy pack's verdicts on them. */
async function planOne(stack: string, dir: string): Promise<FleetRow> {
    const policyConfig = stackPolicyConfigFile(stack);
    try {
        const evaluation = await evaluateStack(stack, { configFile: path.join(dir, `Pulumi.${stack}.yaml`), cache: false });
        const verdicts = await checkPolicies(evaluation.resources, stackPolicyConfig(stack), { configFile: policyConfig });
        const failing = verdicts.find((v) => !v.remediated && (v.level === "mandatory" || v.level === "remediate"));
        return {
            stack,
            policyConfig,
            resources: evaluation.resources.filter((r) => r.custom).length,
            findings: verdicts.length,
            ok: !failed(verdicts),
            ...(failing ? { problem: `[${failing.level}] ${failing.policy}: ${failing.message}` } : {}),
        };
    } catch (e) {
        return { stack, ok: false, problem: (e as Error).message.split("\n")[0], policyConfig };
    }
}

/** The fleet's summary table. */
export function renderFleet(rows: readonly FleetRow[]): string {
    const table = rows.map((r) => [
        r.stack,
        r.resources === undefined ? "-" : String(r.resources),
        r.findings === undefined ? "-" : String(r.findings),
        r.ok ? "ok" : `FAIL ${r.problem ?? ""}`.trimEnd(),
    ]);
    const header = ["STACK", "RESOURCES", "FINDINGS", "RESULT"];
    const widths = [0, 1, 2].map((c) => Math.max(header[c].length, ...table.map((row) => row[c].length)));
    const line = (row: string[]) =>
        row
            .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell))
            .join("  ")
            .trimEnd();
    const failing = rows.filter((r) => !r.ok).length;
    // A new stack is checked with the defaults until it has its own config: said, not silent.
    const defaulted = rows.filter((r) => r.policyConfig === DEFAULT_POLICY_CONFIG_FILE).map((r) => r.stack);
    return [
        `Offline plan of ${rows.length} stacks: ${failing === 0 ? "every stack passes" : `${failing} failing`}.`,
        "",
        line(header),
        ...table.map(line),
        ...(defaulted.length > 0
            ? [
                  "",
                  `Checked with ${DEFAULT_POLICY_CONFIG_FILE} (the documented defaults), having no policies/config/<stack>.json of their own: ${defaulted.join(", ")}.`,
              ]
            : []),
    ].join("\n");
}

/** Exit code of a fleet plan: findings when any stack fails. */
export function fleetExitCode(rows: readonly FleetRow[]): number {
    return rows.every((r) => r.ok) ? EXIT_CODES.ok : EXIT_CODES.findings;
}
