/**
 * Child process: evaluates one stack through Pulumi's runner (tools/offline/recorder.ts) (optionally with N monitored apps) and prints wall
 * time, resource and alert rule counts, and peak RSS as JSON.
 */
import { evaluateStackWith } from "../../tools/offline/recorder";

(async () => {
    const stack = process.argv[2] ?? "prod";
    const apps = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
    const changes: Record<string, string> =
        apps === undefined ? {} : { alertApps: JSON.stringify(Array.from({ length: apps }, (_, i) => `Application ${i + 1}`)) };
    const started = process.hrtime.bigint();
    const evaluation = await evaluateStackWith(stack, changes);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const rules = evaluation.resources.filter((r) => r.type === "azure-native:monitor:ScheduledQueryRule").length;
    process.stdout.write(
        JSON.stringify({ stack, wallMs, resources: evaluation.resources.length, rules, peakRssMb: process.resourceUsage().maxRSS / 1024 }) +
            "\n",
    );
})();
