/**
 * `npm run check:policy -- --plan <plan.json> [--config <file>]`: the policy pack over a saved
 * `npm run plan -- --json`, with the stack's environment config unless another is given. Exits 1
 * when a mandatory policy is violated.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import { type Command, EXIT_CODES, parseFlags, readUserFile, runAsMain, UsageError } from "./cli";
import { checkPolicies, failed, renderVerdicts, stackPolicyConfig } from "./offline/policyCheck";
import type { RecordedResource } from "./offline/recorder";

const USAGE = "npm run check:policy -- --plan <plan.json from npm run plan -- --json> [--config <policy config .json>]";

function readJson<T>(file: string, what: string): T {
    const text = readUserFile(file, what);
    try {
        return JSON.parse(text) as T;
    } catch {
        throw new UsageError(`${what} ${file} is not JSON`);
    }
}

export const checkPolicyCommand: Command = async (argv, io) => {
    const { values } = parseFlags(argv, { values: ["plan", "config"], switches: [], usage: USAGE });
    if (!values.plan) {
        throw new UsageError(`--plan is required; usage: ${USAGE}`);
    }
    const plan = readJson<{ stack?: string; resources?: RecordedResource[] }>(values.plan, "--plan");
    if (typeof plan.stack !== "string" || !Array.isArray(plan.resources)) {
        throw new UsageError(`--plan ${values.plan} is not the output of npm run plan -- --json`);
    }
    const config = values.config ? readJson<PolicyPackConfig>(values.config, "--config") : stackPolicyConfig(plan.stack);
    const verdicts = await checkPolicies(plan.resources, config);
    io.out(renderVerdicts(verdicts).join("\n"));
    return failed(verdicts) ? EXIT_CODES.findings : EXIT_CODES.ok;
};

if (require.main === module) {
    runAsMain(checkPolicyCommand);
}
