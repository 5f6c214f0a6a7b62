import * as assert from "node:assert";
import {
    ArmClient,
    type ArmFailure,
    ArmGaveUp,
    armCall,
    Deadline,
    followOperation,
    formatDuration,
    isTransient,
    retryArm,
    retryTransient,
    transientAnswer,
    withRequestTimeout,
} from "../../../components/azure/armOperation";
import { type ArmHandler, type ArmReply, FakeArm, fakeCredential, noJitter, VirtualClock } from "../../support/fakeArm";

/** A failure shaped like the Azure SDK's RestError. */
function failure(statusCode: number | undefined, code: string, retryAfter?: string, message = `${code} happened`): ArmFailure & Error {
    return Object.assign(new Error(message), {
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
    it("counts throttling, 408, 5xx, a 409 while another operation runs, a lost connection, a timeout and a cut-short answer as passing", () => {
        const passing = [
            failure(429, "TooManyRequests"),
            failure(408, "RequestTimeout"),
            failure(500, "InternalServerError"),
            failure(503, "ServiceUnavailable"),
            failure(409, "AnotherOperationInProgress"),
            failure(409, "Conflict", undefined, "Failed to modify resource, newer data exists. Please try again in a few minutes."),
            failure(undefined, "ECONNRESET"),
            failure(undefined, "PARSE_ERROR", undefined, "Error reading response as text: aborted"),
            failure(undefined, "REQUEST_TIMEOUT"),
            failure(200, "MALFORMED_ANSWER"),
        ];
        assert.deepStrictEqual(
            passing.filter((f) => !isTransient(f)).map((f) => f.code),
            [],
        );
    });

    it("counts 400, 401, 403, 404, a 409 about something else and a credential failure as lasting", () => {
        const lasting = [
            failure(400, "BadRequest"),
            failure(401, "InvalidAuthenticationToken"),
            failure(403, "AuthorizationFailed"),
            failure(404, "ResourceNotFound"),
            failure(409, "Conflict", undefined, "The resource name is already taken."),
            new Error("no credential"),
        ];
        assert.deepStrictEqual(
            lasting.filter(isTransient).map((f) => (f as ArmFailure).code),
            [],
        );
    });

    it("retries with a growing wait, or Retry-After when longer", async () => {
        const clock = new VirtualClock();
        const { attempt, calls } = failingWith(
            failure(503, "ServiceUnavailable"),
            failure(429, "TooManyRequests", "20"),
            failure(undefined, "ECONNRESET"),
        );
        assert.strictEqual(await retryArm(spec, attempt, { clock, random: noJitter }), "done");
        assert.strictEqual(calls(), 4);
        assert.deepStrictEqual(clock.sleeps, [5_000, 20_000, 11_250]);
    });

    it("jitters each wait by up to 20 % either way, from the random source it is given", async () => {
        for (const [random, first] of [
            [() => 0, 4_000],
            [() => 0.999_999, 6_000],
        ] as const) {
            const clock = new VirtualClock();
            await retryArm(spec, failingWith(failure(503, "ServiceUnavailable")).attempt, { clock, random });
            assert.strictEqual(Math.round(clock.sleeps[0] * 100) / 100, first);
        }
    });

    it("honours a Retry-After given as an HTTP date", async () => {
        const clock = new VirtualClock();
        clock.time = Date.parse("2026-11-25T09:00:00Z");
        await retryArm(spec, failingWith(failure(429, "TooManyRequests", "Wed, 25 Nov 2026 09:00:42 GMT")).attempt, {
            clock,
            random: noJitter,
        });
        assert.deepStrictEqual(clock.sleeps, [42_000]);
    });

    it("fails at once on a 403 with the fix, and on anything else lasting with ARM's answer", async () => {
        const clock = new VirtualClock();
        await assert.rejects(retryArm(spec, failingWith(failure(403, "AuthorizationFailed")).attempt, { clock }), {
            message: "Setting the thing was refused (HTTP 403): grant the thing",
        });
        await assert.rejects(retryArm(spec, failingWith(failure(400, "InvalidRetention")).attempt, { clock }), {
            message: "Setting the thing failed (HTTP 400 InvalidRetention): InvalidRetention happened",
        });
        await assert.rejects(
            retryArm(
                { ...spec, badRequest: "Check the thing's setting." },
                failingWith(failure(400, "InvalidRetention", undefined, "Retention is out of range.")).attempt,
                { clock },
            ),
            {
                message: "Setting the thing failed (HTTP 400 InvalidRetention): Retention is out of range. Check the thing's setting.",
            },
        );
        await assert.rejects(retryArm(spec, failingWith(new Error("ARM_USE_OIDC is true but no token is available")).attempt, { clock }), {
            message: "Setting the thing failed before reaching ARM: ARM_USE_OIDC is true but no token is available",
        });
        assert.deepStrictEqual(clock.sleeps, []);
    });

    it("gives up before a wait would end past the deadline, saying what ARM answered and what it means", async () => {
        const clock = new VirtualClock();
        const throttled = Array.from({ length: 10 }, () => failure(429, "TooManyRequests"));
        await assert.rejects(retryArm(spec, failingWith(...throttled).attempt, { clock, random: noJitter }), {
            message:
                "Setting the thing did not succeed within 60 s; ARM answered HTTP 429 ×5 in 41 s; ARM was throttling the requests. Run pulumi up again later.",
        });
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250, 16_875]);
        assert.strictEqual(clock.now(), 40_625);
    });

    it("stops at once when Retry-After asks for longer than the time left, never sleeping it", async () => {
        const clock = new VirtualClock();
        await assert.rejects(
            retryArm(
                { ...spec, timeoutMs: 10 * 60_000 },
                failingWith(failure(503, "ServiceUnavailable"), failure(429, "TooManyRequests", "3600")).attempt,
                { clock, random: noJitter },
            ),
            {
                message:
                    "Setting the thing stopped: ARM asked to wait 60 min (Retry-After) but only 9 min are left of its 10 min; ARM answered HTTP 503 ×1, HTTP 429 ×1 in 5 s. " +
                    "Run pulumi up again in 60 min.",
            },
        );
        assert.deepStrictEqual(clock.sleeps, [5_000]);
    });

    it("retries what the operation's context adds (a new workspace's 404) for as long as it says, then reports it with its fix", async () => {
        const clock = new VirtualClock();
        const notFound = Array.from({ length: 20 }, () => failure(404, "ResourceNotFound", undefined, "Workspace not active."));
        const graced = {
            ...spec,
            notFound: "Wait for the workspace.",
            retryAlso: (err: ArmFailure, elapsedMs: number) => err.statusCode === 404 && elapsedMs < 20_000,
        };
        await assert.rejects(retryArm(graced, failingWith(...notFound).attempt, { clock, random: noJitter }), {
            message:
                "Setting the thing failed (HTTP 404 ResourceNotFound): Workspace not active; ARM answered HTTP 404 ×3 in 24 s. Wait for the workspace.",
        });
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250]);
    });

    it("gives each attempt the per-request timeout, cut to the time left", async () => {
        const clock = new VirtualClock();
        const timeouts: number[] = [];
        const failures = [failure(503, "ServiceUnavailable"), failure(503, "ServiceUnavailable")];
        await retryArm(
            { ...spec, timeoutMs: 70_000 },
            async (timeoutMs) => {
                timeouts.push(timeoutMs);
                clock.advance(20_000); // each request takes 20 s to fail
                const f = failures.shift();
                if (f) {
                    throw f;
                }
                return "done";
            },
            { clock, random: noJitter },
        );
        assert.deepStrictEqual(timeouts, [60_000, 45_000, 17_500]);
    });

    it("writes durations as a person reads them", () => {
        assert.deepStrictEqual(
            [
                formatDuration(999),
                formatDuration(90_000),
                formatDuration(3_600_000),
                formatDuration(1_194_000, "floor"),
                formatDuration(1_194_000),
            ],
            ["1 s", "90 s", "60 min", "19 min", "20 min"],
        );
    });

    describe("for callers that read the answers themselves", () => {
        const answer = (status: number, retryAfter?: string) => ({
            status,
            headers: { get: (name: string) => (name === "retry-after" ? retryAfter : undefined) },
        });

        it("waits out transient answers and returns the first lasting one", async () => {
            const clock = new VirtualClock();
            const answers = [answer(429, "9"), answer(502), answer(409), answer(404)];
            const got = await retryTransient(spec, async () => answers.shift()!, transientAnswer, { clock, random: noJitter });
            assert.strictEqual(got.value.status, 409, "a 409 that does not say another operation runs is an answer");
            assert.strictEqual(got.gaveUp, undefined);
            assert.deepStrictEqual(clock.sleeps, [9_000, 7_500]);
        });

        it("returns the last transient answer at the deadline, with what Azure answered", async () => {
            const clock = new VirtualClock();
            let n = 0;
            // 500, then 502 (501 Not Implemented and 505 are no transient answers).
            const got = await retryTransient({ ...spec, timeoutMs: 10_000 }, async () => answer(500 + 2 * n++), transientAnswer, {
                clock,
                random: noJitter,
            });
            assert.strictEqual(got.value.status, 502);
            assert.strictEqual(got.gaveUp, "HTTP 500 ×1, HTTP 502 ×1 in 5 s");
            assert.deepStrictEqual(clock.sleeps, [5_000]);
        });

        it("rethrows a lasting error as it is, and names the call when a transient one outlasts the deadline", async () => {
            const clock = new VirtualClock();
            const original = new Error("no credential");
            await assert.rejects(
                retryTransient(spec, failingWith(original).attempt, () => undefined, { clock }),
                (e) => e === original,
            );
            const resets = Array.from({ length: 10 }, () => failure(undefined, "ECONNRESET"));
            await assert.rejects(
                retryTransient({ ...spec, timeoutMs: 20_000 }, failingWith(...resets).attempt, () => undefined, {
                    clock,
                    random: noJitter,
                }),
                (e: Error) => {
                    assert.ok(e instanceof ArmGaveUp);
                    assert.strictEqual(
                        e.message,
                        "Setting the thing did not succeed within 20 s; Azure answered connection reset ×3 in 13 s; Azure was failing the requests. Run verify again later.",
                    );
                    assert.strictEqual(e.answered, "connection reset ×3 in 13 s");
                    return true;
                },
            );
        });
    });

    describe("the per-request timeout", () => {
        /** A request that never answers by itself: it ends only when its signal aborts. */
        const hanging = (signal: AbortSignal) =>
            new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));

        it("abandons a request when its time is up, as a transient failure", async () => {
            const clock = new VirtualClock();
            const request = withRequestTimeout(60_000, clock, hanging);
            let settled = false;
            request.catch(() => undefined).finally(() => (settled = true));
            clock.advance(59_999);
            await new Promise((r) => setImmediate(r));
            assert.strictEqual(settled, false, "still waiting at 59.999 s");
            clock.advance(1);
            await assert.rejects(
                request,
                (e: ArmFailure) => e.code === "REQUEST_TIMEOUT" && e.message === "no answer within 60 s" && isTransient(e),
            );
            assert.deepStrictEqual(clock.timers, [60_000]);
        });

        it("gives up on a callee that ignores its abort signal (a credential that never returns)", async () => {
            const clock = new VirtualClock();
            const request = withRequestTimeout(60_000, clock, () => new Promise<string>(() => undefined));
            clock.advance(60_000);
            await assert.rejects(request, (e: ArmFailure) => e.code === "REQUEST_TIMEOUT" && isTransient(e));
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

    describe("following a long-running operation", () => {
        const TABLE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/tables/T";
        const table: ArmReply = { status: 200, body: { id: TABLE, properties: { retentionInDays: 90 } } };
        let arm: FakeArm | undefined;
        let clock: VirtualClock;
        afterEach(async () => {
            await arm?.close();
            arm = undefined;
        });

        /** ARM answers the PATCH with a 202 and `accepted`'s headers, the rest with `handler`; the operation, followed. */
        async function follow(accepted: (endpoint: string) => Record<string, string>, handler: (endpoint: string) => ArmHandler) {
            clock = new VirtualClock();
            let endpoint = "";
            arm = await FakeArm.start(
                (req) => (req.method === "PATCH" ? { status: 202, headers: accepted(endpoint) } : handler(endpoint)(req)),
                clock.now,
            );
            endpoint = arm.endpoint;
            const deps = { endpoint, credential: fakeCredential, trustedCa: arm.ca, clock, random: noJitter };
            const client = new ArmClient(deps);
            const deadline = new Deadline({ operation: "Setting T", timeoutMs: 10 * 60_000 }, deps);
            const answer = await armCall(client, "PATCH", TABLE, { apiVersion: "2023-09-01", body: {}, timeoutMs: 60_000 });
            return followOperation(client, answer, { path: TABLE, apiVersion: "2023-09-01" }, deadline, deps);
        }

        /** The status URL's answers in turn (the last for ever); the table for anything else. */
        const statuses =
            (...replies: ArmReply[]) =>
            (): ArmHandler =>
            (req) =>
                req.path.startsWith("/ops/") ? (replies.length > 1 ? replies.shift()! : replies[0]) : table;
        const requests = () => arm!.requests.map((r) => `${r.method} ${r.path} ${r.at}`);

        it("follows Operation-Location, as the SDK does, then reads the resource (it read the table at once, before the operation ended)", async () => {
            const answer = await follow(
                (endpoint) => ({ "operation-location": `${endpoint}/ops/1` }),
                statuses({ status: 200, body: { status: "Running" } }, { status: 200, body: { status: "Succeeded" } }),
            );
            assert.deepStrictEqual(answer.body, table.body);
            assert.deepStrictEqual(requests(), [`PATCH ${TABLE} 0`, "GET /ops/1 5000", "GET /ops/1 12500", `GET ${TABLE} 12500`]);
        });

        it("follows the status URL a poll moves it to (it kept polling the first until the deadline)", async () => {
            const answer = await follow(
                (endpoint) => ({ "azure-asyncoperation": `${endpoint}/ops/1` }),
                (endpoint) => (req) =>
                    req.path === "/ops/1"
                        ? { status: 200, headers: { "azure-asyncoperation": `${endpoint}/ops/2` }, body: { status: "InProgress" } }
                        : req.path === "/ops/2"
                          ? { status: 200, body: { status: "Succeeded" } }
                          : table,
            );
            assert.deepStrictEqual(answer.body, table.body);
            assert.deepStrictEqual(requests(), [`PATCH ${TABLE} 0`, "GET /ops/1 5000", "GET /ops/2 12500", `GET ${TABLE} 12500`]);
        });

        it("waits out Location's 202s, Retry-After first, and reads the resource when the end has no body", async () => {
            await follow(
                (endpoint) => ({ location: `${endpoint}/ops/1`, "retry-after": "3" }),
                statuses({ status: 202 }, { status: 202, headers: { "retry-after": "20" } }, { status: 200 }),
            );
            assert.deepStrictEqual(requests(), [
                `PATCH ${TABLE} 0`,
                "GET /ops/1 5000",
                "GET /ops/1 12500",
                "GET /ops/1 32500",
                `GET ${TABLE} 32500`,
            ]);
        });

        it("reports an operation that ends Canceled, with ARM's error", async () => {
            await assert.rejects(
                follow(
                    (endpoint) => ({ "azure-asyncoperation": `${endpoint}/ops/1` }),
                    statuses({
                        status: 200,
                        body: { status: "Canceled", error: { code: "OperationCanceled", message: "Canceled by a newer request." } },
                    }),
                ),
                { message: "Setting T failed: ARM's operation ended Canceled (OperationCanceled): Canceled by a newer request." },
            );
        });

        it("refuses a status URL on another host before waiting, and one a poll moves there", async () => {
            const refusal = () =>
                `Setting T failed: ARM pointed to https://evil.example.com to follow the operation, not ${arm!.endpoint}; the program does not send its credentials there.`;
            await assert.rejects(
                follow(() => ({ "azure-asyncoperation": "https://evil.example.com/op" }), statuses(table)),
                (e: Error) => e.message === refusal(),
            );
            assert.deepStrictEqual(clock.sleeps, []);
            await arm!.close();
            await assert.rejects(
                follow(
                    (endpoint) => ({ "azure-asyncoperation": `${endpoint}/ops/1` }),
                    statuses({
                        status: 200,
                        headers: { "azure-asyncoperation": "https://evil.example.com/op" },
                        body: { status: "InProgress" },
                    }),
                ),
                (e: Error) => e.message === refusal(),
            );
            assert.deepStrictEqual(requests(), [`PATCH ${TABLE} 0`, "GET /ops/1 5000"]);
        });
    });
});
