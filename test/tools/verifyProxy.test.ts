import * as assert from "node:assert";
import { fakeTokenEndpoint } from "../support/fakeArm";
import { devSettings } from "../support/fakeTenant";
import { AZURE_HOSTS, DEADLINE_S, proxiedRuns, publicCloudMetadata } from "../support/proxy";

/**
 * `npm run verify` behind a real proxy on 127.0.0.1, each run its own process as a user runs it:
 * HTTPS_PROXY and NO_PROXY are read once per process, and a proxied request ignores a client's own
 * CA (the SDK's proxy policy drops its TLS settings), so the fake's certificate is trusted the way a
 * TLS-inspecting proxy's is, with NODE_EXTRA_CA_CERTS. The fake stands for every Azure host; the
 * process knows only their names, so whatever reaches the fake came through the proxy.
 */

const s = devSettings();

describe("npm run verify behind a proxy (HTTPS_PROXY, NO_PROXY), as its own process", function () {
    this.timeout(120_000);
    const runs = proxiedRuns(s, {
        hosts: [...AZURE_HOSTS, "localhost"],
        open: (req) => fakeTokenEndpoint(req) ?? publicCloudMetadata(req),
    });
    /** Runs verify for the dev stack with `env`; the fake's CA trusted unless `trustFake` is false. */
    const verify = (env: Record<string, string>, args: string[] = [], trustFake = true) =>
        runs.run("verify", ["--stack", "dev", ...args], env, trustFake);

    describe("a proxy that forwards", () => {
        it("sends every request through it: the token, ARM, Microsoft Graph and the Log Analytics query API", async () => {
            const proxy = await runs.startProxy({ kind: "forward", target: runs.fake.endpoint });
            const run = await verify({ HTTPS_PROXY: proxy.url });
            assert.strictEqual(run.code, 0, run.out + run.err);
            const lines = run.out.trimEnd().split("\n");
            assert.deepStrictEqual(
                lines.filter((l) => !l.startsWith("✓ ")),
                [],
            );
            assert.strictEqual(lines.length, 15);
            assert.deepStrictEqual([...new Set(proxy.connects)].sort(), AZURE_HOSTS.map((h) => `${h}:443`).sort());
            const hosts = (host: string) => runs.fake.requests.filter((r) => r.host === host).map((r) => `${r.method} ${r.path}`);
            const tokens = runs.fake.requests.filter((r) => r.host === "login.microsoftonline.com");
            assert.deepStrictEqual([...new Set(tokens.map((r) => `${r.method} ${r.path}`))], [`POST /${s.tenantId}/oauth2/v2.0/token`]);
            assert.deepStrictEqual(
                [...new Set(tokens.map((r) => new URLSearchParams(String(r.body)).get("scope")))].sort(),
                ["https://api.loganalytics.io/.default", "https://graph.microsoft.com/.default", "https://management.azure.com/.default"],
                "a token for each API, asked through the proxy",
            );
            assert.strictEqual(hosts("management.azure.com").length, 14);
            assert.deepStrictEqual(hosts("graph.microsoft.com"), [
                "GET /v1.0/servicePrincipals",
                "GET /v1.0/servicePrincipals/sp-salesforce/synchronization/jobs",
            ]);
            assert.deepStrictEqual(hosts("api.loganalytics.io"), ["POST /v1/workspaces/6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a/query"]);
            assert.strictEqual(runs.fake.requests.length, tokens.length + 17, "nothing else reached the fake");
        });

        it("sends a host NO_PROXY lists around it, and only that host, as the Azure SDK does", async () => {
            const proxy = await runs.startProxy({ kind: "forward", target: runs.fake.endpoint });
            // The cloud's metadata host (ARM_METADATA_HOSTNAME) is the fake itself, as localhost.
            const metadataHost = `localhost:${new URL(runs.fake.endpoint).port}`;
            const proxied = await verify({ HTTPS_PROXY: proxy.url, ARM_METADATA_HOSTNAME: metadataHost });
            const throughProxy = [...proxy.connects];
            proxy.connects.length = 0;
            const exempt = await verify({
                HTTPS_PROXY: proxy.url,
                ARM_METADATA_HOSTNAME: metadataHost,
                NO_PROXY: "example.org, localhost",
            });
            assert.deepStrictEqual([proxied.code, exempt.code], [0, 0], proxied.err + exempt.err);
            assert.deepStrictEqual(
                [throughProxy.includes(`${metadataHost}`), proxy.connects.includes(`${metadataHost}`)],
                [true, false],
                "the metadata request went through the proxy, then around it",
            );
            assert.deepStrictEqual(
                [...new Set(proxy.connects)].sort(),
                AZURE_HOSTS.map((h) => `${h}:443`).sort(),
                "every other host still through it",
            );
            assert.strictEqual(runs.fake.requests.filter((r) => r.path === "/metadata/endpoints" && r.host === metadataHost).length, 2);
        });
    });

    describe("a proxy that inspects TLS", () => {
        it("names the certificate, the proxy and NODE_EXTRA_CA_CERTS when the proxy's CA is not given", async () => {
            const proxy = await runs.startProxy({ kind: "forward", target: runs.fake.endpoint });
            const run = await verify({ HTTPS_PROXY: proxy.url }, [], false);
            assert.strictEqual(run.code, 1, run.out + run.err);
            assert.strictEqual(
                run.out,
                `✗ credentials and 12 other checks: the certificate presented for login.microsoftonline.com through the proxy ${proxy.url} (HTTPS_PROXY) ` +
                    "is not from a CA Node trusts (DEPTH_ZERO_SELF_SIGNED_CERT): the proxy inspects TLS " +
                    "— fix: give Node the proxy's CA: NODE_EXTRA_CA_CERTS=<its PEM file>, or have login.microsoftonline.com exempted from inspection\n",
            );
        });
    });

    describe("a proxy that accepts connections and never replies", () => {
        it("ends within the run's deadline, exit 1, one line naming the proxy, and progress on stderr while it waits", async () => {
            const proxy = await runs.startProxy({ kind: "silent" });
            const run = await verify({ HTTPS_PROXY: proxy.url, ENTRA_LOGS_TIMEOUT_SECONDS: String(DEADLINE_S) });
            assert.strictEqual(run.code, 1, run.out + run.err);
            assert.match(
                run.out,
                new RegExp(
                    `^✗ credentials and \\d+ other checks: no answer through the proxy ${proxy.url} \\(HTTPS_PROXY\\) within the run's deadline of ${DEADLINE_S} s \\(ENTRA_LOGS_TIMEOUT_SECONDS\\) ` +
                        "— fix: check that the proxy runs and lets these hosts through, or list in NO_PROXY the hosts this network reaches without it\n$",
                ),
            );
            assert.doesNotMatch(run.out, /Azure's side/);
            const progress = run.err.trimEnd().split("\n");
            assert.ok(progress.length >= 1, run.err);
            for (const line of progress) {
                assert.match(
                    line,
                    new RegExp(
                        `^… still waiting for a token from login\\.microsoftonline\\.com through the proxy ${proxy.url} \\(HTTPS_PROXY\\) and \\d+ other reads \\(\\d+ s of ${DEADLINE_S} s\\)$`,
                    ),
                );
            }
            assert.ok(proxy.connects.includes("login.microsoftonline.com:443"), proxy.connects.join(", "));
        });

        it("keeps --json's standard output JSON: progress goes to stderr", async () => {
            const proxy = await runs.startProxy({ kind: "silent" });
            const run = await verify({ HTTPS_PROXY: proxy.url, ENTRA_LOGS_TIMEOUT_SECONDS: String(DEADLINE_S) }, ["--json"]);
            assert.strictEqual(run.code, 1, run.out + run.err);
            const report = JSON.parse(run.out);
            assert.deepStrictEqual(
                report.checks.map((c: { status: string; message: string }) => [c.status, c.message]),
                [
                    [
                        "fail",
                        `no answer through the proxy ${proxy.url} (HTTPS_PROXY) within the run's deadline of ${DEADLINE_S} s (ENTRA_LOGS_TIMEOUT_SECONDS)`,
                    ],
                ],
            );
            assert.match(run.err, /^… still waiting for /);
        });
    });

    describe("a proxy that refuses", () => {
        it("names the proxy that asked for credentials (407), without waiting for the deadline", async () => {
            const proxy = await runs.startProxy({ kind: "auth" });
            // The run's deadline is its default 3 minutes: ending before the kill at 60 s is ending without waiting for it.
            const run = await verify({ HTTPS_PROXY: proxy.url });
            assert.strictEqual(run.code, 1, run.out + run.err);
            assert.match(
                run.out,
                new RegExp(
                    `^✗ credentials and \\d+ other checks: the proxy ${proxy.url} \\(HTTPS_PROXY\\) asked for credentials \\(HTTP 407 Proxy Authentication Required\\) ` +
                        "— fix: put them in HTTPS_PROXY \\(http://user:password@host:port\\), or have the proxy let these hosts through without them\n$",
                ),
            );
        });

        it("names the proxy that refused the connection (https_proxy), without waiting for the deadline", async () => {
            const proxy = await runs.startProxy({ kind: "refused" });
            const run = await verify({ https_proxy: proxy.url });
            assert.strictEqual(run.code, 1, run.out + run.err);
            assert.match(
                run.out,
                new RegExp(
                    `^✗ credentials and \\d+ other checks: the proxy ${proxy.url} \\(https_proxy\\) refused the connection \\(ECONNREFUSED\\) ` +
                        "— fix: check the proxy's host and port in https_proxy, and that the proxy runs\n$",
                ),
            );
        });
    });
});
