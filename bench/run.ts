/**
 * `npm run bench`: the numbers behind the targets, printed for the closing notes. Not a test: it
 * measures, it does not pass or fail on time.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { simulateRegistration } from "./registration";

function inChild<T>(script: string, ...args: string[]): T {
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, script), ...args], {
        cwd: path.join(__dirname, ".."),
        encoding: "utf8",
    });
    return JSON.parse(out.trim().split("\n").pop() as string);
}

(async () => {
    console.log("Registration waiter (simulated ARM, virtual clock; targets: ≤ 12 reads, ≤ 15 s detection delay, 0 calls after the deadline)");
    for (const [label, ms, timeout] of [
        ["already registered", "already", 20],
        ["registers in 3 min", 180_000, 20],
        ["registers in 10 min", 600_000, 20],
        ["stuck forever, 20 min deadline", undefined, 20],
    ] as const) {
        const run = await simulateRegistration(ms, timeout);
        console.log(
            `  ${label.padEnd(32)} reads ${String(run.reads).padStart(3)}  register calls ${run.registerCalls}  ` +
                `detection delay ${run.detectionDelayMs === undefined ? "n/a" : `${(run.detectionDelayMs / 1000).toFixed(1)} s`}  ` +
                `calls after deadline ${run.callsAfterDeadline}  ${run.outcome}`,
        );
    }

    console.log("\nEvaluating stacks under mocks (fresh process each, 3 runs)");
    for (const stack of ["dev", "prod"]) {
        const runs = [0, 1, 2].map(() => inChild<{ wallMs: number; peakRssMb: number; resources: number }>("evaluate.ts", stack));
        const walls = runs.map((r) => r.wallMs).sort((a, b) => a - b);
        console.log(
            `  ${stack.padEnd(5)} resources ${runs[0].resources}  wall median ${walls[1].toFixed(0)} ms (min ${walls[0].toFixed(0)}, max ${walls[2].toFixed(0)})  ` +
                `peak RSS ${Math.max(...runs.map((r) => r.peakRssMb)).toFixed(0)} MB`,
        );
    }

    console.log("\nKQL check (fresh process; targets: full check < 2 s wall, peak RSS < 400 MB)");
    const kql = inChild<{ analysed: number; findings: number; checkMs: number; fiftyMs: number; peakRssMb: number }>("kql.ts");
    console.log(
        `  full check of every deployed query: ${kql.analysed} queries, ${kql.findings} findings, ${kql.checkMs.toFixed(0)} ms (includes evaluating the stacks)`,
    );
    console.log(`  50 more analyses of the documented sample queries: ${kql.fiftyMs.toFixed(0)} ms; peak RSS ${kql.peakRssMb.toFixed(0)} MB`);
})();
