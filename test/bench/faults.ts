/**
 * The fault table: each fault ARM can throw at the program's own calls (provider registration, table
 * retention, verify's reads), served by the loopback fake ARM on a virtual clock. A fault is handled
 * when the call rides it out, or fails with the message that says what happened and what to do.
 * `npm run bench` prints the result; a test holds it at every fault handled, none past its deadline.
 */
import { AuthenticationError, type TokenCredential } from "@azure/identity";
import { ArmGaveUp } from "../../components/azure/armOperation";
import { createRegistrationProvider } from "../../components/dynamic/resourceProviderRegistration";
import { createTableRetentionProvider } from "../../components/dynamic/tableRetention";
import { AzureReader } from "../../tools/live/azureReader";
import { type ArmHandler, type ArmReply, armError, FakeArm, fakeCredential, noJitter, VirtualClock } from "../support/fakeArm";

/** What the fault table found. */
export interface FaultTableResult {
    /** Faults tried. */
    readonly tried: number;
    /** Faults ridden out, or reported with the expected message. */
    readonly handled: number;
    /** How far past its deadline any call ran, in (virtual) milliseconds: 0 when every call kept its deadline. */
    readonly worstMsPastDeadline: number;
    /** Time to the first message for a failure no retry fixes: the longest over the non-transient rows, in (virtual) milliseconds. */
    readonly worstMsToNonTransientMessage: number;
    /** The faults not handled, with what happened instead. */
    readonly unhandled: readonly string[];
}

