import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ArmDependencies, Clock } from "../../../components/azure/armOperation";
import { createRegistrationProvider } from "../../../components/dynamic/resourceProviderRegistration";
import { createTableRetentionProvider } from "../../../components/dynamic/tableRetention";
import { createWorkspaceRetentionGuardProvider } from "../../../components/dynamic/workspaceRetentionGuard";
import {
    type DynamicProviderHost,
    type PropertyMap,
    PROVIDER_KEY,
    serializeDynamicProvider,
    startDynamicProviderHost,
} from "../../../tools/engine/dynamicProviderHost";
import { PROJECT_DIR } from "../../../tools/stackFiles";
import { FAULTS } from "../../bench/faults";
import { type ArmHandler, type ArmReply, type ArmRequest, armError, FakeArm, fakeCredential, noJitter } from "../../support/fakeArm";

/**
 * `pulumi up` runs a dynamic provider from the text `pulumi.runtime.serializeFunction` makes of it,
 * in `@pulumi/pulumi/cmd/dynamic-provider`, in its own process. Here the providers are serialized the
 * way `pulumi.dynamic.Resource` does it and run through the engine's protocol
 * (tools/engine/dynamicProviderHost.ts): Configure with the stack's config, then Check and Create,
 * Update or Read, against the loopback ARM, for every fault the in-process tests drive.
 */

// ---------------------------------------------------------------------------------------------
// Time in the provider process

/** How much faster than real time the serialized provider waits between attempts. */
const WAIT_SPEEDUP = 2_000;
/** How much faster than real time a request the loopback ARM never answers times out; a slower one would be abandoned. */
const TIMEOUT_SPEEDUP = 30;
/** Marks a provider's copy of the clock; each scenario's copy of the text gets its own (see `laneOf`). */
const LANE_MARKER = "serialized-provider-lane-000000";

/**
 * A clock for the provider process that keeps time like the in-process tests' VirtualClock: only its
 * waits and timeouts move it, by their whole length, so messages read as they do there ("in 20 min"),
 * while the waits take 1/2000 of their time and a timeout 1/30 of its time in real time (2 s for ARM's 60 s: a loaded machine still answers a loopback request sooner). It is
 * serialized with the provider (a captured dependency), state and all.
 */
function laneClock(): Clock {
    // The time, under the lane's marker: what the code uses is what the serializer writes.
    const lane: Record<string, number> = { [LANE_MARKER]: 0 };
    return {
        now: () => lane[LANE_MARKER],
        sleep: (ms) =>
            new Promise<void>((resolve) =>
                setTimeout(() => {
                    lane[LANE_MARKER] += ms;
                    resolve();
                }, ms / WAIT_SPEEDUP),
            ),
        timer: (ms, fire) => {
            const id = setTimeout(() => {
                lane[LANE_MARKER] += ms;
                fire();
            }, ms / TIMEOUT_SPEEDUP);
            return () => clearTimeout(id);
        },
    };
}

/**
 * The serialized provider with its clock's marker made `lane`'s own. cmd/dynamic-provider keeps one
 * instance per `__provider` text, so scenarios running at the same time each get their own provider,
 * and clock, in the one provider process.
 */
function laneOf(text: string, lane: number): string {
    assert.ok(text.includes(LANE_MARKER), "the clock's marker is in the serialized text");
    return text.replaceAll(LANE_MARKER, `serialized-provider-lane-${String(lane).padStart(6, "0")}`);
}

// ---------------------------------------------------------------------------------------------
// ARM, per scenario

type Kind = "registration" | "table";

/** The IDs of one scenario: each has its own subscription, which routes the loopback ARM's requests to it. */
interface Ids {
    readonly sub: string;
    readonly provider: string;
    readonly table: string;
}

function idsOf(index: number): Ids {
    const sub = `7d1e4b9a-2c3f-4a5b-9e8d-${String(index).padStart(12, "0")}`;
    return {
        sub,
        provider: `/subscriptions/${sub}/providers/Microsoft.Insights`,
        table: `/subscriptions/${sub}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit/tables/AADProvisioningLogs`,
    };
}

/**
 * ARM's provider registration (as in resourceProviderRegistration.test.ts): NotRegistered until a
 * register call, Registering for `pollsUntilRegistered` reads, then Registered, or back to each state
 * of `fallsBackTo`. `faults` are served first; `faultsAfter` from that request on.
 */
