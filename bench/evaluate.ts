/** Child process: evaluates one stack under mocks and prints wall time and peak RSS as JSON. */
import { evaluateStack } from "../tools/recorder";

(async () => {
    const stack = process.argv[2] ?? "prod";
    const started = process.hrtime.bigint();
    const evaluation = await evaluateStack(stack);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(
        JSON.stringify({ stack, wallMs, resources: evaluation.resources.length, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n",
    );
})();
