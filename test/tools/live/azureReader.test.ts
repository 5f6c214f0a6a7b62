import * as assert from "node:assert";
import type { TokenCredential } from "@azure/identity";
import { AzureReader, type VerifyEndpoints } from "../../../tools/live/azureReader";
import { ArmGaveUp } from "../../../components/azure/armOperation";
import { ConfigError } from "../../../program/settingsValidation";
import {
    type ArmHandler,
    type ArmReply,
    armError,
    FakeArm,
    fakeCredential,
    fakeToken,
    noJitter,
    VirtualClock,
} from "../../support/fakeArm";

/** A credential the fake servers accept, which records the scope of every token it gives. */
function recordingCredential(): TokenCredential & { scopes: string[] } {
    const scopes: string[] = [];
    return {
        scopes,
        getToken: async (scope) => {
            scopes.push(...(Array.isArray(scope) ? scope : [scope]));
            return { token: fakeToken("3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f"), expiresOnTimestamp: Date.now() + 3_600_000 };
        },
    };
}

const PATH = "/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/providers/Microsoft.Insights";
const WORKSPACE = "6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a";
const OK: ArmReply = { status: 200, body: { namespace: "Microsoft.Insights", registrationState: "Registered" } };
const QUERY_OK: ArmReply = {
    status: 200,
    body: { tables: [{ name: "PrimaryResult", columns: [{ name: "Records24h", type: "long" }], rows: [[1234]] }] },
};
const throttled = (seconds: string): ArmReply => ({
    status: 429,
    headers: { "retry-after": seconds },
    body: armError("TooManyRequests", "slow down"),
});
const unavailable: ArmReply = { status: 503, body: armError("ServiceUnavailable", "try later") };