function providerArm(
    ids: Ids,
    options: {
        initial?: string;
        pollsUntilRegistered?: number;
        faults?: readonly ArmReply[];
        faultsAfter?: { from: number; replies: ArmReply[] };
        registerReply?: ArmReply;
        fallsBackTo?: string[];
    } = {},
): ArmHandler {
    let state = options.initial ?? "NotRegistered";
    let readsWhileRegistering = 0;
    let requests = 0;
    const faults = [...(options.faults ?? [])];
    const fallbacks = [...(options.fallsBackTo ?? [])];
    const provider = () => ({ id: ids.provider, namespace: "Microsoft.Insights", registrationState: state });
    return (req) => {
        const n = requests++;
        const fault =
            faults.shift() ?? (options.faultsAfter && n >= options.faultsAfter.from ? options.faultsAfter.replies.shift() : undefined);
        if (fault) {
            return fault;
        }
        if (req.method === "POST" && req.path === `${ids.provider}/register`) {
            if (options.registerReply) {
                return options.registerReply;
            }
            if (state !== "Registered") {
                state = "Registering";
                readsWhileRegistering = 0;
            }
            return { status: 200, body: provider() };
        }
        if (req.method === "GET" && req.path === ids.provider) {
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

/** A built-in table (as in tableRetention.test.ts): PATCH changes only the fields sent. `faults` are served first. */
function tableArm(
    ids: Ids,
    options: { faults?: readonly ArmReply[]; live?: { retentionInDays: number; totalRetentionInDays: number } } = {},
): ArmHandler {
    const props: Record<string, unknown> = { retentionInDays: 30, totalRetentionInDays: 30, plan: "Analytics", ...options.live };
    const faults = [...(options.faults ?? [])];
    return (req) => {
        const fault = faults.shift();
        if (fault) {
            return fault;
        }
        if (req.path !== ids.table) {
            return { status: 404, body: armError("NotFound", req.path) };
        }
        if (req.method === "PATCH") {
            Object.assign(props, (req.body as { properties: object }).properties);
        }
        return { status: 200, body: { id: ids.table, name: "AADProvisioningLogs", properties: { ...props } } };
    };
}

/** The PATCH answers 202; the operation's status is each of `statuses` in turn (the last for ever), then the table is read. */
function acceptedArm(ids: Ids, endpoint: string, statuses: unknown[]): ArmHandler {
    const table = tableArm(ids);
    return (req: ArmRequest) => {
        if (req.method === "PATCH") {
            table(req);
            return {
                status: 202,
                headers: {
                    "azure-asyncoperation": `${endpoint}/subscriptions/${ids.sub}/providers/Microsoft.OperationalInsights/locations/westeurope/operationStatuses/op1?api-version=2023-09-01`,
                    "retry-after": "10",
                },
            };
        }
        if (req.path.includes("/operationStatuses/")) {
            const status = statuses.length > 1 ? statuses.shift() : statuses[0];
            return typeof status === "string" ? { status: 200, body: { status } } : (status as ArmReply);
        }
        return table(req);
    };
}

const throttled = (retryAfter?: string): ArmReply => ({
    status: 429,
    ...(retryAfter ? { headers: { "retry-after": retryAfter } } : {}),
    body: armError("TooManyRequests", "slow down"),
});
const unavailable: ArmReply = { status: 503, body: armError("ServiceUnavailable", "try later") };
const internal: ArmReply = { status: 500, body: armError("InternalServerError", "oops") };
const notActive: ArmReply = {
    status: 404,
    body: armError("ResourceNotFound", "Workspace not active, WorkspaceId=6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a. Operation Id: 'abc'"),
};

// ---------------------------------------------------------------------------------------------
// Scenarios

/** What the engine does with the resource: create (Check, then Create), update (Check, then Update), refresh (Read). */
type Step =
    | { readonly create: (ids: Ids) => PropertyMap }
    | { readonly update: (ids: Ids) => { olds: PropertyMap; news: PropertyMap } }
    | { readonly refresh: (ids: Ids) => PropertyMap };

/** How it must end: ridden out (with these outputs), gone (a Read with a blank ID), refused by Check, or failed with this message. */
type Outcome =
    | "ok"
    | "deleted"
    | { readonly outs: (ids: Ids) => PropertyMap }
    | { readonly failures: (ids: Ids) => { property: string; reason: string }[] }
    | { readonly message: string | RegExp | ((ids: Ids) => string | RegExp) };

interface Scenario {
    readonly name: string;
    readonly kind: Kind;
    readonly arm: (ids: Ids, endpoint: string) => ArmHandler;
    /** Defaults to creating the kind's resource. */
    readonly step?: Step;
    readonly expect: Outcome;
    /** The requests ARM got (`GET <path>`), when they matter. */
    readonly requests?: (ids: Ids) => string[];
}

const registrationInputs = (ids: Ids) => ({ subscriptionId: ids.sub, namespace: "Microsoft.Insights", timeoutMinutes: 20 });
const tableInputs = (ids: Ids) => ({
    subscriptionId: ids.sub,
    resourceGroupName: "rg-audit",
    workspaceName: "log-audit",
    tableName: "AADProvisioningLogs",
    retentionInDays: 365,
    totalRetentionInDays: 2556,
});
const createRegistration = (extra: PropertyMap = {}): Step => ({ create: (ids) => ({ ...registrationInputs(ids), ...extra }) });
const registrationCalls =
    (...calls: string[]) =>
    (ids: Ids) =>
        calls.map((c) => c.replace("<provider>", ids.provider));
const showState = "`az provider show --namespace Microsoft.Insights --query registrationState`";

/** The fault table of the benchmark (test/bench/faults.ts), for the two providers: its faults first, then a working ARM. */
const FAULT_TABLE: Scenario[] = FAULTS.filter((c) => c.target === "registration" || c.target === "table").map((c) => ({
    name: `the fault table's "${c.name}"`,
    kind: c.target as Kind,
    arm: (ids, endpoint) => {
        const faults = c.faults === "forever" ? undefined : [...c.faults];
        const normal: ArmHandler =
            c.target === "registration"
                ? providerArm(ids, { initial: "Registered" })
                : c.longRunning
                  ? acceptedArm(ids, endpoint, ["InProgress"])
                  : tableArm(ids);
        return (req) => (faults ? (faults.shift() ?? normal(req)) : c.reply!);
    },
    expect: c.expect === "ok" ? "ok" : { message: c.expect },
}));

/** resourceProviderRegistration.test.ts, through the engine. */
const REGISTRATION: Scenario[] = [
    {
        name: "one read and no register call when the provider is already registered",
        kind: "registration",
        arm: (ids) => providerArm(ids, { initial: "Registered" }),
        expect: { outs: (ids) => ({ ...registrationInputs(ids), registrationState: "Registered" }) },
        requests: registrationCalls("GET <provider>"),
    },
    {
        name: "registers, then polls until Registered",
        kind: "registration",
        arm: (ids) => providerArm(ids, { pollsUntilRegistered: 3 }),
        expect: { outs: (ids) => ({ ...registrationInputs(ids), registrationState: "Registered" }) },
        requests: registrationCalls(
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
            "GET <provider>",
            "GET <provider>",
            "GET <provider>",
        ),
    },
    {
        name: "does not ask again while another caller's registration is under way",
        kind: "registration",
        arm: (ids) => providerArm(ids, { initial: "Registering", pollsUntilRegistered: 1 }),
        expect: "ok",
        requests: registrationCalls("GET <provider>", "GET <provider>"),
    },
    {
        name: "waits out a 429's Retry-After, the HTTP pipeline retrying nothing by itself",
        kind: "registration",
        arm: (ids) => providerArm(ids, { initial: "Registered", faults: [throttled("9")] }),
        expect: "ok",
        requests: registrationCalls("GET <provider>", "GET <provider>"),
    },
    {
        name: "rides out 503s and keeps polling",
        kind: "registration",
        arm: (ids) => providerArm(ids, { pollsUntilRegistered: 1, faults: [unavailable, unavailable] }),
        expect: "ok",
    },
    {
        name: "rides out a connection reset",
        kind: "registration",
        arm: (ids) => providerArm(ids, { pollsUntilRegistered: 0, faults: ["reset"] }),
        expect: "ok",
        requests: registrationCalls("GET <provider>", "GET <provider>", "POST <provider>/register", "GET <provider>"),
    },
    {
        name: "abandons a register call that never answers, then goes on",
        kind: "registration",
        arm: (ids) => {
            const registering = providerArm(ids, { pollsUntilRegistered: 0 });
            let hung = false;
            return (req) => {
                if (req.method === "POST" && !hung) {
                    hung = true;
                    return "hang";
                }
                return registering(req);
            };
        },
        expect: "ok",
        requests: registrationCalls(
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
        ),
    },
    {
        name: "fails at once on 403, naming the missing permission",
        kind: "registration",
        arm: (ids) =>
            providerArm(ids, {
                registerReply: { status: 403, body: armError("AuthorizationFailed", "does not have authorization to perform action") },
            }),
        expect: {
            message: (ids) =>
                `Registering resource provider Microsoft.Insights on subscription ${ids.sub} was refused (HTTP 403): ` +
                "the deploying identity needs the permission Microsoft.Insights/register/action on the subscription (for example through the Contributor role), " +
                `or an administrator can run \`az provider register --namespace Microsoft.Insights --subscription ${ids.sub}\` once.`,
        },
        requests: registrationCalls("GET <provider>", "POST <provider>/register"),
    },
    {
        name: "says the credentials were refused on a 401",
        kind: "registration",
        arm: (ids) =>
            providerArm(ids, { faults: [{ status: 401, body: armError("InvalidAuthenticationToken", "The access token is invalid.") }] }),
        expect: {
            message: (ids) =>
                `Registering resource provider Microsoft.Insights on subscription ${ids.sub} was refused (HTTP 401 InvalidAuthenticationToken): ` +
                "the credentials were not accepted; log in again (az login) or check the stack's azure-native:* config and the ARM_* variables, which the program reads as the azure-native provider does.",
        },
    },
    {
        name: "stops before a wait that would end past the deadline, with the last state seen",
        kind: "registration",
        arm: (ids) => providerArm(ids),
        step: createRegistration({ timeoutMinutes: 3 }),
        expect: {
            message: (ids) =>
                `Resource provider Microsoft.Insights is still not registered on subscription ${ids.sub} within registrationTimeoutMinutes (3 min) (last state: Registering). ` +
                `Registration is sometimes slow: check ${showState} and run \`pulumi up\` again.`,
        },
    },
    {
        name: "stops at once when Retry-After asks for longer than the time left",
        kind: "registration",
        arm: (ids) => providerArm(ids, { faultsAfter: { from: 5, replies: [throttled("3600")] } }),
        expect: {
            message: (ids) =>
                `Registering resource provider Microsoft.Insights on subscription ${ids.sub} stopped: ARM asked to wait 60 min (Retry-After) but only 19 min are left of ` +
                "registrationTimeoutMinutes (20 min); ARM answered HTTP 429 ×1 in 41 s. Run pulumi up again in 60 min, or raise registrationTimeoutMinutes.",
        },
    },
    {
        name: "says ARM was throttling and failing when it answered nothing but 429 and 500 until the deadline",
        kind: "registration",
        arm: (ids) => providerArm(ids, { faults: Array.from({ length: 200 }, (_, i) => (i % 3 === 2 ? internal : throttled())) }),
        expect: {
            message: (ids) =>
                `Registering resource provider Microsoft.Insights on subscription ${ids.sub} did not finish within registrationTimeoutMinutes (20 min); ` +
                "ARM answered HTTP 429 ×29, HTTP 500 ×14 in 20 min, and never read the provider's state: ARM was throttling and failing the requests, not registering slowly. " +
                `Run pulumi up again later; ${showState} shows the state.`,
        },
    },
    {
        name: "registers again once when the registration falls back to Unregistered",
        kind: "registration",
        arm: (ids) => providerArm(ids, { pollsUntilRegistered: 1, fallsBackTo: ["Unregistered"] }),
        expect: "ok",
        requests: registrationCalls(
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
            "GET <provider>",
        ),
    },
    {
        name: "fails at once when the registration falls back twice",
        kind: "registration",
        arm: (ids) => providerArm(ids, { pollsUntilRegistered: 1, fallsBackTo: ["Unregistered", "NotRegistered"] }),
        expect: {
            message: (ids) =>
                `Resource provider Microsoft.Insights went from Registering back to NotRegistered on subscription ${ids.sub} after 2 register calls: ARM did not complete the registration. ` +
                "Look for the failed register action in the subscription's activity log and fix its cause, then run pulumi up again " +
                `(${showState} shows the state).`,
        },
    },
    {
        name: "waits out a 409 while another operation is in progress on the register call",
        kind: "registration",
        arm: (ids) =>
            providerArm(ids, {
                pollsUntilRegistered: 0,
                faultsAfter: {
                    from: 1,
                    replies: [
                        {
                            status: 409,
                            body: armError("AnotherOperationInProgress", "Another operation on this or dependent resource is in progress."),
                        },
                    ],
                },
            }),
        expect: "ok",
        requests: registrationCalls(
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
            "POST <provider>/register",
            "GET <provider>",
        ),
    },
    {
        name: "fails at once on a 409 that is not about another operation",
        kind: "registration",
        arm: (ids) => providerArm(ids, { registerReply: { status: 409, body: armError("Conflict", "The subscription is disabled.") } }),
        expect: {
            message: (ids) =>
                `Registering resource provider Microsoft.Insights on subscription ${ids.sub} failed (HTTP 409 Conflict): The subscription is disabled`,
        },
    },
    {
        name: "cuts a request's timeout to the time left before the deadline",
        kind: "registration",
        arm: () => () => "hang",
        step: createRegistration({ timeoutMinutes: 1 }),
        expect: {
            message: (ids) =>
                `Registering resource provider Microsoft.Insights on subscription ${ids.sub} did not finish within registrationTimeoutMinutes (60 s); ARM answered no answer in time ×1 in 60 s, ` +
                "and never read the provider's state: Azure was failing the requests, not registering slowly. Run pulumi up again later; " +
                `${showState} shows the state.`,
        },
    },
    {
        name: "reads the live state on refresh without registering",
        kind: "registration",
        arm: (ids) => providerArm(ids, { initial: "NotRegistered" }),
        step: { refresh: (ids) => ({ ...registrationInputs(ids), registrationState: "Registered" }) },
        expect: { outs: (ids) => ({ ...registrationInputs(ids), registrationState: "NotRegistered" }) },
        requests: registrationCalls("GET <provider>"),
    },
    {
        name: "names the resource when a refresh is refused",
        kind: "registration",
        arm: (ids) => providerArm(ids, { faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }] }),
        step: { refresh: (ids) => ({ ...registrationInputs(ids), registrationState: "Registered" }) },
        expect: {
            message: (ids) =>
                `Reading the registration of resource provider Microsoft.Insights on subscription ${ids.sub} (${ids.provider}) was refused (HTTP 403): ` +
                `the identity needs Reader on subscription ${ids.sub} to read its resource providers.`,
        },
    },
    {
        name: "names the resource and what ARM answered when a refresh keeps failing",
        kind: "registration",
        arm: (ids) => providerArm(ids, { faults: Array(50).fill(unavailable) }),
        step: { refresh: (ids) => ({ ...registrationInputs(ids), registrationState: "Registered" }) },
        expect: {
            message: (ids) =>
                `Reading the registration of resource provider Microsoft.Insights on subscription ${ids.sub} (${ids.provider}) did not succeed within 5 min; ` +
                "ARM answered HTTP 503 ×13 in 5 min; Azure was failing the requests. Run pulumi refresh again later.",
        },
    },
    {
        name: "rejects a subscription that is not a GUID at Check, before calling Azure",
        kind: "registration",
        arm: (ids) => providerArm(ids),
        step: { create: (ids) => ({ ...registrationInputs(ids), subscriptionId: "my-sub" }) },
        expect: { failures: () => [{ property: "subscriptionId", reason: "must be a GUID (got my-sub)" }] },
        requests: () => [],
    },
];

const TABLE_SETTING = (ids: Ids) => `Setting the retention of ${ids.table}`;
const patches =
    (...at: string[]) =>
    (ids: Ids) =>
        at.map((m) => `${m} ${ids.table}`);
/** An update of the table from {@link tableInputs} to these. */
const updateTo = (news: PropertyMap): Step => ({
    update: (ids: Ids) => ({ olds: tableInputs(ids), news: { ...tableInputs(ids), ...news } }),
});

/** tableRetention.test.ts, through the engine. */
const TABLE: Scenario[] = [
    {
        name: "sets both retentions with one PATCH, never a PUT",
        kind: "table",
        arm: (ids) => tableArm(ids),
        expect: { outs: tableInputs },
        requests: patches("PATCH"),
    },
    {
        name: "names the missing permission on 403",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }] }),
        expect: {
            message: (ids) =>
                `${TABLE_SETTING(ids)} was refused (HTTP 403): the deploying identity needs microsoft.operationalinsights/workspaces/tables/write (for example the Log Analytics Contributor role).`,
        },
    },
    {
        name: "says which settings to check when ARM refuses the values (400), and does not retry",
        kind: "table",
        arm: (ids) =>
            tableArm(ids, {
                faults: [{ status: 400, body: armError("InvalidParameter", "totalRetentionInDays must be in whole years above 730.") }],
            }),
        expect: {
            message: (ids) =>
                `${TABLE_SETTING(ids)} failed (HTTP 400 InvalidParameter): totalRetentionInDays must be in whole years above 730. ` +
                "ARM refused the retention values: check provisioningLogsRetentionInDays (4–730) and provisioningLogsTotalRetentionInDays (4–730, or whole years up to 4383) in the stack's settings.",
        },
        requests: patches("PATCH"),
    },
    {
        name: "waits out a 409 while another operation on the table is in progress",
        kind: "table",
        arm: (ids) =>
            tableArm(ids, {
                faults: [
                    { status: 409, body: armError("Conflict", "Another operation on the table is in progress, please try again later.") },
                ],
            }),
        expect: { outs: tableInputs },
        requests: patches("PATCH", "PATCH"),
    },
    {
        name: "waits out 429s without Retry-After on the backoff",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [throttled(), throttled()] }),
        expect: { outs: tableInputs },
        requests: patches("PATCH", "PATCH", "PATCH"),
    },
    {
        name: "rides out a connection broken in the middle of ARM's answer",
        kind: "table",
        arm: (ids) =>
            tableArm(ids, { faults: [{ status: 200, body: { id: ids.table, properties: { retentionInDays: 365 } }, breakAfter: 20 }] }),
        expect: { outs: tableInputs },
        requests: patches("PATCH", "PATCH"),
    },
    {
        name: "rides out an answer that is not JSON",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [{ status: 200, raw: '{"id": "/subscriptions/2b4d' }] }),
        expect: { outs: tableInputs },
        requests: patches("PATCH", "PATCH"),
    },
    {
        name: "waits while a new workspace answers 404 'Workspace not active'",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [notActive, notActive, notActive] }),
        expect: { outs: tableInputs },
        requests: patches("PATCH", "PATCH", "PATCH", "PATCH"),
    },
    {
        name: "reports a 404 that outlasts a new workspace's activation, with what to do",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: Array(100).fill(notActive) }),
        expect: {
            message: (ids) =>
                `${TABLE_SETTING(ids)} failed (HTTP 404 ResourceNotFound): Workspace not active, WorkspaceId=6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a. Operation Id: 'abc'; ` +
                'ARM answered HTTP 404 ×13 in 5 min. A new workspace answers 404 ("Workspace not active") for a few minutes after it is created: if this pulumi up created workspace log-audit, ' +
                `run pulumi up again in a few minutes; otherwise check that workspace log-audit exists in resource group rg-audit of subscription ${ids.sub} (pulumi refresh shows whether it was deleted).`,
        },
    },
    {
        name: "abandons a PATCH that never answers and sends it again",
        kind: "table",
        arm: (ids) => {
            const table = tableArm(ids);
            let hung = false;
            return (req) => {
                if (!hung) {
                    hung = true;
                    return "hang";
                }
                return table(req);
            };
        },
        expect: { outs: tableInputs },
        requests: patches("PATCH", "PATCH"),
    },
    {
        name: "says ARM was throttling and failing when it answered nothing but 429 and 503 until the deadline",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: Array.from({ length: 100 }, (_, i) => (i % 2 ? unavailable : throttled())) }),
        expect: {
            message: (ids) =>
                `${TABLE_SETTING(ids)} did not succeed within 10 min; ARM answered HTTP 429 ×12, HTTP 503 ×11 in 10 min; ` +
                "ARM was throttling and failing the requests. Run pulumi up again later.",
        },
    },
    {
        name: "stops at once when Retry-After asks for an hour",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [throttled("3600")] }),
        expect: {
            message: (ids) =>
                `${TABLE_SETTING(ids)} stopped: ARM asked to wait 60 min (Retry-After) but only 10 min are left of its 10 min; ARM answered HTTP 429 ×1. Run pulumi up again in 60 min.`,
        },
        requests: patches("PATCH"),
    },
    {
        name: "follows a long-running PATCH, Retry-After first, then reads the table",
        kind: "table",
        arm: (ids, endpoint) => acceptedArm(ids, endpoint, ["InProgress", unavailable, "Succeeded"]),
        expect: { outs: tableInputs },
        requests: (ids) => [
            `PATCH ${ids.table}`,
            ...Array(3).fill(
                `GET /subscriptions/${ids.sub}/providers/Microsoft.OperationalInsights/locations/westeurope/operationStatuses/op1`,
            ),
            `GET ${ids.table}`,
        ],
    },
    {
        name: "reports a long-running operation that ends Failed, with ARM's error",
        kind: "table",
        arm: (ids, endpoint) =>
            acceptedArm(ids, endpoint, [
                { status: 200, body: { status: "Failed", error: { code: "InternalError", message: "Retention update failed." } } },
            ]),
        expect: {
            message: (ids) => `${TABLE_SETTING(ids)} failed: ARM's operation ended Failed (InternalError): Retention update failed.`,
        },
    },
    {
        name: "stops following a long-running operation at the deadline, saying ARM goes on with it",
        kind: "table",
        arm: (ids, endpoint) => acceptedArm(ids, endpoint, ["InProgress"]),
        expect: {
            message: (ids) =>
                `${TABLE_SETTING(ids)} did not finish within 10 min: ARM's operation was still InProgress after 22 checks. ARM goes on with it by itself; run pulumi up again later to confirm.`,
        },
    },
    {
        name: "refuses to send its credentials to a status URL on another host",
        kind: "table",
        arm: (ids) => (req) =>
            req.method === "PATCH"
                ? { status: 202, headers: { "azure-asyncoperation": "https://evil.example.com/op" } }
                : tableArm(ids)(req),
        expect: {
            message: (ids) =>
                new RegExp(
                    `^${escapeRegExp(TABLE_SETTING(ids))} failed: ARM pointed to https://evil\\.example\\.com to follow the operation, not https://127\\.0\\.0\\.1:\\d+; the program does not send its credentials there\\.$`,
                ),
        },
    },
    {
        name: "reads the live retention back on refresh",
        kind: "table",
        arm: (ids) => tableArm(ids),
        step: { refresh: tableInputs },
        expect: { outs: (ids) => ({ ...tableInputs(ids), retentionInDays: 30, totalRetentionInDays: 30 }) },
    },
    {
        name: "abandons a refresh GET that never answers and reads again",
        kind: "table",
        arm: (ids) => {
            const table = tableArm(ids);
            let hung = false;
            return (req) => {
                if (!hung) {
                    hung = true;
                    return "hang";
                }
                return table(req);
            };
        },
        step: { refresh: tableInputs },
        expect: { outs: (ids) => ({ ...tableInputs(ids), retentionInDays: 30, totalRetentionInDays: 30 }) },
        requests: patches("GET", "GET"),
    },
    {
        name: "names the resource when a refresh is refused",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }] }),
        step: { refresh: tableInputs },
        expect: {
            message: (ids) =>
                `Reading the retention of ${ids.table} (refresh) was refused (HTTP 403): the identity needs microsoft.operationalinsights/workspaces/tables/read (for example the Log Analytics Reader role).`,
        },
    },
    {
        name: "names the resource when a refresh keeps failing",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: Array(100).fill(unavailable) }),
        step: { refresh: tableInputs },
        expect: {
            message: (ids) =>
                `Reading the retention of ${ids.table} (refresh) did not succeed within 10 min; ARM answered HTTP 503 ×23 in 10 min; Azure was failing the requests. Run pulumi refresh again later.`,
        },
    },
    {
        name: "drops the table from state when a refresh gets a 404, so the next pulumi up sets its retention again",
        kind: "table",
        arm: (ids) => tableArm(ids, { faults: [notActive] }),
        step: { refresh: tableInputs },
        expect: "deleted",
        requests: patches("GET"),
    },
    ...(
        [
            {
                name: "refuses, at Check, an update that lowers the total retention",
                live: { retentionInDays: 365, totalRetentionInDays: 2556 },
                news: { totalRetentionInDays: 730 },
                failures: (ids: Ids) => [
                    {
                        property: "totalRetentionInDays",
                        reason: `Lowering the retention of ${ids.table} from 2556 to 730 days deletes the older provisioning logs; set allowRetentionDecrease true for this run to do it on purpose`,
                    },
                ],
            },
            {
                name: "refuses, at Check, an update that lowers the interactive retention",
                live: { retentionInDays: 365, totalRetentionInDays: 2556 },
                news: { retentionInDays: 90 },
                failures: (ids: Ids) => [
                    {
                        property: "retentionInDays",
                        reason:
                            `Lowering the interactive retention of ${ids.table} from 365 to 90 days takes provisioning logs older than 90 days out of interactive queries (search jobs only); ` +
                            "set allowRetentionDecrease true for this run to do it on purpose",
                    },
                ],
            },
        ] as const
    ).map(
        (s): Scenario => ({
            name: s.name,
            kind: "table",
            arm: (ids) => tableArm(ids, { live: s.live }),
            step: updateTo(s.news),
            expect: { failures: s.failures },
            requests: () => [],
        }),
    ),
    {
        name: "refuses, at Update, to lower a retention someone raised outside Pulumi",
        kind: "table",
        arm: (ids) => tableArm(ids, { live: { retentionInDays: 365, totalRetentionInDays: 4383 } }),
        step: updateTo({ retentionInDays: 400 }),
        expect: {
            message: (ids) =>
                `Lowering the retention of ${ids.table} from 4383 to 2556 days deletes the older provisioning logs; set allowRetentionDecrease true for this run to do it on purpose`,
        },
        requests: patches("GET"),
    },
    {
        name: "lowers the retention when allowRetentionDecrease is true for the run",
        kind: "table",
        arm: (ids) => tableArm(ids, { live: { retentionInDays: 365, totalRetentionInDays: 2556 } }),
        step: updateTo({ totalRetentionInDays: 730, allowRetentionDecrease: true }),
        expect: { outs: (ids) => ({ ...tableInputs(ids), totalRetentionInDays: 730 }) },
        requests: patches("PATCH"),
    },
    {
        name: "raises the retention after reading the live table",
        kind: "table",
        arm: (ids) => tableArm(ids, { live: { retentionInDays: 365, totalRetentionInDays: 2556 } }),
        step: updateTo({ totalRetentionInDays: 4383 }),
        expect: { outs: (ids) => ({ ...tableInputs(ids), totalRetentionInDays: 4383 }) },
        requests: patches("GET", "PATCH"),
    },
];

