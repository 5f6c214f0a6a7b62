import * as assert from "node:assert";
import { fakeTokenEndpoint } from "../support/fakeArm";
import { devSettings } from "../support/fakeTenant";
import { AZURE_HOSTS, DEADLINE_S, proxiedRuns } from "../support/proxy";

/**
 * `npm run discover` behind a real proxy on 127.0.0.1, each run its own process as a user runs it
 * (see verifyProxy.test.ts for why, and for NO_PROXY).
 */

const s = devSettings();

describe("npm run discover behind a proxy (HTTPS_PROXY), as its own process", function () {
    this.timeout(120_000);
    const runs = proxiedRuns(s, { hosts: AZURE_HOSTS, open: fakeTokenEndpoint });
    const discover = (env: Record<string, string>) => runs.run("discover", ["--stack", "dev"], env);

    /** The findings discover printed. */
    const findings = (out: string) =>
        out
            .split("\n")
            .filter((l) => /^ {2}[✓✗!] /.test(l))
            .map((l) => l.trim());

    it("reads the tenant through a proxy that forwards: the token, ARM and the Log Analytics query API", async () => {
        const proxy = await runs.startProxy({ kind: "forward", target: runs.fake.endpoint });
        const run = await discover({ HTTPS_PROXY: proxy.url });
        assert.strictEqual(run.code, 0, run.out + run.err);
        assert.deepStrictEqual(
            findings(run.out).filter((l) => !l.startsWith("✓")),
            [],
        );
        assert.match(
            run.out,
            /^ {2}log-entra-provisioning-dev {2}subscription .*; AADProvisioningLogs: last record 2026-11-25T09:30:00\.000Z, 1234 in the last 24 h$/m,
        );
        assert.deepStrictEqual([...new Set(proxy.connects)].sort(), [
            "api.loganalytics.io:443",
            "login.microsoftonline.com:443",
            "management.azure.com:443",
        ]);
        assert.ok(
            runs.fake.requests.every((r) => AZURE_HOSTS.some((h) => r.host === h)),
            "every request reached the fake through the proxy, for an Azure host",
        );
    });

    it("ends within the run's deadline behind a proxy that never replies, exit 1, naming the proxy, with progress on stderr", async () => {
        const proxy = await runs.startProxy({ kind: "silent" });
        const run = await discover({ HTTPS_PROXY: proxy.url, ENTRA_LOGS_TIMEOUT_SECONDS: String(DEADLINE_S) });
        assert.strictEqual(run.code, 1, run.out + run.err);
        assert.deepStrictEqual(findings(run.out), [
            `✗ credentials: no answer through the proxy ${proxy.url} (HTTPS_PROXY) within the run's deadline of ${DEADLINE_S} s (ENTRA_LOGS_TIMEOUT_SECONDS) ` +
                "— fix: check that the proxy runs and lets these hosts through, or list in NO_PROXY the hosts this network reaches without it",
        ]);
        const progress = run.err.trimEnd().split("\n");
        assert.ok(progress.length >= 1, run.err);
        for (const line of progress) {
            assert.match(
                line,
                new RegExp(
                    `^… still waiting for a token from login\\.microsoftonline\\.com through the proxy ${proxy.url} \\(HTTPS_PROXY\\) \\(\\d+ s of ${DEADLINE_S} s\\)$`,
                ),
            );
        }
    });

    it("names the proxy that asked for credentials (407)", async () => {
        const proxy = await runs.startProxy({ kind: "auth" });
        const run = await discover({ HTTPS_PROXY: proxy.url });
        assert.strictEqual(run.code, 1, run.out + run.err);
        assert.deepStrictEqual(findings(run.out), [
            `✗ credentials: the proxy ${proxy.url} (HTTPS_PROXY) asked for credentials (HTTP 407 Proxy Authentication Required) ` +
                "— fix: put them in HTTPS_PROXY (http://user:password@host:port), or have the proxy let these hosts through without them",
        ]);
    });

    it("names the proxy that refused the connection", async () => {
        const proxy = await runs.startProxy({ kind: "refused" });
        const run = await discover({ HTTPS_PROXY: proxy.url });
        assert.strictEqual(run.code, 1, run.out + run.err);
        assert.deepStrictEqual(findings(run.out), [
            `✗ credentials: the proxy ${proxy.url} (HTTPS_PROXY) refused the connection (ECONNREFUSED) ` +
                "— fix: check the proxy's host and port in HTTPS_PROXY, and that the proxy runs",
        ]);
    });
});
