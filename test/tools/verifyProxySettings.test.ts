import * as assert from "node:assert";
import { UsageError } from "../../tools/cli";
import { AzureReader, LiveFailure } from "../../tools/live/azureReader";
import { DEFAULT_RUN_DEADLINE_MS, deadlineFromEnv, RunDeadline } from "../../tools/live/deadline";
import { checkProxyVariables } from "../../tools/live/proxy";
import { PROJECT_DIR } from "../../tools/stackFiles";
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { FakeArm, fakeCredential, noJitter, VirtualClock } from "../support/fakeArm";

/** The settings of verify's and discover's runs, and their deadline, in this process (the proxies themselves: verifyProxy.test.ts). */

describe("the proxy variables verify and discover take", () => {
    const refused = (env: NodeJS.ProcessEnv) => {
        try {
            checkProxyVariables(env);
        } catch (e) {
            assert.ok(e instanceof UsageError);
            return e.message;
        }
        return undefined;
    };

    it("takes an http or https URL in the variable the Azure SDK reads first, or none", () => {
        assert.deepStrictEqual(
            [
                {},
                { HTTPS_PROXY: "http://10.0.0.1:3128" },
                { https_proxy: "https://user:secret@proxy.corp" },
                { HTTP_PROXY: "http://proxy" },
            ].map(refused),
            [undefined, undefined, undefined, undefined],
        );
    });

    it("refuses one the SDK can't use, in one line naming the variable and the value, without its password", () => {
        assert.deepStrictEqual(
            [
                { HTTPS_PROXY: "proxy.corp:3128" },
                { ALL_PROXY: "10.0.0.1:3128" },
                { https_proxy: "socks5://user:secret@proxy.corp:1080" },
                // HTTPS_PROXY is the one read, whatever HTTP_PROXY says.
                { HTTPS_PROXY: "//proxy", HTTP_PROXY: "http://proxy" },
            ].map(refused),
            [
                'HTTPS_PROXY must be the proxy\'s URL, http:// or https:// and its host, such as http://proxy.example.com:3128 (got "proxy.corp:3128")',
                'ALL_PROXY must be the proxy\'s URL, http:// or https:// and its host, such as http://proxy.example.com:3128 (got "10.0.0.1:3128")',
                'https_proxy must be the proxy\'s URL, http:// or https:// and its host, such as http://proxy.example.com:3128 (got "socks5://proxy.corp:1080")',
                'HTTPS_PROXY must be the proxy\'s URL, http:// or https:// and its host, such as http://proxy.example.com:3128 (got "//proxy")',
            ],
        );
    });
});

describe("the run's deadline (ENTRA_LOGS_TIMEOUT_SECONDS)", () => {
    it("is 3 minutes unless set, in whole seconds from 1 to 3600", () => {
        assert.deepStrictEqual(
            [{}, { ENTRA_LOGS_TIMEOUT_SECONDS: "" }, { ENTRA_LOGS_TIMEOUT_SECONDS: "90" }, { ENTRA_LOGS_TIMEOUT_SECONDS: "3600" }].map(
                (env) => deadlineFromEnv(env),
            ),
            [DEFAULT_RUN_DEADLINE_MS, DEFAULT_RUN_DEADLINE_MS, 90_000, 3_600_000],
        );
        assert.strictEqual(DEFAULT_RUN_DEADLINE_MS, 180_000);
    });

    it("refuses anything else in one line naming the variable, the rule and the value", () => {
        for (const value of ["0", "3601", "1.5", "90s", "-5"]) {
            assert.throws(
                () => deadlineFromEnv({ ENTRA_LOGS_TIMEOUT_SECONDS: value }),
                (e: Error) =>
                    e instanceof UsageError &&
                    e.message ===
                        `ENTRA_LOGS_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 3600 (got ${JSON.stringify(value)})`,
            );
        }
    });

    it("makes verify exit 2 with that line before reading anything", async () => {
        const saved = process.env.ENTRA_LOGS_TIMEOUT_SECONDS;
        process.env.ENTRA_LOGS_TIMEOUT_SECONDS = "soon";
        try {
            const { code, out, err } = await runIn(verifyCommand({ credential: fakeCredential }), ["--stack", "dev"]);
            assert.deepStrictEqual(
                [code, out, err],
                [2, "", 'error: ENTRA_LOGS_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 3600 (got "soon")\n'],
            );
        } finally {
            if (saved === undefined) {
                delete process.env.ENTRA_LOGS_TIMEOUT_SECONDS;
            } else {
                process.env.ENTRA_LOGS_TIMEOUT_SECONDS = saved;
            }
        }
    });

    it("bounds every read: one due after it is not sent, and a read's retries stop at it, not at their own 2 minutes", async () => {
        const clock = new VirtualClock();
        const arm = await FakeArm.start(
            () => ({ status: 503, body: { error: { code: "ServiceUnavailable", message: "busy" } } }),
            clock.now,
        );
        try {
            const deadline = new RunDeadline({ totalMs: 30_000, clock });
            const az = new AzureReader({
                arm: arm.endpoint,
                credential: fakeCredential,
                trustedCa: arm.ca,
                clock,
                random: noJitter,
                deadline,
            });
            const answer = await az.get("/subscriptions/x", "2022-12-01");
            assert.strictEqual(answer.status, 503);
            assert.ok(answer.gaveUp, "it gave up");
            assert.ok(clock.now() <= 30_000, `${clock.now()} ms`);
            assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250], "the next wait, 16.9 s, would have ended past the 30 s");
            const sent = arm.requests.length;
            clock.time = 30_000;
            await assert.rejects(
                az.get("/subscriptions/x", "2022-12-01"),
                (e: Error) =>
                    e instanceof LiveFailure &&
                    e.message === "not read: the run's deadline of 30 s (ENTRA_LOGS_TIMEOUT_SECONDS) had passed" &&
                    e.fix === "run it again, or give it more time with ENTRA_LOGS_TIMEOUT_SECONDS",
            );
            assert.strictEqual(arm.requests.length, sent, "nothing sent after the deadline");
        } finally {
            await arm.close();
        }
    });
});