const SCENARIOS: readonly Scenario[] = [...FAULT_TABLE, ...REGISTRATION, ...TABLE];

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What a scenario came to, through the engine. */
type Result =
    | { ok: true; outs: PropertyMap; id?: string; requests: string[] }
    | { ok: false; message?: string; failures?: unknown; requests: string[] };

/** Runs `items` through `run`, at most `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: width }, async () => {
            while (next < items.length) {
                const i = next++;
                results[i] = await run(items[i], i);
            }
        }),
    );
    return results;
}

/** What a dynamic resource's URN looks like. */
function urnOf(kind: Kind, index: number): string {
    const type = kind === "registration" ? "ResourceProviderRegistration" : "TableRetention";
    return `urn:pulumi:dev::entra-provisioning-logs::pulumi-nodejs:dynamic:${type}::scenario-${index}`;
}

function withoutProvider(props: PropertyMap): PropertyMap {
    const { [PROVIDER_KEY]: _, ...rest } = props;
    return rest;
}

/** The engine's steps for one scenario: Check, then Create or Update, or Read for a refresh. */
async function runScenario(
    host: DynamicProviderHost,
    scenario: Scenario,
    index: number,
    provider: string,
    requests: string[],
): Promise<Result> {
    const ids = idsOf(index);
    const urn = urnOf(scenario.kind, index);
    const step = scenario.step ?? { create: scenario.kind === "registration" ? registrationInputs : tableInputs };
    try {
        if ("refresh" in step) {
            const state = { ...step.refresh(ids), [PROVIDER_KEY]: provider };
            const read = await host.read(urn, idOf(scenario.kind, ids), state, state);
            return { ok: true, outs: read.properties, id: read.id, requests };
        }
        const { olds, news } = "create" in step ? { olds: undefined, news: step.create(ids) } : step.update(ids);
        const oldInputs = olds && { ...olds, [PROVIDER_KEY]: provider };
        const checked = await host.check(urn, oldInputs ?? {}, { ...news, [PROVIDER_KEY]: provider });
        if (checked.failures.length > 0) {
            return { ok: false, failures: checked.failures, requests };
        }
        if (oldInputs) {
            const updated = await host.update(urn, idOf(scenario.kind, ids), oldInputs, checked.inputs);
            return { ok: true, outs: updated.properties, requests };
        }
        const created = await host.create(urn, checked.inputs);
        assert.strictEqual(created.id, idOf(scenario.kind, ids));
        return { ok: true, outs: created.properties, requests };
    } catch (e) {
        return { ok: false, message: (e as Error).message, requests };
    }
}

