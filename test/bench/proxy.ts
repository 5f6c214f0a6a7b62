/**
 * Child process: `npm run verify` and `npm run discover` behind a proxy that accepts connections and
 * never replies, each in a fresh process with a 10 s deadline; how long past it each ends, counted
 * from the process's start (Node and the loader start before the run's deadline does).
 */
import { runScript } from "../support/command";
import { PROCESS_SETTINGS, servicePrincipal, TestProxy } from "../support/proxy";
import { devSettings } from "../support/fakeTenant";

const DEADLINE_S = 10;

(async () => {
    const proxy = await TestProxy.start({ kind: "silent" });
    const past: Record<string, number> = {};
    const codes: Record<string, number> = {};
    for (const script of ["verify", "discover"]) {
        const run = await runScript(script, ["--stack", "dev"], {
            env: { HTTPS_PROXY: proxy.url, ENTRA_LOGS_TIMEOUT_SECONDS: String(DEADLINE_S), ...servicePrincipal(devSettings().tenantId) },
            dropped: PROCESS_SETTINGS,
            killAfterMs: 120_000,
        });
        past[script] = run.wallMs - DEADLINE_S * 1000;
        codes[script] = run.code;
    }
    await proxy.close();
    process.stdout.write(`${JSON.stringify({ deadlineS: DEADLINE_S, pastMs: past, codes })}\n`);
})();
