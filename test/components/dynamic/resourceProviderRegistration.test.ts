import * as assert from "node:assert";
import { createRegistrationProvider, type RegistrationDependencies } from "../../../components/dynamic/resourceProviderRegistration";
import {
    type ArmHandler,
    type ArmReply,
    type ArmRequest,
    armError,
    FakeArm,
    fakeCredential,
    noJitter,
    VirtualClock,
} from "../../support/fakeArm";

const SUB = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
const PROVIDER_PATH = `/subscriptions/${SUB}/providers/Microsoft.Insights`;

/**
 * ARM's provider registration as a state machine: NotRegistered until a register call, then
 * Registering for `pollsUntilRegistered` reads, then Registered (or, with `fallsBackTo`, back to that
 * state for as many register calls as it lists). `faults` are served first, in order, instead of
 * normal answers; `faultsAfter` from that request on (0-based).
 */
function providerArm(options: {
    initial?: string;
    pollsUntilRegistered?: number;
    faults?: ArmReply[];
    faultsAfter?: { from: number; replies: ArmReply[] };
    registerReply?: ArmReply;
    fallsBackTo?: string[];
}): ArmHandler {
    let state = options.initial ?? "NotRegistered";
    let readsWhileRegistering = 0;
    let requests = 0;
    const faults = [...(options.faults ?? [])];
    const fallbacks = [...(options.fallsBackTo ?? [])];
    const provider = () => ({ id: PROVIDER_PATH, namespace: "Microsoft.Insights", registrationState: state });
    return (req: ArmRequest) => {
        const n = requests++;
        const fault =
            faults.shift() ?? (options.faultsAfter && n >= options.faultsAfter.from ? options.faultsAfter.replies.shift() : undefined);
        if (fault) {
            return fault;
        }
        if (req.method === "POST" && req.path === `${PROVIDER_PATH}/register`) {
            if (options.registerReply) {
                return options.registerReply;
            }
            if (state !== "Registered") {
                state = "Registering";
                readsWhileRegistering = 0;
            }
            return { status: 200, body: provider() };
        }
        if (req.method === "GET" && req.path === PROVIDER_PATH) {
            if (state === "Registering" && options.pollsUntilRegistered !== undefined) {
                readsWhileRegistering++;
                if (readsWhileRegistering > options.pollsUntilRegistered) {
                    state = fallbacks.shift() ?? "Registered";
                }
            }
            return { status: 200, body: provider() };
        }
        return { status: 404, body: armError("NotFound", `${req.method} ${req.path}`) };
    };
}