function idOf(kind: Kind, ids: Ids): string {
    return kind === "registration" ? ids.provider : ids.table;
}

function checkOutcome(scenario: Scenario, index: number, result: Result): void {
    const ids = idsOf(index);
    const expect = scenario.expect;
    if (expect === "deleted") {
        assert.ok(result.ok, `it failed: ${JSON.stringify(result.ok ? undefined : result.message)}`);
        assert.strictEqual(result.id, "", "a blank ID, which the engine takes as the resource being gone");
    } else if (expect === "ok" || "outs" in expect) {
        assert.ok(result.ok, `it failed: ${JSON.stringify(result.ok ? undefined : (result.message ?? result.failures))}`);
        if (expect !== "ok") {
            assert.deepStrictEqual(withoutProvider(result.outs), expect.outs(ids));
        }
    } else if ("failures" in expect) {
        assert.ok(!result.ok && result.failures, `Check passed: ${JSON.stringify(result)}`);
        assert.deepStrictEqual(result.failures, expect.failures(ids));
    } else {
        assert.ok(!result.ok && result.message !== undefined, `it did not fail: ${JSON.stringify(result)}`);
        const wanted = typeof expect.message === "function" ? expect.message(ids) : expect.message;
        if (typeof wanted === "string") {
            assert.strictEqual(result.message, wanted);
        } else {
            assert.match(result.message, wanted);
        }
    }
    if (scenario.requests) {
        assert.deepStrictEqual(result.requests, scenario.requests(ids));
    }
}