describe("verify's reader against a loopback ARM, on a virtual clock", () => {
    let arm: FakeArm | undefined;
    let clock: VirtualClock;

    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });

    /** A reader whose server serves `replies` in order (then `last` for ever), whatever is asked. */
    async function reader(
        replies: ArmReply[],
        last: ArmReply,
        extra: Partial<VerifyEndpoints> = {},
        onRequest: () => void = () => undefined,
    ): Promise<AzureReader> {
        clock = new VirtualClock();
        const handler: ArmHandler = () => {
            onRequest();
            return replies.shift() ?? last;
        };
        arm = await FakeArm.start(handler, clock.now);
        return new AzureReader({
            arm: arm.endpoint,
            logs: `${arm.endpoint}/v1`,
            graph: `${arm.endpoint}/v1.0`,
            credential: fakeCredential,
            trustedCa: arm.ca,
            clock,
            random: noJitter,
            ...extra,
        });
    }

    const arrivals = () => arm!.requests.map((r) => r.at);

    it("makes one request for an answer at once, with a 60 s timeout and no wait", async () => {
        const az = await reader([], OK);
        assert.deepStrictEqual(await az.get(PATH, "2021-04-01"), {
            status: 200,
            body: { namespace: "Microsoft.Insights", registrationState: "Registered" },
        });
        assert.deepStrictEqual(arrivals(), [0]);
        assert.deepStrictEqual(clock.timers, [60_000]);
        assert.deepStrictEqual(clock.sleeps, []);
        assert.strictEqual(clock.pendingTimers, 0, "the timeout is cleared once answered");
    });

    it("waits the Retry-After of a 429 when it is longer than the backoff, and the backoff otherwise", async () => {
        const az = await reader([throttled("47"), throttled("1")], OK);
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.sleeps, [47_000, 7_500]);
        assert.deepStrictEqual(arrivals(), [0, 47_000, 54_500]);
    });

    it("retries 408, 5xx and a broken connection with a growing wait", async () => {
        const az = await reader(
            [
                { status: 408, body: armError("RequestTimeout", "slow") },
                unavailable,
                "reset",
                { status: 500, body: armError("InternalServerError", "oops") },
            ],
            OK,
        );
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250, 16_875]);
        assert.strictEqual(arm!.requests.length, 5);
    });

    for (const [status, code] of [
        [403, "AuthorizationFailed"],
        [404, "ResourceNotFound"],
        [400, "BadRequest"],
    ] as const) {
        it(`returns a ${status} at once: it is an answer, not a failure to wait out`, async () => {
            const az = await reader([{ status, body: armError(code, "no") }], OK);
            assert.deepStrictEqual(await az.get(PATH, "2021-04-01"), { status, body: armError(code, "no") });
            assert.deepStrictEqual(clock.sleeps, []);
            assert.strictEqual(arm!.requests.length, 1);
        });
    }

    it("gives up at its deadline with Azure's last answer and what it answered, never sleeping past it", async () => {
        const az = await reader([], unavailable);
        const answer = await az.get(PATH, "2021-04-01");
        assert.deepStrictEqual(answer, { status: 503, body: armError("ServiceUnavailable", "try later"), gaveUp: "HTTP 503 ×7 in 96 s" });
        // 2 minutes by default: the next wait (30 s at 95.9 s) would end past it.
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500, 11_250, 16_875, 25_312.5, 30_000]);
        assert.deepStrictEqual(arrivals(), [0, 5_000, 12_500, 23_750, 40_625, 65_937.5, 95_937.5]);
    });

    it("fails at its deadline, naming the call and the answers, when the connection keeps breaking", async () => {
        const az = await reader([], "reset", { retryTimeoutMs: 20_000 });
        await assert.rejects(az.get(PATH, "2021-04-01"), (e: Error) => {
            assert.ok(e instanceof ArmGaveUp);
            assert.strictEqual(
                e.message,
                `GET ${PATH} did not succeed within 20 s; Azure answered connection reset ×3 in 13 s; Azure was failing the requests. Run verify again later.`,
            );
            assert.strictEqual(e.answered, "connection reset ×3 in 13 s");
            return true;
        });
        assert.deepStrictEqual(clock.sleeps, [5_000, 7_500]);
    });

    it("abandons a request unanswered after 60 s, and retries it", async () => {
        let first = true;
        // The first request hangs while 60 s pass on the clock; the retry is answered.
        const az = await reader(["hang"], OK, {}, () => {
            if (first) {
                first = false;
                clock.advance(60_000);
            }
        });
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.timers, [60_000, 55_000], "the retry had the 55 s left of verify's 2 minutes");
        assert.deepStrictEqual(clock.sleeps, [5_000]);
        assert.deepStrictEqual(arrivals(), [0, 65_000]);
    });

    it("keeps waiting for an answer that comes just before the timeout", async () => {
        const az = await reader([], OK, {}, () => clock.advance(59_999));
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.sleeps, []);
        assert.strictEqual(arm!.requests.length, 1);
    });

    it("takes its request timeout from the options, cuts it to the time left, and reports a call that always times out", async () => {
        const az = await reader([], "hang", { requestTimeoutMs: 10_000, retryTimeoutMs: 20_000 }, () => clock.advance(10_000));
        await assert.rejects(az.get(PATH, "2021-04-01"), {
            message: `GET ${PATH} did not succeed within 20 s; Azure answered no answer in time ×2 in 25 s; Azure was failing the requests. Run verify again later.`,
        });
        assert.deepStrictEqual(clock.timers, [10_000, 5_000], "the second request had only the 5 s left");
    });

    it("waits out a 409 while another operation is in progress", async () => {
        const az = await reader([{ status: 409, body: armError("AnotherOperationInProgress", "Another operation is in progress.") }], OK);
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.sleeps, [5_000]);
    });

    it("returns a 409 about something else at once", async () => {
        const az = await reader([{ status: 409, body: armError("Conflict", "The name is taken.") }], OK);
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 409);
        assert.deepStrictEqual(clock.sleeps, []);
    });

    it("retries a 429 without Retry-After on the backoff", async () => {
        const az = await reader([{ status: 429, body: armError("TooManyRequests", "slow down") }], OK);
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.sleeps, [5_000]);
    });

    it("rides out a connection broken in the middle of the answer", async () => {
        const az = await reader([{ status: 200, body: { registrationState: "Registered" }, breakAfter: 10 }], OK);
        assert.strictEqual((await az.get(PATH, "2021-04-01")).status, 200);
        assert.deepStrictEqual(clock.sleeps, [5_000]);
        assert.strictEqual(az.calls, 2);
    });

    it("returns an answer that is not JSON as it is, marked, without retrying it", async () => {
        const az = await reader([{ status: 200, raw: "<html>Sign in to the proxy</html>" }], OK);
        assert.deepStrictEqual(await az.get(PATH, "2021-04-01"), {
            status: 200,
            body: "<html>Sign in to the proxy</html>",
            malformed: "<html>Sign in to the proxy</html>",
        });
        assert.deepStrictEqual(clock.sleeps, []);
    });

    it("stops at once when Retry-After asks for longer than verify waits, returning the 429 and why", async () => {
        const az = await reader([throttled("3600")], OK);
        const answer = await az.get(PATH, "2021-04-01");
        assert.strictEqual(answer.status, 429);
        assert.strictEqual(answer.gaveUp, "HTTP 429 ×1, then asked to wait 60 min (Retry-After), past the deadline");
        assert.deepStrictEqual(clock.sleeps, []);
    });

    it("bounds the request for a token too: a credential that never answers fails after 60 s, as a credential problem", async () => {
        clock = new VirtualClock();
        const az = new AzureReader({ arm: "https://127.0.0.1:9", credential: { getToken: () => new Promise(() => undefined) }, clock });
        const tenant = az.credentialTenant();
        clock.advance(60_000);
        await assert.rejects(tenant, {
            code: "CREDENTIAL_FAILED",
            message:
                "the token request got no answer within 60 s: the token endpoint (Microsoft Entra ID, not ARM) or the network path to it; check that this machine reaches the cloud's login endpoint (behind a proxy: set HTTPS_PROXY), or use another credential.",
        });
    });

    describe("the Log Analytics query", () => {
        it("waits out throttling and a 503 with the same policy", async () => {
            const az = await reader([throttled("30"), unavailable], QUERY_OK);
            assert.deepStrictEqual(await az.query(WORKSPACE, "AADProvisioningLogs | count", "P1D"), [{ Records24h: 1234 }]);
            assert.deepStrictEqual(clock.sleeps, [30_000, 7_500]);
            assert.deepStrictEqual(
                arm!.requests.map((r) => `${r.method} ${r.path} ${r.at}`),
                [0, 30_000, 37_500].map((at) => `POST /v1/workspaces/${WORKSPACE}/query ${at}`),
            );
            assert.deepStrictEqual(clock.timers, [60_000, 60_000, 60_000]);
        });

        it("abandons a query unanswered after 60 s and runs it again", async () => {
            let first = true;
            const az = await reader(["hang"], QUERY_OK, {}, () => {
                if (first) {
                    first = false;
                    clock.advance(60_000);
                }
            });
            assert.deepStrictEqual(await az.query(WORKSPACE, "AADProvisioningLogs | count", "P1D"), [{ Records24h: 1234 }]);
            assert.deepStrictEqual(arrivals(), [0, 65_000]);
            assert.deepStrictEqual(clock.timers, [60_000, 55_000]);
        });

        it("fails at once, with the service's message, on an error that will not pass", async () => {
            const az = await reader(
                [{ status: 403, body: armError("InsufficientAccessError", "The provided credentials have insufficient access") }],
                QUERY_OK,
            );
            await assert.rejects(az.query(WORKSPACE, "AADProvisioningLogs | count", "P1D"), {
                message: "The provided credentials have insufficient access",
            });
            assert.deepStrictEqual(clock.sleeps, []);
            assert.strictEqual(arm!.requests.length, 1);
        });
    });
});

