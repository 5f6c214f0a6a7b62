/**
 * `npm run bench [-- --check] [-- --without-tests]`: the numbers behind the targets, each marked met
 * or missed against its target (targets.ts), then a summary. Not a test: timing depends on the
 * machine, so only `--check` turns a missed target into exit 1.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { runFaultTable } from "./faults";
import { simulateRegistration } from "./registration";
import { runSettingsTable, SETTINGS_CASES } from "./settings";
import { Targets } from "./targets";

const PROJECT_DIR = path.join(__dirname, "..", "..");

function inChild<T>(script: string, ...args: string[]): T {
    return inChildWith<T>([], script, ...args);
}

/** {@link inChild}, with options for Node.js itself (e.g. a heap limit). */
function inChildWith<T>(nodeOptions: readonly string[], script: string, ...args: string[]): T {
    // The offline tools' TypeScript loader, as the npm scripts use it.
    const out = execFileSync(
        process.execPath,
        [...nodeOptions, "-r", path.join(PROJECT_DIR, "tools", "register.js"), path.join(__dirname, script), ...args],
        {
            cwd: PROJECT_DIR,
            encoding: "utf8",
        },
    );
    return JSON.parse(out.trim().split("\n").pop() as string);
}

/** Wall time of one run of `command` in a fresh process, in ms; its output is not kept. */
function wallMs(command: string, args: readonly string[]): number {
    const started = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (run.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
    }
    return ms;
}