describe("ResourceProviderRegistration against a loopback ARM", () => {
    let arm: FakeArm | undefined;
    let clock: VirtualClock;

    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });

    async function provider(handler: ArmHandler, extra: Partial<RegistrationDependencies> = {}) {
        clock = new VirtualClock();
        arm = await FakeArm.start(handler, clock.now);
        return createRegistrationProvider({
            endpoint: arm.endpoint,
            credential: fakeCredential,
            trustedCa: arm.ca,
            clock,
            random: noJitter,
            ...extra,
        });
    }

    const inputs = { subscriptionId: SUB, namespace: "Microsoft.Insights", timeoutMinutes: 20 };
    const calls = () => arm!.requests.map((r) => `${r.method} ${r.path}`);

    it("makes one read and no register call when the provider is already registered", async () => {
        const p = await provider(providerArm({ initial: "Registered" }));
        const result = await p.create!(inputs);
        assert.deepStrictEqual(calls(), [`GET ${PROVIDER_PATH}`]);
        assert.strictEqual(result.id, `/subscriptions/${SUB}/providers/Microsoft.Insights`);
        assert.deepStrictEqual(result.outs, { ...inputs, registrationState: "Registered" });
    });

    it("registers, then polls with a growing interval until Registered", async () => {
        const p = await provider(providerArm({ pollsUntilRegistered: 3 }));
        const result = await p.create!(inputs);
        assert.strictEqual(result.outs.registrationState, "Registered");
        assert.deepStrictEqual(calls(), [
            `GET ${PROVIDER_PATH}`,
            `POST ${PROVIDER_PATH}/register`,
            `GET ${PROVIDER_PATH}`,
            `GET ${PROVIDER_PATH}`,
            `GET ${PROVIDER_PATH}`,
            `GET ${PROVIDER_PATH}`,
        ]);
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250, 16_875]);
        assert.ok(
            arm!.requests.every((r) => r.apiVersion !== null),
            "every call names an api-version",
        );
    });

    it("caps the polling interval at 30 seconds", async () => {
        const p = await provider(providerArm({ pollsUntilRegistered: 9 }));
        await p.create!(inputs);
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250, 16_875, 25_312.5, 30_000, 30_000, 30_000, 30_000, 30_000]);
    });

    it("does not ask again when another caller's registration is already under way", async () => {
        const p = await provider(providerArm({ initial: "Registering", pollsUntilRegistered: 1 }));
        await p.create!(inputs);
        assert.ok(!calls().some((c) => c.startsWith("POST")), calls().join(", "));
    });

    it("waits at least as long as a 429's Retry-After before the next read", async () => {
        const p = await provider(
            providerArm({
                pollsUntilRegistered: 0,
                faults: [{ status: 429, headers: { "retry-after": "47" }, body: armError("TooManyRequests", "slow down") }],
            }),
        );
        await p.create!(inputs);
        assert.strictEqual(arm!.requests[0].at, 0);
        assert.strictEqual(arm!.requests[1].at, 47_000, "the read after the 429 waits the 47 s ARM asked for");
        assert.strictEqual(calls()[calls().length - 1], `GET ${PROVIDER_PATH}`);
    });

    it("leaves every retry to the waiter: the HTTP pipeline retries nothing, so every wait is on its clock and within its deadline", async () => {
        const p = await provider(
            providerArm({
                initial: "Registered",
                faults: [{ status: 429, headers: { "retry-after": "9" }, body: armError("TooManyRequests", "slow down") }],
            }),
        );
        await p.create!(inputs);
        assert.strictEqual(arm!.requests.length, 2, "one 429, then one read: the SDK client did not retry by itself");
        assert.deepStrictEqual(clock.sleeps, [9_000]);
    });

    it("rides out 503s and keeps polling", async () => {
        const unavailable: ArmReply = { status: 503, body: armError("ServiceUnavailable", "try later") };
        const p = await provider(providerArm({ pollsUntilRegistered: 1, faults: [unavailable, unavailable] }));
        const result = await p.create!(inputs);
        assert.strictEqual(result.outs.registrationState, "Registered");
        assert.strictEqual(arm!.requests.filter((r) => r.method === "POST").length, 1);
    });

    it("abandons a read unanswered after 60 s and reads again", async () => {
        const registered = providerArm({ initial: "Registered" });
        let hung = false;
        const p = await provider((req) => {
            if (!hung) {
                hung = true;
                clock.advance(60_000); // a minute passes with no answer
                return "hang";
            }
            return registered(req);
        });
        const result = await p.create!(inputs);
        assert.strictEqual(result.outs.registrationState, "Registered");
        assert.deepStrictEqual(clock.timers, [60_000, 60_000], "each request gets 60 s");
        assert.deepStrictEqual(
            arm!.requests.map((r) => `${r.method} ${r.at}`),
            ["GET 0", "GET 65000"],
        );
    });

    it("rides out a connection reset", async () => {
        const p = await provider(providerArm({ pollsUntilRegistered: 0, faults: ["reset"] }));
        const result = await p.create!(inputs);
        assert.strictEqual(result.outs.registrationState, "Registered");
        assert.strictEqual(arm!.requests.length, 4, calls().join(", "));
    });

    it("fails at once on 403, naming the missing permission", async () => {
        const p = await provider(
            providerArm({
                registerReply: {
                    status: 403,
                    body: armError(
                        "AuthorizationFailed",
                        "does not have authorization to perform action 'Microsoft.Insights/register/action'",
                    ),
                },
            }),
        );
        await assert.rejects(p.create!(inputs), {
            message:
                `Registering resource provider Microsoft.Insights on subscription ${SUB} was refused (HTTP 403): ` +
                "the deploying identity needs the permission Microsoft.Insights/register/action on the subscription (for example through the Contributor role), " +
                `or an administrator can run \`az provider register --namespace Microsoft.Insights --subscription ${SUB}\` once.`,
        });
        assert.strictEqual(arm!.requests.length, 2);
    });

    it("stops before a wait that would end past the deadline, with the last state seen, and calls nothing after it", async () => {
        const p = await provider(providerArm({}));
        await assert.rejects(p.create!({ ...inputs, timeoutMinutes: 3 }), {
            message:
                `Resource provider Microsoft.Insights is still not registered on subscription ${SUB} within registrationTimeoutMinutes (3 min) (last state: Registering). ` +
                "Registration is sometimes slow: check `az provider show --namespace Microsoft.Insights --query registrationState` and run `pulumi up` again.",
        });
        const deadline = 3 * 60_000;
        assert.ok(
            arm!.requests.every((r) => r.at < deadline),
            `a call came at or after the deadline: ${arm!.requests.map((r) => r.at)}`,
        );
        assert.ok(clock.now() < deadline, `it slept to ${clock.now()} ms, not short of the deadline`);
        assert.strictEqual(clock.now(), 155_937.5, "it stopped when the next 30 s wait would have ended past 180 s");
    });

    describe("faults", () => {
        const throttled = (retryAfter?: string): ArmReply => ({
            status: 429,
            ...(retryAfter ? { headers: { "retry-after": retryAfter } } : {}),
            body: armError("TooManyRequests", "slow down"),
        });
        const failing: ArmReply = { status: 500, body: armError("InternalServerError", "oops") };

        it("stops at once when Retry-After asks for longer than the time left, saying how long is left", async () => {
            const p = await provider(providerArm({ faultsAfter: { from: 5, replies: [throttled("3600")] } }));
            await assert.rejects(p.create!(inputs), {
                message:
                    `Registering resource provider Microsoft.Insights on subscription ${SUB} stopped: ARM asked to wait 60 min (Retry-After) but only 19 min are left of ` +
                    "registrationTimeoutMinutes (20 min); ARM answered HTTP 429 ×1 in 41 s. Run pulumi up again in 60 min, or raise registrationTimeoutMinutes.",
            });
            assert.strictEqual(clock.now(), 40_625, "it did not sleep after the 429");
            assert.ok(
                clock.sleeps.every((ms) => ms <= 30_000),
                `no long sleep: ${clock.sleeps}`,
            );
        });

        it("says ARM was throttling and failing, not registering slowly, when it answered nothing but 429 and 500 until the deadline", async () => {
            const p = await provider(providerArm({ faults: Array.from({ length: 200 }, (_, i) => (i % 3 === 2 ? failing : throttled())) }));
            await assert.rejects(p.create!(inputs), {
                message:
                    `Registering resource provider Microsoft.Insights on subscription ${SUB} did not finish within registrationTimeoutMinutes (20 min); ` +
                    "ARM answered HTTP 429 ×29, HTTP 500 ×14 in 20 min, and never read the provider's state: ARM was throttling and failing the requests, not registering slowly. " +
                    "Run pulumi up again later; `az provider show --namespace Microsoft.Insights --query registrationState` shows the state.",
            });
            assert.ok(clock.now() < 20 * 60_000);
            assert.ok(
                arm!.requests.every((r) => r.method === "GET"),
                "never registered blindly",
            );
        });

        it("registers again once when the registration falls back from Registering to Unregistered, and succeeds", async () => {
            const p = await provider(providerArm({ pollsUntilRegistered: 1, fallsBackTo: ["Unregistered"] }));
            const result = await p.create!(inputs);
            assert.strictEqual(result.outs.registrationState, "Registered");
            assert.strictEqual(arm!.requests.filter((r) => r.method === "POST").length, 2);
        });

        it("fails at once, without waiting out the timeout, when the registration falls back twice", async () => {
            const p = await provider(providerArm({ pollsUntilRegistered: 1, fallsBackTo: ["Unregistered", "NotRegistered"] }));
            await assert.rejects(p.create!(inputs), {
                message:
                    `Resource provider Microsoft.Insights went from Registering back to NotRegistered on subscription ${SUB} after 2 register calls: ARM did not complete the registration. ` +
                    "Look for the failed register action in the subscription's activity log and fix its cause, then run pulumi up again " +
                    "(`az provider show --namespace Microsoft.Insights --query registrationState` shows the state).",
            });
            assert.strictEqual(arm!.requests.filter((r) => r.method === "POST").length, 2);
            assert.ok(clock.now() < 60_000, `stopped after ${clock.now()} ms`);
        });

        it("waits out a 409 while another operation is in progress on the register call", async () => {
            const p = await provider(
                providerArm({
                    pollsUntilRegistered: 0,
                    faultsAfter: {
                        from: 1,
                        replies: [
                            {
                                status: 409,
                                body: armError(
                                    "AnotherOperationInProgress",
                                    "Another operation on this or dependent resource is in progress.",
                                ),
                            },
                        ],
                    },
                }),
            );
            const result = await p.create!(inputs);
            assert.strictEqual(result.outs.registrationState, "Registered");
            assert.deepStrictEqual(calls(), [
                `GET ${PROVIDER_PATH}`,
                `POST ${PROVIDER_PATH}/register`,
                `GET ${PROVIDER_PATH}`,
                `POST ${PROVIDER_PATH}/register`,
                `GET ${PROVIDER_PATH}`,
            ]);
        });

        it("fails at once on a 409 that is not about another operation", async () => {
            const p = await provider(
                providerArm({ registerReply: { status: 409, body: armError("Conflict", "The subscription is disabled.") } }),
            );
            await assert.rejects(p.create!(inputs), {
                message: `Registering resource provider Microsoft.Insights on subscription ${SUB} failed (HTTP 409 Conflict): The subscription is disabled`,
            });
        });

        it("rides out a connection broken in the middle of ARM's answer", async () => {
            const p = await provider(
                providerArm({
                    initial: "Registered",
                    faults: [{ status: 200, body: { registrationState: "Registered" }, breakAfter: 12 }],
                }),
            );
            const result = await p.create!(inputs);
            assert.strictEqual(result.outs.registrationState, "Registered");
            assert.deepStrictEqual(clock.sleeps, [5_000]);
        });

        it("rides out an answer that is not JSON", async () => {
            const p = await provider(providerArm({ initial: "Registered", faults: [{ status: 200, raw: "<html>gateway</html>" }] }));
            assert.strictEqual((await p.create!(inputs)).outs.registrationState, "Registered");
            assert.strictEqual(arm!.requests.length, 2);
        });

        it("bounds a register call that never answers by the request timeout, then goes on", async () => {
            let hung = false;
            const registering = providerArm({ pollsUntilRegistered: 0 });
            const p = await provider((req) => {
                if (req.method === "POST" && !hung) {
                    hung = true;
                    clock.advance(60_000);
                    return "hang";
                }
                return registering(req);
            });
            assert.strictEqual((await p.create!(inputs)).outs.registrationState, "Registered");
            assert.deepStrictEqual(
                arm!.requests.map((r) => `${r.method} ${r.at}`),
                ["GET 0", "POST 0", "GET 65000", "POST 65000", "GET 72500"],
            );
        });

        it("cuts a request's timeout to the time left before the deadline", async () => {
            const p = await provider((_req) => {
                clock.advance(60_000);
                return "hang";
            });
            await assert.rejects(p.create!({ ...inputs, timeoutMinutes: 1 }), {
                message:
                    `Registering resource provider Microsoft.Insights on subscription ${SUB} did not finish within registrationTimeoutMinutes (60 s); ARM answered no answer in time ×1 in 60 s, ` +
                    "and never read the provider's state: Azure was failing the requests, not registering slowly. Run pulumi up again later; " +
                    "`az provider show --namespace Microsoft.Insights --query registrationState` shows the state.",
            });
            assert.deepStrictEqual(clock.timers, [60_000], "the one request had the whole minute, no more");
            assert.deepStrictEqual(clock.sleeps, [], "and nothing was left to wait for");
        });

        it("says the credentials were refused on a 401", async () => {
            const p = await provider(
                providerArm({ faults: [{ status: 401, body: armError("InvalidAuthenticationToken", "The access token is invalid.") }] }),
            );
            await assert.rejects(p.create!(inputs), {
                message:
                    `Registering resource provider Microsoft.Insights on subscription ${SUB} was refused (HTTP 401 InvalidAuthenticationToken): ` +
                    "the credentials were not accepted; log in again (az login) or check the stack's azure-native:* config and the ARM_* variables, which the program reads as the azure-native provider does.",
            });
        });

        it("names the resource when a refresh is refused", async () => {
            const p = await provider(providerArm({ faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }] }));
            await assert.rejects(
                p.read!(`/subscriptions/${SUB}/providers/Microsoft.Insights`, { ...inputs, registrationState: "Registered" }),
                {
                    message:
                        `Reading the registration of resource provider Microsoft.Insights on subscription ${SUB} (/subscriptions/${SUB}/providers/Microsoft.Insights) was refused (HTTP 403): ` +
                        `the identity needs Reader on subscription ${SUB} to read its resource providers.`,
                },
            );
        });

        it("fails a refresh at once on a 404 (a namespace ARM does not know), rather than dropping the resource from state", async () => {
            const p = await provider(
                providerArm({
                    faults: [
                        {
                            status: 404,
                            body: armError("InvalidResourceNamespace", "The resource namespace 'Microsoft.Insigts' is invalid."),
                        },
                    ],
                }),
            );
            await assert.rejects(
                p.read!(`/subscriptions/${SUB}/providers/Microsoft.Insigts`, {
                    ...inputs,
                    namespace: "Microsoft.Insigts",
                    registrationState: "Registered",
                }),
                {
                    message:
                        `Reading the registration of resource provider Microsoft.Insigts on subscription ${SUB} (/subscriptions/${SUB}/providers/Microsoft.Insigts) failed (HTTP 404 InvalidResourceNamespace): ` +
                        `The resource namespace 'Microsoft.Insigts' is invalid. Check the namespace Microsoft.Insigts (spelling, and that it exists in this cloud) and subscription ${SUB}.`,
                },
            );
            assert.strictEqual(arm!.requests.length, 1);
        });

        it("names the resource and what ARM answered when a refresh keeps failing", async () => {
            const p = await provider(
                providerArm({ faults: Array(50).fill({ status: 503, body: armError("ServiceUnavailable", "try later") }) }),
            );
            await assert.rejects(
                p.read!(`/subscriptions/${SUB}/providers/Microsoft.Insights`, { ...inputs, registrationState: "Registered" }),
                {
                    message:
                        `Reading the registration of resource provider Microsoft.Insights on subscription ${SUB} (/subscriptions/${SUB}/providers/Microsoft.Insights) did not succeed within 5 min; ` +
                        "ARM answered HTTP 503 ×13 in 5 min; Azure was failing the requests. Run pulumi refresh again later.",
                },
            );
        });
    });

    it("reads the live state without registering", async () => {
        const p = await provider(providerArm({ initial: "NotRegistered" }));
        const read = await p.read!(`/subscriptions/${SUB}/providers/Microsoft.Insights`, { ...inputs, registrationState: "Registered" });
        assert.strictEqual(read.props!.registrationState, "NotRegistered");
        assert.deepStrictEqual(calls(), [`GET ${PROVIDER_PATH}`]);
    });

    it("reports no change for identical inputs", async () => {
        const p = createRegistrationProvider();
        const diff = await p.diff!("id", { ...inputs, registrationState: "Registered" }, inputs);
        assert.deepStrictEqual(diff, { changes: false, replaces: [], deleteBeforeReplace: false });
    });

    it("replaces on another namespace or subscription, ignoring case", async () => {
        const p = createRegistrationProvider();
        const olds = { ...inputs, registrationState: "Registered" };
        assert.deepStrictEqual((await p.diff!("id", olds, { ...inputs, namespace: "microsoft.insights" })).changes, false);
        assert.deepStrictEqual((await p.diff!("id", olds, { ...inputs, namespace: "Microsoft.OperationalInsights" })).replaces, [
            "namespace",
        ]);
    });

    it("updates when a refresh found the provider unregistered", async () => {
        const p = createRegistrationProvider();
        const diff = await p.diff!("id", { ...inputs, registrationState: "NotRegistered" }, inputs);
        assert.strictEqual(diff.changes, true);
        assert.deepStrictEqual(diff.replaces, []);
    });

    it("never unregisters on delete", async () => {
        const p = await provider(providerArm({ initial: "Registered" }));
        await p.delete!(`/subscriptions/${SUB}/providers/Microsoft.Insights`, { ...inputs, registrationState: "Registered" });
        assert.deepStrictEqual(arm!.requests, []);
    });

    it("rejects a subscription that is not a GUID before calling Azure", async () => {
        const p = createRegistrationProvider();
        const check = await p.check!({}, { ...inputs, subscriptionId: "my-sub" });
        assert.deepStrictEqual(check.failures, [{ property: "subscriptionId", reason: "must be a GUID (got my-sub)" }]);
    });
});
