import * as assert from "assert";
import { createRegistrationProvider, RegistrationDependencies } from "../../../program/dynamic/resourceProviderRegistration";
import { ArmHandler, ArmReply, ArmRequest, armError, FakeArm, fakeCredential, VirtualClock } from "../../support/fakeArm";

const SUB = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
const PROVIDER_PATH = `/subscriptions/${SUB}/providers/Microsoft.Insights`;

/**
 * ARM's provider registration as a state machine: NotRegistered until a register call, then
 * Registering for `pollsUntilRegistered` reads, then Registered. `faults` are served first, in order,
 * instead of normal answers.
 */
function providerArm(options: { initial?: string; pollsUntilRegistered?: number; faults?: ArmReply[]; registerReply?: ArmReply }): ArmHandler {
    let state = options.initial ?? "NotRegistered";
    let readsWhileRegistering = 0;
    const faults = [...(options.faults ?? [])];
    const provider = () => ({ id: PROVIDER_PATH, namespace: "Microsoft.Insights", registrationState: state });
    return (req: ArmRequest) => {
        const fault = faults.shift();
        if (fault) {
            return fault;
        }
        if (req.method === "POST" && req.path === `${PROVIDER_PATH}/register`) {
            if (options.registerReply) {
                return options.registerReply;
            }
            if (state !== "Registered") {
                state = "Registering";
            }
            return { status: 200, body: provider() };
        }
        if (req.method === "GET" && req.path === PROVIDER_PATH) {
            if (state === "Registering" && options.pollsUntilRegistered !== undefined) {
                readsWhileRegistering++;
                if (readsWhileRegistering > options.pollsUntilRegistered) {
                    state = "Registered";
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
            clientRetries: 0,
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
        assert.ok(arm!.requests.every((r) => r.apiVersion !== null), "every call names an api-version");
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
            providerArm({ pollsUntilRegistered: 0, faults: [{ status: 429, headers: { "retry-after": "47" }, body: armError("TooManyRequests", "slow down") }] }),
        );
        await p.create!(inputs);
        assert.strictEqual(arm!.requests[0].at, 0);
        assert.strictEqual(arm!.requests[1].at, 47_000, "the read after the 429 waits the 47 s ARM asked for");
        assert.strictEqual(calls()[calls().length - 1], `GET ${PROVIDER_PATH}`);
    });

    it("leaves retries to the waiter by default, so every wait is on its clock and within its deadline", async () => {
        const p = await provider(
            providerArm({ initial: "Registered", faults: [{ status: 429, headers: { "retry-after": "9" }, body: armError("TooManyRequests", "slow down") }] }),
            { clientRetries: undefined },
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
        assert.deepStrictEqual(arm!.requests.map((r) => `${r.method} ${r.at}`), ["GET 0", "GET 65000"]);
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
                    body: armError("AuthorizationFailed", "does not have authorization to perform action 'Microsoft.Insights/register/action'"),
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

    it("stops at the deadline with the last state seen, and calls nothing after it", async () => {
        const p = await provider(providerArm({}));
        await assert.rejects(p.create!({ ...inputs, timeoutMinutes: 3 }), {
            message:
                `Resource provider Microsoft.Insights is still not registered on subscription ${SUB} after 3 minutes (last state: Registering). ` +
                "Registration is sometimes slow: check `az provider show --namespace Microsoft.Insights --query registrationState` and run `pulumi up` again.",
        });
        const deadline = 3 * 60_000;
        assert.ok(arm!.requests.every((r) => r.at <= deadline), `a call came after the deadline: ${arm!.requests.map((r) => r.at)}`);
        assert.strictEqual(arm!.requests[arm!.requests.length - 1].at, deadline, "the last read is at the deadline");
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
        assert.deepStrictEqual((await p.diff!("id", olds, { ...inputs, namespace: "Microsoft.OperationalInsights" })).replaces, ["namespace"]);
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