const SUB = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
const PROVIDER = `/subscriptions/${SUB}/providers/Microsoft.Insights`;
const TABLE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/tables/AADProvisioningLogs`;

type Target = "registration" | "table" | "verify";
/** What a fault case's call did: `ok` when it returned, else its error's message. */
type Outcome =
    | { readonly ok: true; readonly value?: unknown }
    | { readonly ok: false; readonly message: string; readonly gaveUp?: boolean };

interface FaultCase {
    readonly name: string;
    readonly target: Target;
    /** Served first, in order, instead of normal answers; "hang" also moves the clock past the request timeout. */
    readonly faults: readonly ArmReply[] | "forever";
    /** The reply served for ever with `faults: "forever"`. */
    readonly reply?: ArmReply;
    /** Ridden out (`ok`), or the message it must end with. */
    readonly expect: "ok" | RegExp;
    /** The PATCH answers 202 and the operation never ends. */
    readonly longRunning?: boolean;
    /** With `longRunning`: the status polls answer 200 without `status`. */
    readonly statusless?: boolean;
    /** A failure no retry fixes: it must end in a message at once (its time counts in `worstMsToNonTransientMessage`). */
    readonly nonTransient?: boolean;
    /** The client does not trust the fake's certificate (a TLS-inspecting proxy's). */
    readonly untrusted?: boolean;
    /** The credential's token request never answers, or the token endpoint answers invalid_client. */
    readonly token?: "hang" | "invalid_client";
}

const throttled = (retryAfter?: string): ArmReply => ({
    status: 429,
    ...(retryAfter ? { headers: { "retry-after": retryAfter } } : {}),
    body: armError("TooManyRequests", "slow down"),
});
const failing: ArmReply = { status: 503, body: armError("ServiceUnavailable", "try later") };
const busy: ArmReply = { status: 409, body: armError("AnotherOperationInProgress", "Another operation is in progress.") };
const notActive: ArmReply = { status: 404, body: armError("ResourceNotFound", "Workspace not active") };
const midBody: ArmReply = { status: 200, body: { registrationState: "Registered", properties: { retentionInDays: 90 } }, breakAfter: 8 };
const notJson: ArmReply = { status: 200, raw: "<html>gateway</html>" };
const locked: ArmReply = {
    status: 409,
    body: armError(
        "ScopeLocked",
        "The scope cannot perform write operation because following scope(s) are locked. Please remove the lock and try again.",
    ),
};

/** The fault table. */
export const FAULTS: readonly FaultCase[] = [
    { name: "registration: a read that never answers", target: "registration", faults: ["hang"], expect: "ok" },
    {
        name: "registration: Retry-After of an hour",
        target: "registration",
        faults: [throttled("3600")],
        expect: /asked to wait 60 min \(Retry-After\) but only 20 min are left of registrationTimeoutMinutes/,
    },
    {
        name: "registration: 429 without Retry-After",
        target: "registration",
        faults: [throttled(), throttled(), throttled()],
        expect: "ok",
    },
    {
        name: "registration: only 503 until the deadline",
        target: "registration",
        faults: "forever",
        reply: failing,
        expect: /never read the provider's state: Azure was failing the requests, not registering slowly/,
    },
    { name: "registration: connection reset", target: "registration", faults: ["reset"], expect: "ok" },
    { name: "registration: connection reset mid-answer", target: "registration", faults: [midBody], expect: "ok" },
    { name: "registration: an answer that is not JSON", target: "registration", faults: [notJson], expect: "ok" },
    { name: "registration: 409 while another operation runs", target: "registration", faults: [busy, busy], expect: "ok" },
    {
        name: "registration: 403",
        target: "registration",
        faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }],
        expect: /was refused \(HTTP 403\): the deploying identity needs the permission Microsoft.Insights\/register\/action/,
    },
    {
        name: "registration: reads that never answer until the deadline",
        target: "registration",
        faults: "forever",
        reply: "hang",
        expect: /ARM answered no answer in time ×\d+ in 20 min, and never read the provider's state/,
    },
    { name: "table: 409 while another operation runs", target: "table", faults: [busy], expect: "ok" },
    { name: "table: 429 without Retry-After", target: "table", faults: [throttled(), throttled()], expect: "ok" },
    { name: "table: connection reset mid-answer", target: "table", faults: [midBody], expect: "ok" },
    { name: "table: a new workspace's 404", target: "table", faults: [notActive, notActive, notActive], expect: "ok" },
    {
        name: "table: a 404 that does not pass",
        target: "table",
        faults: "forever",
        reply: notActive,
        expect: /failed \(HTTP 404 ResourceNotFound\): Workspace not active; ARM answered HTTP 404 ×\d+ in 5 min\. A new workspace answers 404/,
    },
    { name: "table: a PATCH that never answers", target: "table", faults: ["hang"], expect: "ok" },
    {
        name: "table: PATCHes that never answer until the deadline",
        target: "table",
        faults: "forever",
        reply: "hang",
        expect: /did not succeed within 10 min; ARM answered no answer in time ×\d+ in 10 min; Azure was failing the requests/,
    },
    {
        name: "table: Retry-After of an hour",
        target: "table",
        faults: [throttled("3600")],
        expect: /asked to wait 60 min \(Retry-After\) but only 10 min are left/,
    },
    {
        name: "table: only 503 until the deadline",
        target: "table",
        faults: "forever",
        reply: failing,
        expect: /did not succeed within 10 min; ARM answered HTTP 503 ×\d+ in 10 min; Azure was failing the requests/,
    },
    {
        name: "table: an operation that stays InProgress",
        target: "table",
        faults: [],
        longRunning: true,
        expect: /did not finish within 10 min: ARM's operation was still InProgress/,
    },
    {
        name: "verify: Retry-After of an hour",
        target: "verify",
        faults: [throttled("3600")],
        expect: /^HTTP 429 ×1, then asked to wait 60 min \(Retry-After\), past the deadline$/,
    },
    {
        name: "verify: reads that never answer until the deadline",
        target: "verify",
        faults: "forever",
        reply: "hang",
        expect: /Azure answered no answer in time ×2 in 2 min/,
    },
    { name: "verify: connection reset mid-answer", target: "verify", faults: [midBody], expect: "ok" },
    // Failures no retry fixes (FAILURE_CLASSES): a message at once, naming the layer and the fix.
    {
        name: "table: 407 from the proxy",
        target: "table",
        faults: [{ status: 407 }],
        nonTransient: true,
        expect: /failed at the proxy, before reaching ARM: the proxy asked for authentication \(HTTP 407/,
    },
    {
        name: "table: 409 ScopeLocked (a resource lock)",
        target: "table",
        faults: [locked],
        nonTransient: true,
        expect: /was refused by a resource lock \(HTTP 409 ScopeLocked\).*Remove the lock/,
    },
    {
        name: "registration: a 200 without registrationState",
        target: "registration",
        faults: [{ status: 200, body: {} }],
        nonTransient: true,
        expect: /failed: ARM answered HTTP 200 with no registrationState for the provider/,
    },
    {
        name: "table: a 200 without properties",
        target: "table",
        faults: [{ status: 200, body: { id: TABLE } }],
        nonTransient: true,
        expect: /failed: ARM answered HTTP 200 with no properties for the table/,
    },
    { name: "verify: 409 while another operation runs", target: "verify", faults: [busy], expect: "ok" },
];

/**
 * Faults of the client's side (its trust store, its credential) or of a whole conversation (a status
 * URL that answers without status), run like {@link FAULTS}. Apart from them because
 * test/components/dynamic/serialization.test.ts replays FAULTS' answers through the serialized
 * providers, with its own client and credential.
 */
export const CLIENT_FAULTS: readonly FaultCase[] = [
    {
        name: "registration: a certificate from an untrusted CA (TLS-inspecting proxy)",
        target: "registration",
        faults: [],
        untrusted: true,
        nonTransient: true,
        expect: /failed on the network path, before reaching ARM: the certificate presented for [^ ]+ is not Microsoft's \(DEPTH_ZERO_SELF_SIGNED_CERT\): a TLS-inspecting proxy\? Set NODE_EXTRA_CA_CERTS/,
    },
    {
        name: "table: a token request that never answers",
        target: "table",
        faults: [],
        token: "hang",
        nonTransient: true,
        expect: /failed at the credential, before any request reached ARM: the token request got no answer within 60 s/,
    },
    {
        name: "registration: the token endpoint answers invalid_client",
        target: "registration",
        faults: [],
        token: "invalid_client",
        nonTransient: true,
        expect: /failed at the credential, before any request reached ARM: the token endpoint \(Microsoft Entra ID, not ARM\) refused the credential \(invalid_client: AADSTS7000215/,
    },
    {
        name: "table: an operation status without status",
        target: "table",
        faults: [],
        longRunning: true,
        statusless: true,
        nonTransient: true,
        expect: /failed: ARM answered HTTP 200 with no status for the operation it follows/,
    },
];

const DEADLINE_MS: Record<Target, number> = { registration: 20 * 60_000, table: 10 * 60_000, verify: 2 * 60_000 };

/** ARM as each target needs it, once the faults are served: registered provider, a table, a 202 that never ends. */
function normalArm(target: Target, longRunning: boolean, endpoint: () => string, statusless = false): ArmHandler {
    return (req) => {
        if (target === "table" && longRunning) {
            return req.method === "PATCH"
                ? { status: 202, headers: { "azure-asyncoperation": `${endpoint()}/subscriptions/${SUB}/operationStatuses/op1` } }
                : { status: 200, body: statusless ? {} : { status: "InProgress" } };
        }
        if (target === "table") {
            return { status: 200, body: { id: TABLE, properties: { retentionInDays: 90, totalRetentionInDays: 730 } } };
        }
        return { status: 200, body: { id: PROVIDER, registrationState: "Registered" } };
    };
}

/** Runs one fault case; its outcome, and how far past the deadline it ended. */
async function runCase(c: FaultCase): Promise<{ outcome: Outcome; msPastDeadline: number; ms: number }> {
    const clock = new VirtualClock();
    const faults = c.faults === "forever" ? undefined : [...c.faults];
    let arm: FakeArm | undefined;
    const normal = normalArm(c.target, c.longRunning ?? false, () => arm!.endpoint, c.statusless);
    const handler: ArmHandler = (req) => {
        const reply = faults ? (faults.shift() ?? normal(req)) : c.reply!;
        if (reply === "hang") {
            // No answer until the client gives up. The timer is set before the request is sent, so it is pending here.
            clock.advanceToNextTimer();
        }
        return reply;
    };
    arm = await FakeArm.start(handler, clock.now);
    const credential: TokenCredential =
        c.token === "hang"
            ? {
                  // No answer until the request's timer (set before the token is asked for) fires.
                  getToken: (_scopes, options) =>
                      new Promise((_, reject) => {
                          options?.abortSignal?.addEventListener("abort", () => reject(new Error("aborted")));
                          setImmediate(() => clock.advanceToNextTimer());
                      }),
              }
            : c.token === "invalid_client"
              ? {
                    getToken: async () => {
                        throw new AuthenticationError(401, {
                            error: "invalid_client",
                            error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1f2e",
                        });
                    },
                }
              : fakeCredential;
    const deps = { endpoint: arm.endpoint, credential, ...(c.untrusted ? {} : { trustedCa: arm.ca }), clock, random: noJitter };
    const started = clock.now();
    let outcome: Outcome;
    try {
        if (c.target === "registration") {
            outcome = {
                ok: true,
                value: await createRegistrationProvider(deps).create!({
                    subscriptionId: SUB,
                    namespace: "Microsoft.Insights",
                    timeoutMinutes: 20,
                }),
            };
        } else if (c.target === "table") {
            const inputs = {
                subscriptionId: SUB,
                resourceGroupName: "rg",
                workspaceName: "ws",
                tableName: "AADProvisioningLogs",
                retentionInDays: 90,
                totalRetentionInDays: 730,
            };
            outcome = { ok: true, value: await createTableRetentionProvider(deps).create!(inputs) };
        } else {
            const answer = await new AzureReader({
                arm: arm.endpoint,
                credential: fakeCredential,
                trustedCa: arm.ca,
                clock,
                random: noJitter,
            }).get(PROVIDER, "2021-04-01");
            outcome = answer.gaveUp
                ? { ok: false, message: answer.gaveUp, gaveUp: true }
                : answer.status === 200 && answer.malformed === undefined
                  ? { ok: true }
                  : { ok: false, message: `HTTP ${answer.status}` };
        }
    } catch (e) {
        outcome = { ok: false, message: e instanceof ArmGaveUp ? e.message : (e as Error).message };
    } finally {
        await arm.close();
    }
    return { outcome, msPastDeadline: Math.max(0, clock.now() - (started + DEADLINE_MS[c.target])), ms: clock.now() - started };
}

/** Runs every fault of {@link FAULTS} against a fresh loopback ARM on a virtual clock. */
export async function runFaultTable(cases: readonly FaultCase[] = [...FAULTS, ...CLIENT_FAULTS]): Promise<FaultTableResult> {
    let handled = 0;
    let worstMsPastDeadline = 0;
    let worstMsToNonTransientMessage = 0;
    const unhandled: string[] = [];
    for (const c of cases) {
        const { outcome, msPastDeadline, ms } = await runCase(c);
        worstMsPastDeadline = Math.max(worstMsPastDeadline, msPastDeadline);
        if (c.nonTransient) {
            worstMsToNonTransientMessage = Math.max(worstMsToNonTransientMessage, ms);
        }
        const ok = c.expect === "ok" ? outcome.ok : !outcome.ok && c.expect.test(outcome.message);
        if (ok && msPastDeadline === 0) {
            handled++;
        } else {
            unhandled.push(
                `${c.name}: ${outcome.ok ? "succeeded" : outcome.message}${msPastDeadline > 0 ? ` (${msPastDeadline} ms past the deadline)` : ""}`,
            );
        }
    }
    return { tried: cases.length, handled, worstMsPastDeadline, worstMsToNonTransientMessage, unhandled };
}

if (require.main === module) {
    runFaultTable().then((r) => console.log(JSON.stringify(r)));
}
