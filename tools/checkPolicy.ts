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
import {
    type Command,
    type CommandSpec,
    EXIT_CODES,
    parseFlags,
    parseUserJson,
    readUserFile,
    requireFolder,
    runAsMain,
    UsageError,
} from "./cli";
import type { RecordedResource } from "./offline/recorder";

// The policy pack and the stacks' evaluation load once the command line is read: `--help` answers at once.

const SPEC: CommandSpec<"stack" | "plan" | "policy-pack" | "policy-pack-config", never> = {
    usage: "npm run check:policy -- (--stack <stack> | --plan <plan.json from npm run plan -- --json>) [--policy-pack <dir>] [--policy-pack-config <file>]",
    about: [
        "Runs a policy pack over a stack's offline preview, or over a saved plan, as `pulumi preview --policy-pack <dir>",
        "--policy-pack-config <file>` runs it. Exits 1 when a mandatory policy is violated.",
    ].join("\n"),
    values: {
        stack: { arg: "<stack>", help: "The stack to evaluate and check (Pulumi.<stack>.yaml)." },
        plan: { arg: "<plan.json>", help: "Check a saved npm run plan -- --json instead of evaluating the stack." },
        "policy-pack": { arg: "<dir>", help: "The policy pack's folder. Defaults to the project's (policies)." },
        "policy-pack-config": {
            arg: "<file>",
            help: "The pack's config. Defaults to policies/config/<stack>.json, else default.json, for the project's pack.",
        },
    },
    switches: {},
};

/** The resources of a saved plan, and its stack. */
function readPlan(file: string): { stack: string; resources: RecordedResource[] } {
    const plan = parseUserJson(readUserFile(file, "--plan"), file, "--plan takes what npm run plan -- --json prints") as {
        stack?: unknown;
        resources?: unknown;
    } | null;
    if (typeof plan?.stack !== "string" || !Array.isArray(plan.resources)) {
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
    return parseUserJson(text, file) as PolicyPackConfig;
}

export const checkPolicyCommand: Command = async (argv, io) => {
    const { values } = parseFlags(argv, SPEC);
    if (!values.stack && !values.plan) {
        throw new UsageError(`--stack or --plan is required; usage: ${SPEC.usage}`);
    }
    if (values["policy-pack"] !== undefined) {
        requireFolder(values["policy-pack"], "--policy-pack");
    }
    const plan = values.plan ? readPlan(values.plan) : undefined;
    if (plan && values.stack && values.stack !== plan.stack) {
        throw new UsageError(`--stack ${values.stack} is not the stack of --plan ${values.plan} (${plan.stack})`);
    }
    const stack = plan?.stack ?? values.stack!;
    const [
        { checkPolicies, failed, POLICY_PACK_DIR, preparePolicyCheck, renderVerdicts, stackPolicyConfig, stackPolicyConfigFile },
        { evaluateStack },
    ] = await Promise.all([import("./offline/policyCheck"), import("./offline/recorder")]);
    const packDir = path.resolve(values["policy-pack"] ?? POLICY_PACK_DIR);
    const config = values["policy-pack-config"]
        ? readPolicyPackConfig(values["policy-pack-config"])
        : packDir === POLICY_PACK_DIR
          ? stackPolicyConfig(stack)
          : {};
    // As the CLI does, the pack is loaded and its config checked before the program runs; here the
    // pack starts while the stack is evaluated.
    // Named in what is wrong with the config.
    const configFile = values["policy-pack-config"] ?? (packDir === POLICY_PACK_DIR ? stackPolicyConfigFile(stack) : undefined);
    const prepared = preparePolicyCheck(config, { packDir, configFile });
    prepared.catch(() => undefined);
    // Evaluated as `pulumi preview` would: values only `pulumi up` knows are unknown.
    const resources = plan?.resources ?? (await Promise.all([evaluateStack(stack, { dryRun: true }), prepared]))[0].resources;
    await prepared;
    const verdicts = await checkPolicies(resources, config, { packDir, configFile });
    io.out(renderVerdicts(verdicts).join("\n"));
    return failed(verdicts) ? EXIT_CODES.findings : EXIT_CODES.ok;
};

if (require.main === module) {
    runAsMain(checkPolicyCommand);
}