function median(values: readonly number[]): number {
    return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Loading only the SDK modules the program and the policy pack use: the yardstick of the plan's time. */
const SDK_ONLY = [
    'require("@pulumi/pulumi");',
    'for (const m of ["aadiam", "monitor", "operationalinsights", "resources", "applicationinsights", "portal", "authorization"]) require("@pulumi/azure-native/" + m);',
    'require("@pulumi/policy");',
].join(" ");

(async () => {
    const t = new Targets();
    console.log(
        "Registration waiter (simulated ARM, virtual clock; targets: ≤ 12 reads, ≤ 15 s detection delay, 0 calls after the deadline)",
    );
    for (const [label, ms, timeout] of [
        ["already registered", "already", 20],
        ["registers in 3 min", 180_000, 20],
        ["registers in 10 min", 600_000, 20],
        ["stuck forever, 20 min deadline", undefined, 20],
    ] as const) {
        const run = await simulateRegistration(ms, timeout);
        const delay =
            run.detectionDelayMs === undefined ? "n/a" : t.target(`${label}: detection delay`, run.detectionDelayMs / 1000, 15, "s");
        console.log(
            `  ${label.padEnd(32)} ${run.outcome}, register calls ${run.registerCalls}; reads ${t.target(`${label}: reads`, run.reads, 12, "")}; ` +
                `detection delay ${delay}; calls after deadline ${t.target(`${label}: calls after the deadline`, run.callsAfterDeadline, 0, "", "=")}`,
        );
    }

    console.log("\nEvaluating stacks through Pulumi's own runner against the loopback engine, as pulumi up (fresh process each, 3 runs)");
    for (const stack of ["dev", "prod"]) {
        const runs = [0, 1, 2].map(() => inChild<{ wallMs: number; peakRssMb: number; resources: number }>("evaluate.ts", stack));
        const walls = runs.map((r) => r.wallMs).sort((a, b) => a - b);
        console.log(
            `  ${stack.padEnd(5)} resources ${runs[0].resources}  wall median ${walls[1].toFixed(0)} ms (min ${walls[0].toFixed(0)}, max ${walls[2].toFixed(0)})  ` +
                `peak RSS ${Math.max(...runs.map((r) => r.peakRssMb)).toFixed(0)} MB`,
        );
    }

    console.log("\nAlert rules vs monitored apps, prod stack (targets: ≤ 8 rules; 1000 apps ≤ 1.5× the 1-app time)");
    console.log("  The documented approach: 3 rules per app (failures, no events, disables/deletes).");
    let oneApp = 0;
    const ruleCounts: number[] = [];
    for (const apps of [1, 100, 1000]) {
        const runs = [0, 1, 2].map(() => inChild<{ wallMs: number; rules: number }>("evaluate.ts", "prod", String(apps)));
        const median = runs.map((r) => r.wallMs).sort((a, b) => a - b)[1];
        oneApp ||= median;
        ruleCounts.push(...runs.map((r) => r.rules));
        const ratio = median / oneApp;
        console.log(
            `  ${String(apps).padStart(5)} apps: ${t.target(`rules for ${apps} apps`, runs[0].rules, 8, "")} rules here vs ${3 * apps} documented; ` +
                `evaluation median ${median.toFixed(0)} ms (${apps === 1000 ? t.target("evaluation time of 1000 apps against 1", ratio, 1.5, "×") : `${ratio.toFixed(2)}×`} the 1-app time)`,
        );
    }
    // What the unit suite shows with two apps (test/components/provisioningAlerts.test.ts), here at scale.
    console.log(
        `  different rule counts across the sizes: ${t.target("different rule counts across the sizes", new Set(ruleCounts).size, 1, "", "=")} (${[...new Set(ruleCounts)].join(", ")})`,
    );

    console.log("\nKQL check (fresh process; targets: full check < 2 s wall, peak RSS < 400 MB)");
    const kql = inChild<{
        analysed: number;
        findings: number;
        checkMs: number;
        collectMs: number;
        analyseMs: number;
        fiftyMs: number;
        peakRssMb: number;
    }>("kql.ts");
    console.log(
        `  full check of every deployed query: ${kql.analysed} queries, ${kql.findings} findings, ${t.target("KQL full check, wall", kql.checkMs, 2000, "ms", "<")} in all: ` +
            `${kql.collectMs} ms collecting them (running the program for every stack, while Kusto.Language loads in its thread), ${kql.analyseMs} ms more analysing`,
    );
    console.log(
        `  50 more analyses of the documented sample queries: ${kql.fiftyMs.toFixed(0)} ms; peak RSS ${t.target("KQL check, peak RSS", kql.peakRssMb, 400, "MB", "<")}`,
    );

    console.log(
        "\nThe offline tools' wall time (fresh processes, median of 5; targets: plan ≤ 3× loading the SDKs alone, check:kql ≤ 2.5× it)",
    );
    // Runs alternate, so that a change in the machine's load weighs on both sides of the ratio.
    const sdk: number[] = [];
    const plan: number[] = [];
    for (let i = 0; i < 5; i++) {
        sdk.push(wallMs(process.execPath, ["-e", SDK_ONLY]));
        plan.push(wallMs("npm", ["run", "plan", "--", "--stack", "prod"]));
    }
    console.log(
        `  npm run plan -- --stack prod: ${median(plan).toFixed(0)} ms; loading the SDK modules it uses: ${median(sdk).toFixed(0)} ms; ` +
            t.target("plan against loading the SDKs", median(plan) / median(sdk), 3, "×"),
    );
    const kqlCheck = [0, 1, 2, 3, 4].map(() => wallMs("npm", ["run", "check:kql"]));
    console.log(
        `  npm run check:kql: ${median(kqlCheck).toFixed(0)} ms (min ${Math.min(...kqlCheck).toFixed(0)}, max ${Math.max(...kqlCheck).toFixed(0)}); ` +
            `${t.target("check:kql against loading the SDKs", median(kqlCheck) / median(sdk), 2.5, "×")} loading the SDKs`,
    );
    if (!process.argv.includes("--without-tests")) {
        // Minutes, not seconds, but the target is a ratio to the same yardstick, so it runs beside the
        // others (npm run bench -- --without-tests leaves it out).
        const tests = wallMs("npm", ["test"]);
        console.log(
            `  npm test: ${(tests / 1000).toFixed(0)} s; ${t.target("npm test against loading the SDKs", tests / median(sdk), 35, "×")} loading the SDKs`,
        );
    }

    console.log("\nverify against loopback fakes, 100 ms latency per call (target: wall ≤ 3× the slowest call chain)");
    const v = inChild<{ code: number; wallMs: number; calls: number; sumMs: number; slowestChainMs: number }>("verify.ts");
    console.log(
        `  ${v.calls} calls, exit ${v.code}: wall ${v.wallMs.toFixed(0)} ms vs ${v.sumMs} ms if sequential; slowest chain ${v.slowestChainMs} ms ` +
            `(${t.target("verify's wall against its slowest call chain", v.wallMs / v.slowestChainMs, 3, "×")}, including loading the SDKs once)`,
    );

    console.log("\nARM faults against the loopback ARM, virtual clock (targets: every fault handled, 0 s past any deadline)");
    const faults = await runFaultTable();
    console.log(
        `  faults tried ${faults.tried}, handled ${t.target("ARM faults handled", faults.handled, faults.tried, "", "=")}; ` +
            `worst time past a deadline ${t.target("worst time past a deadline", faults.worstMsPastDeadline / 1000, 0, "s", "=")}; ` +
            `time to the first message for a non-transient failure ${t.target("time to the first message for a non-transient failure", faults.worstMsToNonTransientMessage / 1000, 5, "s")}`,
    );

    console.log("\nBad and good settings, one change each (targets: every bad one rejected in one line, 0 wrong either way)");
    const settings = runSettingsTable();
    const bad = SETTINGS_CASES.filter((c) => c.rejects !== undefined).length;
    console.log(
        `  tried ${settings.tried}, ${bad} of them bad: rejected in one line ${t.target("bad settings rejected in one line", settings.rejectedInOneLine, bad, "", "=")}, ` +
            `wrongly accepted ${t.target("settings wrongly accepted", settings.wronglyAccepted, 0, "", "=")}, ` +
            `wrongly rejected ${t.target("settings wrongly rejected", settings.wronglyRejected, 0, "", "=")}`,
    );

    console.log("\nplan --all over generated stacks (targets: ≤ 2 s per further stack, peak memory ≤ 1.5× one stack's)");
    const one = inChild<{ stacks: number; ok: number; wallMs: number; peakRssMb: number }>("fleet.ts", "1");
    const twenty = inChild<{ stacks: number; ok: number; wallMs: number; peakRssMb: number }>("fleet.ts", "20");
    console.log(
        `  1 stack ${one.wallMs.toFixed(0)} ms, ${one.peakRssMb.toFixed(0)} MB; 20 stacks ${twenty.wallMs.toFixed(0)} ms (${twenty.ok} ok), ${twenty.peakRssMb.toFixed(0)} MB: ` +
            `${t.target("plan --all, time per further stack", (twenty.wallMs - one.wallMs) / 19 / 1000, 2, "s")} per further stack, ` +
            `peak memory ${t.target("plan --all, peak memory of 20 stacks against 1", twenty.peakRssMb / one.peakRssMb, 1.5, "×")} one stack's`,
    );

    console.log("\nThe npm package, packed, installed in an empty project and its program run (targets: tarball ≤ 1 MB, ≤ 60 s in all)");
    const pkg = inChild<{
        tarballBytes: number;
        resources: number;
        packMs: number;
        installMs: number;
        evaluateMs: number;
        totalMs: number;
    }>("../package/bench.ts");
    console.log(
        `  tarball ${t.target("npm package tarball", pkg.tarballBytes / 1000, 1000, "kB")}; pack ${(pkg.packMs / 1000).toFixed(1)} s, ` +
            `npm install ${(pkg.installMs / 1000).toFixed(1)} s, the program (${pkg.resources} resources) ${(pkg.evaluateMs / 1000).toFixed(1)} s: ` +
            t.target("npm package packed, installed and run", pkg.totalMs / 1000, 60, "s"),
    );

    console.log(
        "\nverify and discover behind a proxy that never answers, 10 s deadline (fresh process; target: ends ≤ 2 s past it, exit 1)",
    );
    const behind = inChild<{ pastMs: Record<string, number>; codes: Record<string, number> }>("proxy.ts");
    for (const script of ["verify", "discover"]) {
        console.log(
            `  ${script.padEnd(8)} exit ${behind.codes[script]}, ended ${t.target(`${script} behind a silent proxy, time past its deadline`, behind.pastMs[script] / 1000, 2, "s")} past its deadline`,
        );
    }

    console.log(
        "\nnpm run replay: 30 days × 1,000 apps, all six rules (fresh process, V8 heap ≤ 1,800 MB; targets: ≤ 60 s and ≤ 2 GiB); the incident library (targets: every problem paged within the rule's time range + a frequency + the slowest ingestion, 0 false alerts)",
    );
    const rp = inChildWith<{
        days: number;
        rows: number;
        exportMb: number;
        loadMs: number;
        replayMs: number;
        perRule: Record<string, number>;
        peakRssMb: number;
        incidents: number;
        problems: number;
        paged: number;
        falseAlerts: number;
    }>(
        // A V8 heap of 1,800 MB at most: left alone, V8 grows its heap lazily up to about 3 GB on this
        // machine, which says what it may take, not what the replay needs; with the limit it must fit.
        ["--max-old-space-size=1800"],
        "replay.ts",
        "30",
    );
    console.log(
        `  ${rp.rows.toLocaleString("en-US")} rows (${rp.exportMb.toFixed(0)} MB export): read ${(rp.loadMs / 1000).toFixed(1)} s, replayed ${(rp.replayMs / 1000).toFixed(1)} s ` +
            `(${Object.entries(rp.perRule)
                .map(([r, ms]) => `${r} ${(ms / 1000).toFixed(1)} s`)
                .join(", ")}); ` +
            `${t.target("replay of 30 days × 1,000 apps", (rp.loadMs + rp.replayMs) / 1000, 60, "s")} in all, ` +
            `${Math.round(rp.rows / ((rp.loadMs + rp.replayMs) / 1000)).toLocaleString("en-US")} rows/s; peak RSS ${t.target("replay, peak RSS", rp.peakRssMb, 2048, "MB")}`,
    );
    console.log(
        `  ${rp.incidents} incidents: ${t.target("incident problems paged within their bound", rp.paged, rp.problems, "", "=")} of ${rp.problems} problems paged in time; ` +
            `false alerts ${t.target("false alerts on the incident library", rp.falseAlerts, 0, "", "=")}`,
    );

    console.log("\n--help of every command (fresh process, as npm runs the script, median of 3; target ≤ 1 s each)");
    const scripts = (require("../../package.json") as { scripts: Record<string, string> }).scripts;
    for (const [script, line] of Object.entries(scripts).filter(([, l]) => /^node .*tools\/\w+\.ts$/.test(l))) {
        // The script's own words after `node`, run by this Node.js, then --help.
        const args = [...line.split(" ").slice(1), "--help"];
        const ms = median([0, 1, 2].map(() => wallMs(process.execPath, args)));
        console.log(`  ${script.padEnd(16)} ${t.target(`${script} --help`, ms / 1000, 1, "s")}`);
    }

    console.log(`\n${t.summary().join("\n")}`);
    if (process.argv.includes("--check")) {
        process.exitCode = t.exitCode();
    }
})().catch((e) => {
    // A bench that could not measure is not a missed target: exit 70, as the tools do for a failure.
    console.error(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
    process.exitCode = 70;
});