describe("verify's reader in the stack's cloud, with the azure-native provider's credential", () => {
    it("reads Azure Government's hosts from the stack's azure-native:environment", async () => {
        const credential = recordingCredential();
        const az = new AzureReader({ azure: { config: { "azure-native:environment": "usgovernment" }, env: {} }, credential });
        assert.strictEqual(az.cloud.name, "AzureUSGovernment");
        assert.strictEqual(az.logsEndpoint, "https://api.loganalytics.us/v1");
        assert.strictEqual(az.graphEndpoint, "https://graph.microsoft.us/v1.0");
        assert.strictEqual(await az.credentialTenant(), "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f");
        assert.deepStrictEqual(credential.scopes, ["https://management.usgovcloudapi.net/.default"]);
    });

    it("reads Azure China's hosts from ARM_ENVIRONMENT", () => {
        const az = new AzureReader({ azure: { env: { ARM_ENVIRONMENT: "china" } }, credential: fakeCredential });
        assert.deepStrictEqual(
            [az.cloud.name, az.logsEndpoint, az.graphEndpoint],
            ["AzureChinaCloud", "https://api.loganalytics.azure.cn/v1", "https://microsoftgraph.chinacloudapi.cn/v1.0"],
        );
    });

    it("keeps the public cloud's hosts when nothing selects another", async () => {
        const credential = recordingCredential();
        const az = new AzureReader({ azure: { env: {} }, credential });
        assert.deepStrictEqual(
            [az.cloud.name, az.logsEndpoint, az.graphEndpoint],
            ["AzureCloud", "https://api.loganalytics.io/v1", "https://graph.microsoft.com/v1.0"],
        );
        await az.credentialTenant();
        assert.deepStrictEqual(credential.scopes, ["https://management.azure.com/.default"]);
    });

    it("refuses, in one line and as a settings problem, what the provider's settings can't give", () => {
        assert.throws(
            () => new AzureReader({ azure: { config: { "azure-native:clientSecret": "s", "azure-native:clientId": "c" }, env: {} } }),
            (e: Error) =>
                e instanceof ConfigError &&
                e.message ===
                    "azure-native:tenantId (or ARM_TENANT_ID) must be set when authenticating with a client secret (azure-native:clientSecret is set)",
        );
        assert.throws(() => new AzureReader({ azure: { env: { ARM_ENVIRONMENT: "mars" } }, credential: fakeCredential }), ConfigError);
    });

    describe("against loopback servers", () => {
        let arm: FakeArm | undefined;
        afterEach(async () => {
            await arm?.close();
            arm = undefined;
        });

        it("reads Microsoft Graph with a token for Graph, retrying it like ARM", async () => {
            const clock = new VirtualClock();
            const replies: ArmReply[] = [
                { status: 429, headers: { "retry-after": "3" }, body: armError("TooManyRequests", "slow down") },
                { status: 200, body: { value: [{ id: "sp" }] } },
            ];
            arm = await FakeArm.start(() => replies.shift() ?? { status: 500 }, clock.now);
            const credential = recordingCredential();
            const az = new AzureReader({
                graph: `${arm.endpoint}/v1.0`,
                arm: arm.endpoint,
                credential,
                trustedCa: arm.ca,
                clock,
                random: noJitter,
            });
            assert.deepStrictEqual(await az.graph.get(`${arm.endpoint}/v1.0/servicePrincipals?$top=1`), {
                status: 200,
                body: { value: [{ id: "sp" }] },
            });
            assert.deepStrictEqual(clock.sleeps, [5_000]);
            assert.deepStrictEqual(
                arm.requests.map((r) => `${r.method} ${r.path}`),
                ["GET /v1.0/servicePrincipals", "GET /v1.0/servicePrincipals"],
            );
            assert.deepStrictEqual([...new Set(credential.scopes)], [`${arm.endpoint}/.default`]);
        });

        it("never sends its Graph token to another host, such as a next link elsewhere", async () => {
            arm = await FakeArm.start(() => ({ status: 200, body: {} }));
            const az = new AzureReader({ graph: `${arm.endpoint}/v1.0`, credential: fakeCredential, trustedCa: arm.ca });
            await assert.rejects(az.graphGet("https://graph.example.com/v1.0/servicePrincipals"), {
                message: `refusing to send a Microsoft Graph token to https://graph.example.com: the Graph of this cloud is ${arm.endpoint}`,
            });
            assert.deepStrictEqual(arm.requests, []);
        });

        it("asks for query tokens for the query API's own audience", async () => {
            arm = await FakeArm.start(() => QUERY_OK);
            const credential = recordingCredential();
            const az = new AzureReader({
                arm: arm.endpoint,
                logs: `${arm.endpoint}/v1`,
                graph: `${arm.endpoint}/v1.0`,
                credential,
                trustedCa: arm.ca,
            });
            assert.deepStrictEqual(await az.query(WORKSPACE, "AADProvisioningLogs | count", "P1D"), [{ Records24h: 1234 }]);
            assert.deepStrictEqual([...new Set(credential.scopes)], [`${arm.endpoint}/.default`]);
        });
    });
});
