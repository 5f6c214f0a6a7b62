import * as assert from "assert";
import { ArmFailure, isTransient, retryArm, retryTransient, transientAnswer, withRequestTimeout } from "../../../program/azure/armOperation";
import { VirtualClock } from "../../support/fakeArm";

/** A failure shaped like the Azure SDK's RestError. */
function failure(statusCode: number | undefined, code: string, retryAfter?: string): ArmFailure & Error {
    return Object.assign(new Error(`${code} happened`), {
        statusCode,
        code,
        response: { headers: { get: (name: string) => (name === "retry-after" ? retryAfter : undefined) } },
    });
}

/** An attempt that fails with `failures` in turn, then returns "done". */
function failingWith(...failures: Error[]): { attempt: () => Promise<string>; calls: () => number } {
    let calls = 0;
    return {
        attempt: async () => {
            const f = failures[calls++];
            if (f) {
                throw f;
            }
            return "done";
        },
        calls: () => calls,
    };
}

const spec = { operation: "Setting the thing", forbidden: "grant the thing", timeoutMs: 60_000 };

describe("the one retry policy for ARM calls", () => {
    it("counts throttling, 408, 5xx and a lost connection as passing, and 400, 403, 404 and a credential failure as not", () => {
        const passing = [failure(429, "TooManyRequests"), failure(408, "RequestTimeout"), failure(500, "InternalServerError"), failure(503, "ServiceUnavailable"), failure(undefined, "ECONNRESET")];
        const lasting = [failure(400, "BadRequest"), failure(403, "AuthorizationFailed"), failure(404, "ResourceNotFound"), new Error("no credential")];
        assert.deepStrictEqual(passing.map(isTransient), [true, true, true, true, true]);
        assert.deepStrictEqual(lasting.map(isTransient), [false, false, false, false]);
    });

    it("retries with a growing wait, or Retry-After when longer", async () => {
        const clock = new VirtualClock();
        const { attempt, calls } = failingWith(failure(503, "ServiceUnavailable"), failure(429, "TooManyRequests", "20"), failure(undefined, "ECONNRESET"));
        assert.strictEqual(await retryArm(spec, attempt, { clock }), "done");
        assert.strictEqual(calls(), 4);
        assert.deepStrictEqual(clock.sleeps, [5_000, 20_000, 11_250]);
    });

    it("fails at once on a 403 with the fix, and on anything else lasting with ARM's answer", async () => {
        const clock = new VirtualClock();
        await assert.rejects(retryArm(spec, failingWith(failure(403, "AuthorizationFailed")).attempt, { clock }), {
            message: "Setting the thing was refused (HTTP 403): grant the thing",
        });
        await assert.rejects(retryArm(spec, failingWith(failure(400, "InvalidRetention")).attempt, { clock }), {
            message: "Setting the thing failed (HTTP 400 InvalidRetention): InvalidRetention happened",
        });
        assert.deepStrictEqual(clock.sleeps, []);
    });

    it("gives up before a wait would end past the deadline, saying what ARM answered", async () => {
        const clock = new VirtualClock();
        const throttled = Array.from({ length: 10 }, () => failure(429, "TooManyRequests"));
        await assert.rejects(retryArm(spec, failingWith(...throttled).attempt, { clock }), {
            message: "Setting the thing did not succeed within 1 minutes: ARM answered HTTP 429 ×5. Azure may be throttling or degraded; run pulumi up again later.",
        });
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250, 16_875]);
        assert.strictEqual(clock.now(), 40_625);
    });

    describe("for callers that read the answers themselves", () => {
        const answer = (status: number, retryAfter?: string) => ({ status, headers: { get: (name: string) => (name === "retry-after" ? retryAfter : undefined) } });

        it("waits out transient answers and returns the first lasting one", async () => {
            const clock = new VirtualClock();
            const answers = [answer(429, "9"), answer(502), answer(404)];
            const got = await retryTransient(spec, async () => answers.shift()!, transientAnswer, { clock });
            assert.strictEqual(got.status, 404);
            assert.deepStrictEqual(clock.sleeps, [9_000, 7_500]);
        });

        it("returns the last transient answer at the deadline", async () => {
            const clock = new VirtualClock();
            let n = 0;
            const got = await retryTransient({ ...spec, timeoutMs: 10_000 }, async () => answer(500 + n++), transientAnswer, { clock });
            assert.strictEqual(got.status, 501);
            assert.deepStrictEqual(clock.sleeps, [5_000]);
        });

        it("rethrows a lasting error as it is, and names the call when a transient one outlasts the deadline", async () => {
            const clock = new VirtualClock();
            const original = new Error("no credential");
            await assert.rejects(retryTransient(spec, failingWith(original).attempt, () => undefined, { clock }), (e) => e === original);
            const resets = Array.from({ length: 10 }, () => failure(undefined, "ECONNRESET"));
            await assert.rejects(retryTransient({ ...spec, timeoutMs: 20_000 }, failingWith(...resets).attempt, () => undefined, { clock }), {
                message: "Setting the thing did not succeed within 20 s: Azure answered ECONNRESET ×3",
            });
        });
    });

    describe("the per-request timeout", () => {
        /** A request that never answers by itself: it ends only when its signal aborts. */
        const hanging = (signal: AbortSignal) => new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));

        it("abandons a request when its time is up, as a transient failure", async () => {
            const clock = new VirtualClock();
            const request = withRequestTimeout(60_000, clock, hanging);
            let settled = false;
            request.catch(() => undefined).finally(() => (settled = true));
            clock.advance(59_999);
            await new Promise((r) => setImmediate(r));
            assert.strictEqual(settled, false, "still waiting at 59.999 s");
            clock.advance(1);
            await assert.rejects(request, (e: ArmFailure) => e.code === "REQUEST_TIMEOUT" && e.message === "no answer within 60 s" && isTransient(e));
            assert.deepStrictEqual(clock.timers, [60_000]);
        });

        it("leaves an answered request alone and clears its timer", async () => {
            const clock = new VirtualClock();
            assert.strictEqual(await withRequestTimeout(60_000, clock, async () => "answer"), "answer");
            assert.strictEqual(clock.pendingTimers, 0);
        });

        it("passes on the caller's own abort, which is not a timeout", async () => {
            const clock = new VirtualClock();
            const caller = new AbortController();
            const request = withRequestTimeout(60_000, clock, hanging, caller.signal);
            caller.abort();
            await assert.rejects(request, { message: "aborted" });
            assert.strictEqual(clock.pendingTimers, 0);
        });
    });
});
