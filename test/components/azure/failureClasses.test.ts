import * as assert from "node:assert";
import * as net from "node:net";
import { AuthenticationError, type TokenCredential } from "@azure/identity";
import {
    ArmClient,
    type ArmFailure,
    armCall,
    CREDENTIAL_FAILED,
    classifyFailure,
    FAILURE_CLASSES,
    isTransient,
    MALFORMED_ANSWER,
    REQUEST_TIMEOUT,
    retryArm,
    UNEXPECTED_ANSWER,
} from "../../../components/azure/armOperation";
import { createRegistrationProvider } from "../../../components/dynamic/resourceProviderRegistration";
import { createTableRetentionProvider } from "../../../components/dynamic/tableRetention";
import { type ArmHandler, armError, FakeArm, fakeCredential, noJitter, VirtualClock } from "../../support/fakeArm";

/** A failure shaped like the Azure SDK's RestError. */
const failure = (statusCode: number | undefined, code?: string, message = "details"): ArmFailure => ({ statusCode, code, message });

/** One sample per row of FAILURE_CLASSES, and a few no row matches: [the failure, its class, transient]. */
const SAMPLES: Array<[ArmFailure, string | undefined, boolean]> = [
    [failure(undefined, "DEPTH_ZERO_SELF_SIGNED_CERT"), "untrusted certificate", false],
    [failure(undefined, "SELF_SIGNED_CERT_IN_CHAIN"), "untrusted certificate", false],
    [failure(undefined, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "untrusted certificate", false],
    [failure(undefined, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"), "untrusted certificate", false],
    [failure(undefined, "ERR_TLS_CERT_ALTNAME_INVALID"), "certificate for another host", false],
    [failure(undefined, "CERT_HAS_EXPIRED"), "expired certificate", false],
    [failure(undefined, "CERT_NOT_YET_VALID"), "expired certificate", false],
    [failure(407, undefined), "proxy authentication required", false],
    [failure(undefined, "ECONNREFUSED"), "connection refused", false],
    [failure(undefined, "ENOTFOUND"), "host not found", false],
    [failure(undefined, CREDENTIAL_FAILED), "credential", false],
    [failure(409, "ScopeLocked", "… are locked … Please remove the lock and try again."), "resource lock", false],
    [failure(200, UNEXPECTED_ANSWER), "unexpected answer", false],
    [failure(429, "TooManyRequests"), "throttled", true],
    [failure(408, "RequestTimeout"), "request timeout", true],
    [failure(500, "InternalServerError"), "server error", true],
    [failure(503, "ServiceUnavailable"), "server error", true],
    [failure(409, "AnotherOperationInProgress"), "another operation in progress", true],
    [
        failure(409, "Conflict", "Registration of the namespace is in progress. Please try again later."),
        "another operation in progress",
        true,
    ],
    [failure(undefined, "ECONNRESET"), "connection broken or timed out", true],
    [failure(undefined, "ETIMEDOUT"), "connection broken or timed out", true],
    [failure(undefined, "EAI_AGAIN"), "connection broken or timed out", true],
    [failure(undefined, "PARSE_ERROR"), "connection broken or timed out", true],
    [failure(undefined, REQUEST_TIMEOUT), "connection broken or timed out", true],
    [failure(200, MALFORMED_ANSWER), "answer cut short", true],
    [failure(501, "NotImplemented"), undefined, false],
    [failure(505, "HttpVersionNotSupported"), undefined, false],
    [failure(409, "Conflict", "The name is already taken."), undefined, false],
    [failure(404, "ResourceNotFound"), undefined, false],
    [failure(undefined, "ENETUNREACH"), undefined, false],
];

describe("the failure classes (FAILURE_CLASSES)", () => {
    it("classes each failure by the first row that matches; only ARM's documented transient answers are retried", () => {
        assert.deepStrictEqual(
            SAMPLES.map(([f]) => [f.statusCode, f.code, classifyFailure(f)?.name, isTransient(f)]),
            SAMPLES.map(([f, name, transient]) => [f.statusCode, f.code, name, transient]),
        );
    });

    it("has a sample for every row, and a one-line message for every row that will not pass", () => {
        const sampled = new Set(SAMPLES.map(([, name]) => name));
        assert.deepStrictEqual(
            FAILURE_CLASSES.filter((c) => !sampled.has(c.name)).map((c) => c.name),
            [],
        );
        assert.deepStrictEqual(
            FAILURE_CLASSES.filter((c) => !c.transient && !c.describe).map((c) => c.name),
            [],
        );
    });
});

const SUB = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
const TABLE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/tables/AADProvisioningLogs`;
const PROVIDER = `/subscriptions/${SUB}/providers/Microsoft.Insights`;
const TABLE_INPUTS = {
    subscriptionId: SUB,
    resourceGroupName: "rg",
    workspaceName: "ws",
    tableName: "AADProvisioningLogs",
    retentionInDays: 30,
    totalRetentionInDays: 30,
};
const spec = { operation: "Reading the thing", timeoutMs: 10 * 60_000 };

/** Runs `call`, which must fail; the message, the virtual time it took and the wall time (ms). */
async function failureOf(
    clock: VirtualClock,
    call: () => Promise<unknown>,
): Promise<{ message: string; virtualMs: number; wallMs: number }> {
    const started = Date.now();
    const at = clock.now();
    try {
        await call();
    } catch (e) {
        return { message: (e as Error).message, virtualMs: clock.now() - at, wallMs: Date.now() - started };
    }
    assert.fail("it succeeded");
}

/** Asserts the one-line message, at most 5 s (virtual and wall) to it. */
function assertPrompt(got: { message: string; virtualMs: number; wallMs: number }, message: string, virtualMs = 0): void {
    assert.strictEqual(got.message, message);
    assert.ok(!got.message.includes("\n"), "one line");
    assert.strictEqual(got.virtualMs, virtualMs);
    assert.ok(got.wallMs <= 5_000, `${got.wallMs} ms`);
}

describe("failures no retry fixes, on the loopback ARM: at once, naming the layer and the fix", () => {
    let arm: FakeArm | undefined;
    let clock: VirtualClock;
    const saved: Record<string, string | undefined> = {};
    const PROXY_VARS = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"];
    beforeEach(() => {
        clock = new VirtualClock();
        for (const v of PROXY_VARS) {
            saved[v] = process.env[v];
            delete process.env[v];
        }
    });
    afterEach(async () => {
        await arm?.close();
        arm = undefined;
        for (const v of PROXY_VARS) {
            if (saved[v] !== undefined) {
                process.env[v] = saved[v];
            }
        }
    });
    const ok: ArmHandler = () => ({ status: 200, body: { id: PROVIDER, registrationState: "Registered" } });
    async function start(handler: ArmHandler = ok): Promise<FakeArm> {
        arm = await FakeArm.start(handler, clock.now);
        return arm;
    }
    /** One GET through the retry policy, with `client`. */
    const read = (client: ArmClient) =>
        retryArm(spec, (timeoutMs) => armCall(client, "GET", PROVIDER, { apiVersion: "2021-04-01", timeoutMs }), {
            clock,
            random: noJitter,
        });

    describe("the network path", () => {
        it("a certificate from a CA the process does not trust (a TLS-inspecting proxy)", async () => {
            const fake = await start();
            const client = new ArmClient({ endpoint: fake.endpoint, credential: fakeCredential, clock }); // the fake's CA not trusted
            const host = new URL(fake.endpoint).host;
            assertPrompt(
                await failureOf(clock, () => read(client)),
                `Reading the thing failed on the network path, before reaching ARM: the certificate presented for ${host} is not Microsoft's (DEPTH_ZERO_SELF_SIGNED_CERT): ` +
                    `a TLS-inspecting proxy? Set NODE_EXTRA_CA_CERTS to the PEM file of its CA, or have ${host} exempted from inspection.`,
            );
            assert.strictEqual(client.calls, 1);
            assert.strictEqual(fake.requests.length, 0);
        });

        it("a certificate for another host", async () => {
            const fake = await start();
            // The fake's certificate is for 127.0.0.1; asked as localhost, it is another host's.
            const endpoint = fake.endpoint.replace("127.0.0.1", "localhost");
            const client = new ArmClient({ endpoint, credential: fakeCredential, trustedCa: fake.ca, clock });
            const host = new URL(endpoint).host;
            assertPrompt(
                await failureOf(clock, () => read(client)),
                `Reading the thing failed on the network path, before reaching ARM: the certificate presented for ${host} is for another host (ERR_TLS_CERT_ALTNAME_INVALID): ` +
                    `a TLS-inspecting proxy or a DNS entry sending ${host} elsewhere? Check HTTPS_PROXY and DNS, or have ${host} exempted from inspection.`,
            );
            assert.strictEqual(client.calls, 1);
            assert.strictEqual(fake.requests.length, 0);
        });

        it("a refused connection", async () => {
            // A port nothing listens on: taken, then freed.
            const server = net.createServer();
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            const port = (server.address() as net.AddressInfo).port;
            await new Promise<void>((r) => server.close(() => r()));
            const client = new ArmClient({ endpoint: `https://127.0.0.1:${port}`, credential: fakeCredential, clock });
            assertPrompt(
                await failureOf(clock, () => read(client)),
                `Reading the thing failed on the network path, before reaching ARM: the connection to 127.0.0.1:${port} was refused (ECONNREFUSED): ` +
                    "ARM does not refuse connections, so a firewall does, or this network needs a proxy (set HTTPS_PROXY).",
            );
            assert.strictEqual(client.calls, 1);
        });
    });

    describe("the proxy", () => {
        it("407 Proxy Authentication Required", async () => {
            const fake = await start(() => ({ status: 407, headers: { "proxy-authenticate": 'Basic realm="corp"' } }));
            const client = new ArmClient({ endpoint: fake.endpoint, credential: fakeCredential, trustedCa: fake.ca, clock });
            assertPrompt(
                await failureOf(clock, () => read(client)),
                "Reading the thing failed at the proxy, before reaching ARM: the proxy asked for authentication (HTTP 407 Proxy Authentication Required): " +
                    "put its credentials in HTTPS_PROXY (https://user:password@proxy:port) or have the ARM endpoint allowed without them.",
            );
            assert.strictEqual(fake.requests.length, 1);
        });
    });

    describe("the credential (its token endpoint, not ARM)", () => {
        it("a token request that never answers: one request timeout, reported as the credential's, not 'ARM answered no answer in time'", async () => {
            const fake = await start();
            const hanging: TokenCredential = {
                getToken: (_scopes, options) =>
                    new Promise((_, reject) => options?.abortSignal?.addEventListener("abort", () => reject(new Error("aborted")))),
            };
            const client = new ArmClient({ endpoint: fake.endpoint, credential: hanging, trustedCa: fake.ca, clock });
            const pending = failureOf(clock, () => read(client));
            // No answer until the request's timer fires.
            while (clock.pendingTimers === 0) {
                await new Promise((r) => setImmediate(r));
            }
            clock.advanceToNextTimer();
            assertPrompt(
                await pending,
                "Reading the thing failed at the credential, before any request reached ARM: the token request got no answer within 60 s: " +
                    "the token endpoint (Microsoft Entra ID, not ARM) or the network path to it; check that this machine reaches the cloud's login endpoint " +
                    "(behind a proxy: set HTTPS_PROXY), or use another credential.",
                60_000,
            );
            assert.strictEqual(fake.requests.length, 0);
            assert.strictEqual(client.calls, 1);
        });

        for (const [what, description] of [
            ["a wrong client secret", "AADSTS7000215: Invalid client secret provided."],
            ["an expired client certificate", "AADSTS700027: The certificate used to sign the client assertion is expired."],
        ]) {
            it(`the token endpoint answering invalid_client: ${what}`, async () => {
                const fake = await start();
                const refused: TokenCredential = {
                    getToken: async () => {
                        throw new AuthenticationError(401, {
                            error: "invalid_client",
                            error_description: `${description}\r\nTrace ID: 1f2e\r\nCorrelation ID: 3d4c`,
                        });
                    },
                };
                const client = new ArmClient({ endpoint: fake.endpoint, credential: refused, trustedCa: fake.ca, clock });
                assertPrompt(
                    await failureOf(clock, () => read(client)),
                    "Reading the thing failed at the credential, before any request reached ARM: the token endpoint (Microsoft Entra ID, not ARM) refused the credential " +
                        `(invalid_client: ${description.replace(/\.$/, "")}); check the client secret or certificate (expired?) and the tenant and client IDs ` +
                        "in the stack's azure-native:* config or the ARM_* variables, or log in again (az login).",
                );
                assert.strictEqual(fake.requests.length, 0);
                assert.strictEqual(client.calls, 1);
            });
        }
    });

    describe("ARM's answer", () => {
        const deps = (fake: FakeArm) => ({
            endpoint: fake.endpoint,
            credential: fakeCredential,
            trustedCa: fake.ca,
            clock,
            random: noJitter,
        });

        it("a 409 ScopeLocked: names the lock and its fix, not 'another operation in progress'", async () => {
            const locked =
                `The scope '${TABLE}' cannot perform write operation because following scope(s) are locked: '/subscriptions/${SUB}/resourceGroups/rg'. ` +
                "Please remove the lock and try again.";
            const fake = await start(() => ({ status: 409, body: armError("ScopeLocked", locked) }));
            assertPrompt(
                await failureOf(clock, () => createTableRetentionProvider(deps(fake)).create!(TABLE_INPUTS)),
                `Setting the retention of ${TABLE} was refused by a resource lock (HTTP 409 ScopeLocked): ${locked.replace(/\.$/, "")}. ` +
                    "Remove the lock (az lock list shows it; a ReadOnly lock on the workspace or its resource group also blocks this) or have its owner lift it, then run pulumi up again.",
            );
            assert.strictEqual(fake.requests.length, 1);
        });

        const malformed = (operation: string, missing: string) =>
            `${operation} failed: ARM answered HTTP 200 with ${missing}, not the answer its API version promises; nothing was written to state. ` +
            "Run pulumi up again; if it persists, something between this machine and ARM answers in its place (check HTTPS_PROXY).";

        it("a provider without registrationState: not polled for 20 minutes", async () => {
            const fake = await start(() => ({ status: 200, body: {} }));
            assertPrompt(
                await failureOf(clock, () =>
                    createRegistrationProvider(deps(fake)).create!({
                        subscriptionId: SUB,
                        namespace: "Microsoft.Insights",
                        timeoutMinutes: 20,
                    }),
                ),
                malformed(
                    `Registering resource provider Microsoft.Insights on subscription ${SUB}`,
                    "no registrationState for the provider",
                ),
            );
            assert.strictEqual(fake.requests.length, 1);
        });

        it("a table without properties after the PATCH: no NaN, nor the wanted values, in state", async () => {
            const fake = await start(() => ({ status: 200, body: { id: TABLE } }));
            assertPrompt(
                await failureOf(clock, () => createTableRetentionProvider(deps(fake)).create!(TABLE_INPUTS)),
                malformed(`Setting the retention of ${TABLE}`, "no properties for the table"),
            );
            assert.strictEqual(fake.requests.length, 1);
        });

        it("a table whose retention is not a number, on refresh", async () => {
            const fake = await start(() => ({
                status: 200,
                body: { id: TABLE, properties: { retentionInDays: "90", totalRetentionInDays: 730 } },
            }));
            assertPrompt(
                await failureOf(clock, () => createTableRetentionProvider(deps(fake)).read!(TABLE, TABLE_INPUTS)),
                malformed(`Reading the retention of ${TABLE} (refresh)`, 'no numeric properties.retentionInDays for the table ("90")'),
            );
            assert.strictEqual(fake.requests.length, 1);
        });

        it("an operation status without status: not taken for an operation that ended", async () => {
            let fake: FakeArm | undefined;
            fake = await start((req) =>
                req.method === "PATCH"
                    ? { status: 202, headers: { "azure-asyncoperation": `${fake!.endpoint}/subscriptions/${SUB}/operationStatuses/op1` } }
                    : req.path.includes("operationStatuses")
                      ? { status: 200, body: {} }
                      : { status: 200, body: { id: TABLE, properties: { retentionInDays: 30, totalRetentionInDays: 30 } } },
            );
            assertPrompt(
                await failureOf(clock, () => createTableRetentionProvider(deps(fake!)).create!(TABLE_INPUTS)),
                malformed(`Setting the retention of ${TABLE}`, "no status for the operation it follows"),
                5_000, // the first poll waits the backoff's first 5 s
            );
            assert.deepStrictEqual(
                fake.requests.map((r) => r.method),
                ["PATCH", "GET"],
            );
        });
    });
});
