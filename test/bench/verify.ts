/** Child process: verify against the loopback fakes with 100 ms latency per call; wall time vs the sum of all calls. */
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { FakeArm, fakeCredentialFor } from "../support/fakeArm";
import { devSettings, healthyTenant, tenantHandler } from "../support/fakeTenant";

(async () => {
    const s = devSettings();
    const latencyMs = 100;
    const arm = await FakeArm.start(tenantHandler(s, healthyTenant(s)), Date.now, { latencyMs });
    const started = process.hrtime.bigint();
    const { code } = await runIn(
        verifyCommand({
            arm: arm.endpoint,
            logs: `${arm.endpoint}/v1`,
            graph: `${arm.endpoint}/v1.0`,
            credential: fakeCredentialFor(s.tenantId),
            trustedCa: arm.ca,
        }),
        ["--stack", "dev"],
    );
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    await arm.close();
    // The longest dependent chain: workspace, then its table and the data query (2 calls); a rule, then its action group (2).
    const slowestChainMs = 2 * latencyMs;
    process.stdout.write(
        JSON.stringify({ code, wallMs, calls: arm.requests.length, latencyMs, sumMs: arm.requests.length * latencyMs, slowestChainMs }) +
            "\n",
    );
})();