// ---------------------------------------------------------------------------------------------

/** A serialized provider loaded as cmd/dynamic-provider loads it (`require-from-string`, its own dependency), here. */
function loadSerialized(text: string): () => unknown {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const requireFromString: (code: string, filename?: string) => { handler: () => unknown } = require(
        require.resolve("require-from-string", { paths: [pulumiDir] }),
    );
    return requireFromString(text, path.join(PROJECT_DIR, "serialized-provider.js")).handler;
}

/** An instance's own properties that hold a value, and their values; objects and functions by kind only. */
function shape(instance: object): Record<string, unknown> {
    return Object.fromEntries(
        Object.getOwnPropertyNames(instance)
            .filter((k) => (instance as Record<string, unknown>)[k] !== undefined)
            .sort()
            .map((k) => {
                const v = (instance as Record<string, unknown>)[k];
                // A stack trace differs by its frames; its first line says what was thrown.
                return [k, typeof v === "object" || typeof v === "function" ? typeof v : k === "stack" ? String(v).split("\n")[0] : v];
            }),
    );
}

/**
 * How to make an instance of each class of the modules the providers run (components/azure,
 * components/dynamic), to compare it with one of the class as serialized. A new class there needs a
 * line here: the test fails naming it.
 */
const SAMPLE_ARGUMENTS: Record<string, readonly unknown[]> = {
    ArmClient: [{ endpoint: "https://127.0.0.1:1" }],
    AnswerLog: [],
    Deadline: [{ operation: "Reading", timeoutMs: 60_000 }, { clock: { now: () => 0, sleep: async () => undefined } }],
    ArmGaveUp: ["Reading did not succeed within 10 min", "HTTP 503 ×2 in 10 min"],
};

