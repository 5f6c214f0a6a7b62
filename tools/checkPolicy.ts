/**
 * `npm run check:policy -- --stack <stack> [--policy-pack <dir>] [--policy-pack-config <file>]`: a
 * policy pack over a stack's offline preview, run as `pulumi preview --policy-pack <dir>
 * --policy-pack-config <file>` runs it. `--plan <plan.json>` checks a saved `npm run plan -- --json`
 * instead of evaluating the stack. The pack defaults to the project's (`policies`), and its config to
 * the stack's environment config (policies/config/<stack>.json, else default.json); another pack
 * without a config file runs with its policies' defaults, as the CLI runs it. Exits 1 when a
 * mandatory policy is violated.
 */
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { type Command, EXIT_CODES, parseFlags, readUserFile, runAsMain, UsageError } from "./cli";
import { checkPolicies, failed, POLICY_PACK_DIR, preparePolicyCheck, renderVerdicts, stackPolicyConfig } from "./offline/policyCheck";
import { evaluateStack, type RecordedResource } from "./offline/recorder";

const USAGE =
    "npm run check:policy -- (--stack <stack> | --plan <plan.json from npm run plan -- --json>) [--policy-pack <dir>] [--policy-pack-config <file>]";

/** The resources of a saved plan, and its stack. */
function readPlan(file: string): { stack: string; resources: RecordedResource[] } {
    const text = readUserFile(file, "--plan");
    let plan: { stack?: unknown; resources?: unknown };
    try {
        plan = JSON.parse(text) as typeof plan;
    } catch {
        throw new UsageError(`--plan ${file} is not JSON`);
    }
    if (typeof plan.stack !== "string" || !Array.isArray(plan.resources)) {
        throw new UsageError(`--plan ${file} is not the output of npm run plan -- --json`);
    }
    return { stack: plan.stack, resources: plan.resources as RecordedResource[] };
}

/** A --policy-pack-config file's content; an empty file is no config, as the CLI reads one. */
function readPolicyPackConfig(file: string): PolicyPackConfig {
    const text = readUserFile(file, "--policy-pack-config");
    if (text.trim() === "") {
        return {};
    }
    try {
        return JSON.parse(text) as PolicyPackConfig;
    } catch {
        throw new UsageError(`--policy-pack-config ${file} is not JSON`);
    }
}

export const checkPolicyCommand: Command = async (argv, io) => {
    const { values } = parseFlags(argv, { values: ["stack", "plan", "policy-pack", "policy-pack-config"], switches: [], usage: USAGE });
    if (!values.stack && !values.plan) {
        throw new UsageError(`--stack or --plan is required; usage: ${USAGE}`);
    }
    const plan = values.plan ? readPlan(values.plan) : undefined;
    if (plan && values.stack && values.stack !== plan.stack) {
        throw new UsageError(`--stack ${values.stack} is not the stack of --plan ${values.plan} (${plan.stack})`);
    }
    const stack = plan?.stack ?? values.stack!;
    const packDir = path.resolve(values["policy-pack"] ?? POLICY_PACK_DIR);
    const config = values["policy-pack-config"]
        ? readPolicyPackConfig(values["policy-pack-config"])
        : packDir === POLICY_PACK_DIR
          ? stackPolicyConfig(stack)
          : {};
    // As the CLI does, the pack is loaded and its config checked before the program runs; here the
    // pack starts while the stack is evaluated.
    const prepared = preparePolicyCheck(config, { packDir });
    prepared.catch(() => undefined);
    // Evaluated as `pulumi preview` would: values only `pulumi up` knows are unknown.
    const resources = plan?.resources ?? (await Promise.all([evaluateStack(stack, { dryRun: true }), prepared]))[0].resources;
    await prepared;
    const verdicts = await checkPolicies(resources, config, { packDir });
    io.out(renderVerdicts(verdicts).join("\n"));
    return failed(verdicts) ? EXIT_CODES.findings : EXIT_CODES.ok;
};

if (require.main === module) {
    runAsMain(checkPolicyCommand);
}