describe("progress while reads are pending", () => {
    const never = () => new Promise<never>(() => undefined);

    it("names the oldest pending read, how many others, and the time against the deadline, once it has waited a full period", () => {
        const clock = new VirtualClock();
        const deadline = new RunDeadline({ totalMs: 60_000, clock, progressEveryMs: 5_000 });
        void deadline.track("a token from login.microsoftonline.com through the proxy http://10.0.0.1:3128 (HTTPS_PROXY)", never);
        clock.time = 2_000;
        void deadline.track("GET management.azure.com/subscriptions/x", never);
        const at = (ms: number) => {
            clock.time = ms;
            return deadline.progressLine();
        };
        assert.deepStrictEqual(
            [at(4_999), at(12_000)],
            [
                undefined,
                "… still waiting for a token from login.microsoftonline.com through the proxy http://10.0.0.1:3128 (HTTPS_PROXY) and 1 other read (12 s of 60 s)",
            ],
        );
    });

    it("prints a line every period while a read is pending, and none once nothing is", async () => {
        const lines: string[] = [];
        const deadline = new RunDeadline({ totalMs: 60_000, progress: (l) => lines.push(l), progressEveryMs: 30 });
        await deadline.track("a slow read", () => new Promise((resolve) => setTimeout(resolve, 200)));
        const printed = lines.length;
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(printed >= 3 && printed <= 7, `${printed} lines`);
        assert.strictEqual(lines.length, printed, "nothing after the read ended");
        assert.deepStrictEqual([...new Set(lines)], ["… still waiting for a slow read (0 s of 60 s)"]);
    });

    it("defaults to every 5 s, or a sixth of a shorter deadline, 1 s at least", () => {
        assert.deepStrictEqual(
            [180_000, 12_000, 4_000].map((totalMs) => new RunDeadline({ totalMs }).progressEveryMs),
            [5_000, 2_000, 1_000],
        );
    });
});

describe("a run as its own process (endingInTime)", function () {
    this.timeout(60_000);

    it("is ended with one line, exit 70, should it outlive its deadline by 5 s", async () => {
        const { execFile }: typeof import("node:child_process") = require("node:child_process");
        // A command that never returns, and a handle that would keep Node alive for ever.
        const script = [
            'const { endingInTime } = require("./tools/live/deadline");',
            'const { runAsMain } = require("./tools/cli");',
            'runAsMain(endingInTime(() => new Promise(() => setInterval(() => undefined, 1000)), "a stuck command"));',
        ].join(" ");
        const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
            execFile(
                process.execPath,
                ["-r", "./tools/register.js", "-e", script],
                { cwd: PROJECT_DIR, env: { ...process.env, ENTRA_LOGS_TIMEOUT_SECONDS: "1" }, timeout: 30_000, killSignal: "SIGKILL" },
                (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, out, err }),
            ),
        );
        assert.deepStrictEqual(run, {
            code: 70,
            out: "",
            err: "internal error: a stuck command did not end within its deadline of 1 s (ENTRA_LOGS_TIMEOUT_SECONDS): a read outlived its timeout; please report it\n",
        });
    });
});