/** The classes `modules` export, except Pulumi resources, which the providers never reach. */
function classesOf(dirs: readonly string[]): Map<string, new (...args: any[]) => object> {
    const classes = new Map<string, new (...args: any[]) => object>();
    for (const dir of dirs) {
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
            for (const value of Object.values(require(path.join(dir, file)) as Record<string, unknown>)) {
                if (
                    typeof value === "function" &&
                    /^class[\s{]/.test(Function.prototype.toString.call(value)) &&
                    !(value.prototype instanceof pulumi.Resource)
                ) {
                    classes.set(value.name, value as new (...args: any[]) => object);
                }
            }
        }
    }
    return classes;
}

/** Runs `script` (JavaScript, TypeScript modules loaded with ts-node) in a fresh Node.js process in the project; what it prints. */
function runNode(script: string): Promise<string> {
    return new Promise((resolve, reject) =>
        execFile(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "-e", script],
            { cwd: PROJECT_DIR, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        ),
    );
}

// ---------------------------------------------------------------------------------------------

describe("the dynamic providers as Pulumi runs them", function () {
    this.timeout(120_000);
    let arm: FakeArm;
    let caDir: string;
    /** Scenario handlers and the requests each got, by subscription. */
    const routes = new Map<string, { handler: ArmHandler; requests: string[] }>();
    /**
     * The provider process of most tests. Its environment is the CLI's as it passes it on: no Azure
     * login (OIDC set up without a token), and the loopback ARM's certificate trusted through
     * NODE_EXTRA_CA_CERTS.
     */
    let host: DynamicProviderHost;
    /** One whose stack config sets the azure-native provider's credential, over the same OIDC variables; the certificate not trusted. */
    let configured: DynamicProviderHost;
    /** One whose stack config names a cloud the provider does not know. */
    let elsewhere: DynamicProviderHost;
    const oidcWithoutToken = { PATH: process.env.PATH, ARM_USE_OIDC: "true", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c" };

    before(async () => {
        arm = await FakeArm.start((req) => {
            const route = routes.get(/^\/subscriptions\/([^/]+)/.exec(req.path)?.[1] ?? "");
            if (!route) {
                return { status: 404, body: armError("NotFound", req.path) };
            }
            route.requests.push(`${req.method} ${req.path}`);
            return route.handler(req);
        });
        caDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-test-"));
        fs.writeFileSync(path.join(caDir, "arm.pem"), arm.ca);
        [host, configured, elsewhere] = await Promise.all([
            startDynamicProviderHost({
                config: { "entra-provisioning-logs:tenantId": "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f" },
                env: { ...oidcWithoutToken, NODE_EXTRA_CA_CERTS: path.join(caDir, "arm.pem") },
            }),
            startDynamicProviderHost({
                config: {
                    "entra-provisioning-logs:tenantId": "t",
                    "azure-native:tenantId": "t",
                    "azure-native:clientId": "c",
                    "azure-native:clientCertificatePath": "/nonexistent/sp.pem",
                    "azure-native:clientCertificatePassword": "p4ss",
                },
                secretKeys: ["azure-native:clientCertificatePassword"],
                env: oidcWithoutToken,
            }),
            startDynamicProviderHost({ config: { "azure-native:environment": "mars" }, env: oidcWithoutToken }),
        ]);
        await Promise.all([host.configure(), configured.configure(), elsewhere.configure()]);
    });

    after(async () => {
        await Promise.all([host?.close(), configured?.close(), elsewhere?.close()]);
        await arm?.close();
        fs.rmSync(caDir, { recursive: true, force: true });
    });

    /** Creates a dynamic resource through `through`, Check then Create, as `pulumi up` does; the error message if it fails. */
    async function create(
        through: DynamicProviderHost,
        provider: object,
        inputs: PropertyMap,
    ): Promise<{ outs?: PropertyMap; message?: string }> {
        const news = { ...inputs, [PROVIDER_KEY]: await serializeDynamicProvider(provider) };
        const urn = "urn:pulumi:dev::entra-provisioning-logs::pulumi-nodejs:dynamic:Resource::r";
        try {
            const checked = await through.check(urn, {}, news);
            assert.deepStrictEqual(checked.failures, []);
            return { outs: (await through.create(urn, checked.inputs)).properties };
        } catch (e) {
            return { message: (e as Error).message };
        }
    }

    const ZERO = "00000000-0000-0000-0000-000000000000";
    const table = {
        subscriptionId: ZERO,
        resourceGroupName: "rg",
        workspaceName: "ws",
        tableName: "AADProvisioningLogs",
        retentionInDays: 30,
        totalRetentionInDays: 30,
    };
    const tableId = `/subscriptions/${ZERO}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/tables/AADProvisioningLogs`;

    describe("how the provider process reaches ARM: the credential and cloud (from its variables and the config Configure hands over), the certificate, the clock", () => {
        it("fails clearly, before any network call, when the variables ask for OIDC and no token is there", async () => {
            const { message } = await create(host, createTableRetentionProvider(), table);
            assert.match(
                message ?? "",
                new RegExp(
                    `^Setting the retention of ${escapeRegExp(tableId)} failed before reaching ARM: ARM_USE_OIDC is true but no OIDC token is available`,
                ),
            );
        });

        it("authenticates with the stack's azure-native config, over the process's variables", async () => {
            const { message } = await create(configured, createTableRetentionProvider(), table);
            assert.match(
                message ?? "",
                /failed before reaching ARM: azure-native:clientCertificatePath names \/nonexistent\/sp\.pem, which can't be read \(ENOENT\)$/,
            );
        });

        it("reads the cloud from the stack's azure-native:environment", async () => {
            const { message } = await create(elsewhere, createRegistrationProvider(), {
                subscriptionId: ZERO,
                namespace: "Microsoft.Insights",
                timeoutMinutes: 1,
            });
            assert.match(message ?? "", /^azure-native:environment must be public, usgovernment or china .*\(got "mars"\)$/);
        });

        it("runs the workspace retention guard as the engine does: a throttled read ridden out, a lower retention refused, a malformed answer refusing the run", async () => {
            const ids = idsOf(9_100);
            const workspace = `/subscriptions/${ids.sub}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit`;
            const answers: ArmReply[] = [
                { status: 429, headers: { "retry-after": "1" }, body: armError("TooManyRequests", "slow down") },
                { status: 200, body: { id: workspace.toLowerCase(), properties: { retentionInDays: 365 } } },
                { status: 200, body: { id: workspace.toLowerCase(), properties: { retentionInDays: 90 } } },
                { status: 200, body: { id: workspace.toLowerCase() } },
            ];
            const route = { handler: () => answers.shift() as ArmReply, requests: [] as string[] };
            routes.set(ids.sub, route);
            const provider = () =>
                createWorkspaceRetentionGuardProvider({
                    endpoint: arm.endpoint,
                    credential: fakeCredential,
                    clock: laneClock(),
                    random: noJitter,
                });
            const inputs = { subscriptionId: ids.sub, resourceGroupName: "rg-audit", workspaceName: "log-audit", retentionInDays: 90 };
            assert.strictEqual(
                (await create(host, provider(), inputs)).message,
                `Lowering the retention of workspace ${workspace} from 365 to 90 days deletes the logs older than 90 days in every table ` +
                    "that keeps the workspace's retention (AuditLogs among them); set allowRetentionDecrease true for this run to do it on purpose",
            );
            assert.deepStrictEqual(withoutProvider((await create(host, provider(), inputs)).outs ?? {}), inputs);
            assert.match(
                (await create(host, provider(), inputs)).message ?? "",
                /failed: ARM answered HTTP 200 with no numeric properties\.retentionInDays for the workspace/,
            );
            assert.deepStrictEqual(route.requests, Array(4).fill(`GET ${workspace}`));
        });

        it("trusts ARM's certificate through NODE_EXTRA_CA_CERTS, as a pulumi up behind a TLS-inspecting proxy would", async () => {
            const ids = idsOf(9_000);
            routes.set(ids.sub, { handler: providerArm(ids, { initial: "Registered" }), requests: [] });
            const inputs = registrationInputs(ids);
            // No `trustedCa`: only the process's environment can make the certificate trusted.
            const provider = () =>
                createRegistrationProvider({ endpoint: arm.endpoint, credential: fakeCredential, clock: laneClock(), random: noJitter });
            assert.deepStrictEqual((await create(host, provider(), inputs)).outs?.registrationState, "Registered");
            const untrusted = await create(configured, provider(), { ...inputs, timeoutMinutes: 1 });
            assert.match(
                untrusted.message ?? "",
                /failed on the network path, before reaching ARM: the certificate presented for .* is not Microsoft's \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
            );
        });

        it("retries on the provider's own clock (SYSTEM_CLOCK) with millisecond backoffs: a 429, a 503 and a reset, then Registered", async () => {
            const ids = idsOf(9_001);
            const route = {
                handler: providerArm(ids, { initial: "Registered", faults: [throttled("0"), unavailable, "reset"] }),
                requests: [],
            };
            routes.set(ids.sub, route);
            const provider = createRegistrationProvider({
                endpoint: arm.endpoint,
                credential: fakeCredential,
                trustedCa: arm.ca,
                backoff: { initialMs: 5, factor: 1.5, maxMs: 20 },
            });
            const started = Date.now();
            assert.strictEqual((await create(host, provider, registrationInputs(ids))).outs?.registrationState, "Registered");
            assert.deepStrictEqual(route.requests, Array(4).fill(`GET ${ids.provider}`));
            assert.ok(Date.now() - started < 10_000);
        });

        it("carries the azure-native provider's identity in its closure, and no secret", async () => {
            const identity = {
                tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
                clientId: "0a1b2c3d-0000-4000-8000-000000000001",
                objectId: "9f8e7d6c-0000-4000-8000-000000000002",
            };
            const serialized = await serializeDynamicProvider(
                createTableRetentionProvider({ providerIdentity: Promise.resolve(identity) }),
            );
            assert.ok(typeof serialized === "string", "not a secret");
            assert.ok(serialized.includes(identity.objectId), "the captured identity is in the closure");
        });
    });

    describe("diffs, as the engine asks for them: old outputs against new inputs", () => {
        const urn = "urn:pulumi:dev::entra-provisioning-logs::pulumi-nodejs:dynamic:ResourceProviderRegistration::r";
        const inputs = { subscriptionId: ZERO, namespace: "Microsoft.Insights", timeoutMinutes: 20 };

        it("reports no change, an update for drift found by a refresh, and a replacement for another namespace", async () => {
            const provider = await serializeDynamicProvider(createRegistrationProvider());
            const diff = (olds: PropertyMap, news: PropertyMap) =>
                host.diff(
                    urn,
                    `/subscriptions/${ZERO}/providers/Microsoft.Insights`,
                    { ...olds, [PROVIDER_KEY]: provider },
                    { ...news, [PROVIDER_KEY]: provider },
                );
            const registered = { ...inputs, registrationState: "Registered" };
            assert.deepStrictEqual(await diff(registered, inputs), {
                changes: "none",
                replaces: [],
                stables: [],
                diffs: [],
                deleteBeforeReplace: false,
            });
            assert.deepStrictEqual((await diff(registered, { ...inputs, namespace: "microsoft.insights" })).changes, "none");
            assert.deepStrictEqual(
                [
                    (await diff({ ...inputs, registrationState: "NotRegistered" }, inputs)).changes,
                    (await diff(registered, { ...inputs, namespace: "Microsoft.Portal" })).replaces,
                ],
                ["some", ["namespace"]],
            );
        });

        it("shows no change when allowRetentionDecrease alone is added", async () => {
            const provider = await serializeDynamicProvider(createTableRetentionProvider());
            const diff = await host.diff(
                urn,
                tableId,
                { ...table, [PROVIDER_KEY]: provider },
                { ...table, allowRetentionDecrease: true, [PROVIDER_KEY]: provider },
            );
            assert.strictEqual(diff.changes, "none");
        });
    });

    describe("what the serialized text must carry", () => {
        it("makes each class the providers can reach whole: its fields, its prototype, its message", async () => {
            const classes = classesOf([path.join(PROJECT_DIR, "components", "azure"), path.join(PROJECT_DIR, "components", "dynamic")]);
            assert.ok(classes.size >= 4, [...classes.keys()].join(", "));
            for (const [name, original] of classes) {
                const args = SAMPLE_ARGUMENTS[name];
                assert.ok(args, `class ${name}: add its sample constructor arguments to SAMPLE_ARGUMENTS`);
                const serialized = await pulumi.runtime.serializeFunction(() => original, { allowSecrets: true });
                const copy = loadSerialized(serialized.text)() as new (...args: unknown[]) => object;
                const [before, after] = [new original(...args), new copy(...args)];
                assert.deepStrictEqual(shape(after), shape(before), `class ${name} as serialized`);
                assert.strictEqual(after instanceof Error, before instanceof Error, `class ${name} as serialized: instanceof Error`);
                assert.strictEqual(String(after), String(before), `class ${name} as serialized: its text`);
                assert.deepStrictEqual(
                    Object.getOwnPropertyNames(Object.getPrototypeOf(after)).sort(),
                    Object.getOwnPropertyNames(original.prototype).sort(),
                    `class ${name} as serialized: its methods`,
                );
            }
        });

        it("requires Node's modules by name and loads the package's dependencies from where it is installed, only those in package.json", async () => {
            const dependencies = Object.keys(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies);
            for (const provider of [createRegistrationProvider(), createTableRetentionProvider()]) {
                const text = (await serializeDynamicProvider(provider)) as string;
                // A bare require() of an npm package would resolve from the program's folder (see components/azure/dependencies.ts).
                const required = [...new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]))];
                assert.deepStrictEqual(
                    required.filter((m) => !m.startsWith("node:")),
                    [],
                    `required by name: ${required.join(", ")}`,
                );
                const modules = [...new Set([...text.matchAll(/requireDependency\)\("([^"]+)"\)/g)].map((m) => m[1]))];
                assert.ok(modules.includes("@azure/core-rest-pipeline") && modules.includes("@azure/identity"), modules.join(", "));
                for (const module of modules) {
                    const pkg = module.startsWith("@") ? module.split("/").slice(0, 2).join("/") : module.split("/")[0];
                    assert.ok(
                        dependencies.includes(pkg),
                        `${module} is required by the serialized provider but ${pkg} is not a dependency in package.json`,
                    );
                    assert.doesNotThrow(() => require.resolve(module, { paths: [PROJECT_DIR] }), `${module} resolves from ${PROJECT_DIR}`);
                }
            }
        });

        it("gives the dynamic resources their outputs (declared fields, not ES2022 fields that reset them after the base constructor)", async () => {
            const out = await runNode(`
                const pulumi = require("@pulumi/pulumi");
                pulumi.runtime.setMocks(
                    { newResource: (a) => ({ id: a.name, state: a.inputs }), call: () => ({ tenantId: "t", clientId: "c", objectId: "o" }) },
                    "entra-provisioning-logs", "dev", false,
                );
                const { ResourceProviderRegistration } = require("./components/dynamic/resourceProviderRegistration");
                const { TableRetention } = require("./components/dynamic/tableRetention");
                const r = new ResourceProviderRegistration("r", { subscriptionId: "${ZERO}" });
                const t = new TableRetention("t", ${JSON.stringify(table)});
                const outputs = (resource, keys) => Object.fromEntries(keys.map((k) => [k, pulumi.Output.isInstance(resource[k])]));
                console.log(JSON.stringify({
                    registration: outputs(r, ["subscriptionId", "namespace", "registrationState"]),
                    table: outputs(t, ["retentionInDays", "totalRetentionInDays", "tableName"]),
                }));`);
            assert.deepStrictEqual(JSON.parse(out), {
                registration: { subscriptionId: true, namespace: true, registrationState: true },
                table: { retentionInDays: true, totalRetentionInDays: true, tableName: true },
            });
        });
    });

    describe("every fault of the in-process tests and the fault table, on the serialized providers in cmd/dynamic-provider", () => {
        let results: Promise<Result[]>;

        before(async () => {
            const deps: ArmDependencies = {
                endpoint: arm.endpoint,
                credential: fakeCredential,
                trustedCa: arm.ca,
                clock: laneClock(),
                random: noJitter,
            };
            const text = {
                registration: await serializeDynamicProvider(createRegistrationProvider(deps)),
                table: await serializeDynamicProvider(createTableRetentionProvider(deps)),
            };
            assert.ok(typeof text.registration === "string" && typeof text.table === "string", "no secret in the providers' closures");
            // Started here, all together (a few at a time), and awaited by each test.
            results = pool(SCENARIOS, 8, (scenario, index) => {
                const ids = idsOf(index);
                const route = { handler: scenario.arm(ids, arm.endpoint), requests: [] as string[] };
                routes.set(ids.sub, route);
                return runScenario(host, scenario, index, laneOf(text[scenario.kind] as string, index), route.requests);
            });
        });

        SCENARIOS.forEach((scenario, index) => {
            it(`${scenario.kind}: ${scenario.name}`, async () => {
                checkOutcome(scenario, index, (await results)[index]);
            });
        });
    });
});
