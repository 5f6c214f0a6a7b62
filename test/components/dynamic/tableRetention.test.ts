import * as assert from "node:assert";
import { createTableRetentionProvider, retentionDecrease } from "../../../components/dynamic/tableRetention";
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

const SUB = "2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b";
const TABLE_ID = `/subscriptions/${SUB}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit/tables/AADProvisioningLogs`;
const inputs = {
    subscriptionId: SUB,
    resourceGroupName: "rg-audit",
    workspaceName: "log-audit",
    tableName: "AADProvisioningLogs",
    retentionInDays: 365,
    totalRetentionInDays: 2556,
};

/**
 * A built-in table: it always exists; PATCH changes only the fields sent. `faults` are served first,
 * in order, instead of normal answers.
 */
function tableArm(options: { faults?: ArmReply[]; live?: { retentionInDays: number; totalRetentionInDays: number } } = {}): ArmHandler {
    const props: Record<string, unknown> = { retentionInDays: 30, totalRetentionInDays: 30, plan: "Analytics", ...options.live };
    const faults = [...(options.faults ?? [])];
    return (req) => {
        const fault = faults.shift();
        if (fault) {
            return fault;
        }
        if (req.path !== TABLE_ID) {
            return { status: 404, body: armError("NotFound", req.path) };
        }
        if (req.method === "PATCH") {
            Object.assign(props, (req.body as { properties: object }).properties);
        }
        return { status: 200, body: { id: TABLE_ID, name: "AADProvisioningLogs", properties: { ...props } } };
    };
}

const throttled: ArmReply = { status: 429, body: armError("TooManyRequests", "slow down") };
const unavailable: ArmReply = { status: 503, body: armError("ServiceUnavailable", "try later") };
const notActive: ArmReply = {
    status: 404,
    body: armError("ResourceNotFound", "Workspace not active, WorkspaceId=6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a. Operation Id: 'abc'"),
};

describe("TableRetention against a loopback ARM", () => {
    let arm: FakeArm | undefined;
    let clock: VirtualClock;
    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });
    async function provider(handler: ArmHandler) {
        clock = new VirtualClock();
        arm = await FakeArm.start(handler, clock.now);
        return createTableRetentionProvider({
            endpoint: arm.endpoint,
            credential: fakeCredential,
            trustedCa: arm.ca,
            clock,
            random: noJitter,
        });
    }
    const calls = () => arm!.requests.map((r) => `${r.method} ${r.at}`);

    it("sets both retentions on the existing table with one PATCH, never a PUT", async () => {
        const p = await provider(tableArm());
        const result = await p.create!(inputs);
        assert.strictEqual(result.id, TABLE_ID);
        assert.deepStrictEqual(result.outs, inputs);
        assert.deepStrictEqual(
            arm!.requests.map((r) => [r.method, r.path, r.apiVersion, r.body]),
            // 2023-09-01: the tables API version azure-native 3.x uses, which has totalRetentionInDays.
            [["PATCH", TABLE_ID, "2023-09-01", { properties: { retentionInDays: 365, totalRetentionInDays: 2556 } }]],
        );
        assert.deepStrictEqual(clock.timers, [60_000], "the request had a timeout");
    });

    it("reads the live retention back", async () => {
        const p = await provider(tableArm());
        const read = await p.read!(TABLE_ID, inputs);
        assert.deepStrictEqual(read.props, { ...inputs, retentionInDays: 30, totalRetentionInDays: 30 });
    });

    it("reports no change for identical inputs and an update for new retention", async () => {
        const p = createTableRetentionProvider();
        assert.deepStrictEqual(await p.diff!(TABLE_ID, inputs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepStrictEqual(await p.diff!(TABLE_ID, inputs, { ...inputs, totalRetentionInDays: 4383 }), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.deepStrictEqual((await p.diff!(TABLE_ID, inputs, { ...inputs, workspaceName: "log-other" })).replaces, ["workspaceName"]);
    });

    it("shows no change when allowRetentionDecrease is added or removed alone", async () => {
        const p = createTableRetentionProvider();
        assert.strictEqual((await p.diff!(TABLE_ID, inputs, { ...inputs, allowRetentionDecrease: true })).changes, false);
        assert.strictEqual((await p.diff!(TABLE_ID, { ...inputs, allowRetentionDecrease: true }, inputs)).changes, false);
    });

    it("names the missing permission on 403", async () => {
        const p = await provider(tableArm({ faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }] }));
        await assert.rejects(p.create!(inputs), {
            message: `Setting the retention of ${TABLE_ID} was refused (HTTP 403): the deploying identity needs microsoft.operationalinsights/workspaces/tables/write (for example the Log Analytics Contributor role).`,
        });
    });

    it("says which settings to check when ARM refuses the values (400)", async () => {
        const p = await provider(
            tableArm({
                faults: [{ status: 400, body: armError("InvalidParameter", "totalRetentionInDays must be in whole years above 730.") }],
            }),
        );
        await assert.rejects(p.create!({ ...inputs, totalRetentionInDays: 800 }), {
            message:
                `Setting the retention of ${TABLE_ID} failed (HTTP 400 InvalidParameter): totalRetentionInDays must be in whole years above 730. ` +
                "ARM refused the retention values: check provisioningLogsRetentionInDays (4–730) and provisioningLogsTotalRetentionInDays (4–730, or whole years up to 4383) in the stack's settings.",
        });
        assert.strictEqual(arm!.requests.length, 1, "a 400 is not retried");
    });

    it("leaves the table alone on delete", async () => {
        const p = await provider(tableArm());
        await p.delete!(TABLE_ID, inputs);
        assert.deepStrictEqual(arm!.requests, []);
    });

    describe("faults", () => {
        it("waits out a 409 while another operation on the table is in progress", async () => {
            const p = await provider(
                tableArm({
                    faults: [
                        {
                            status: 409,
                            body: armError("Conflict", "Another operation on the table is in progress, please try again later."),
                        },
                    ],
                }),
            );
            assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
            assert.deepStrictEqual(calls(), ["PATCH 0", "PATCH 5000"]);
        });

        it("waits out a 429 without Retry-After on the backoff", async () => {
            const p = await provider(tableArm({ faults: [throttled, throttled] }));
            assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
            assert.deepStrictEqual(calls(), ["PATCH 0", "PATCH 5000", "PATCH 12500"]);
        });

        it("rides out a connection broken in the middle of ARM's answer", async () => {
            const p = await provider(
                tableArm({ faults: [{ status: 200, body: { id: TABLE_ID, properties: { retentionInDays: 365 } }, breakAfter: 20 }] }),
            );
            assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
            assert.deepStrictEqual(calls(), ["PATCH 0", "PATCH 5000"]);
        });

        it("rides out an answer that is not JSON", async () => {
            const p = await provider(tableArm({ faults: [{ status: 200, raw: '{"id": "/subscriptions/2b4d' }] }));
            assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
            assert.strictEqual(arm!.requests.length, 2);
        });

        it("waits while a new workspace answers 404 'Workspace not active', then sets the retention", async () => {
            const p = await provider(tableArm({ faults: [notActive, notActive, notActive] }));
            assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
            assert.deepStrictEqual(calls(), ["PATCH 0", "PATCH 5000", "PATCH 12500", "PATCH 23750"]);
        });

        it("reports a 404 that outlasts a new workspace's activation, with what to do", async () => {
            const p = await provider(tableArm({ faults: Array(100).fill(notActive) }));
            await assert.rejects(p.create!(inputs), {
                message:
                    `Setting the retention of ${TABLE_ID} failed (HTTP 404 ResourceNotFound): Workspace not active, WorkspaceId=6f1d9a1e-3c2b-4d5e-8f7a-9b0c1d2e3f4a. Operation Id: 'abc'; ` +
                    'ARM answered HTTP 404 ×13 in 5 min. A new workspace answers 404 ("Workspace not active") for a few minutes after it is created: if this pulumi up created workspace log-audit, ' +
                    `run pulumi up again in a few minutes; otherwise check that workspace log-audit exists in resource group rg-audit of subscription ${SUB} (pulumi refresh shows whether it was deleted).`,
            });
            assert.ok(clock.now() >= 5 * 60_000 && clock.now() < 6 * 60_000, `stopped at ${clock.now()} ms`);
        });

        it("abandons a PATCH that never answers after 60 s and sends it again", async () => {
            const table = tableArm();
            let hung = false;
            const p = await provider((req) => {
                if (!hung) {
                    hung = true;
                    clock.advance(60_000);
                    return "hang";
                }
                return table(req);
            });
            assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
            assert.deepStrictEqual(calls(), ["PATCH 0", "PATCH 65000"]);
            assert.deepStrictEqual(clock.timers, [60_000, 60_000]);
        });

        it("abandons a refresh GET that never answers after 60 s and reads again", async () => {
            const table = tableArm();
            let hung = false;
            const p = await provider((req) => {
                if (!hung) {
                    hung = true;
                    clock.advance(60_000);
                    return "hang";
                }
                return table(req);
            });
            assert.strictEqual((await p.read!(TABLE_ID, inputs)).props!.retentionInDays, 30);
            assert.deepStrictEqual(calls(), ["GET 0", "GET 65000"]);
        });

        it("says ARM was throttling and failing when it answered nothing but 429 and 503 until the deadline", async () => {
            const p = await provider(tableArm({ faults: Array.from({ length: 100 }, (_, i) => (i % 2 ? unavailable : throttled)) }));
            await assert.rejects(p.create!(inputs), {
                message:
                    `Setting the retention of ${TABLE_ID} did not succeed within 10 min; ARM answered HTTP 429 ×12, HTTP 503 ×11 in 10 min; ` +
                    "ARM was throttling and failing the requests. Run pulumi up again later.",
            });
            assert.ok(arm!.requests.every((r) => r.at < 10 * 60_000));
        });

        it("stops at once when Retry-After asks for an hour", async () => {
            const p = await provider(
                tableArm({ faults: [{ status: 429, headers: { "retry-after": "3600" }, body: armError("TooManyRequests", "slow down") }] }),
            );
            await assert.rejects(p.create!(inputs), {
                message: `Setting the retention of ${TABLE_ID} stopped: ARM asked to wait 60 min (Retry-After) but only 10 min are left of its 10 min; ARM answered HTTP 429 ×1. Run pulumi up again in 60 min.`,
            });
            assert.deepStrictEqual(clock.sleeps, []);
        });

        describe("a PATCH that ARM runs as a long-running operation", () => {
            /** The PATCH answers 202; the operation's status is `statuses` in turn, then the table is read. */
            function accepted(statuses: unknown[]): ArmHandler {
                const table = tableArm();
                return (req: ArmRequest) => {
                    if (req.method === "PATCH") {
                        table(req);
                        return {
                            status: 202,
                            headers: {
                                "azure-asyncoperation": `${arm!.endpoint}/subscriptions/${SUB}/providers/Microsoft.OperationalInsights/locations/westeurope/operationStatuses/op1?api-version=2023-09-01`,
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

            it("follows it on the clock, Retry-After first, then reads the table", async () => {
                const p = await provider(accepted(["InProgress", unavailable, "Succeeded"]));
                assert.deepStrictEqual((await p.create!(inputs)).outs, inputs);
                assert.deepStrictEqual(
                    arm!.requests.map((r) => `${r.method} ${r.path.includes("operationStatuses") ? "status" : "table"} ${r.at}`),
                    // 10 s as the 202 asked, then the backoff's 7.5 s, and 11.25 s after the 503.
                    ["PATCH table 0", "GET status 10000", "GET status 17500", "GET status 28750", "GET table 28750"],
                );
            });

            it("reports an operation that ends Failed, with ARM's error", async () => {
                const p = await provider(
                    accepted([
                        { status: 200, body: { status: "Failed", error: { code: "InternalError", message: "Retention update failed." } } },
                    ]),
                );
                await assert.rejects(p.create!(inputs), {
                    message: `Setting the retention of ${TABLE_ID} failed: ARM's operation ended Failed (InternalError): Retention update failed.`,
                });
            });

            it("stops following it at the deadline, saying ARM goes on with it", async () => {
                const p = await provider(accepted(["InProgress"]));
                await assert.rejects(p.create!(inputs), {
                    message: `Setting the retention of ${TABLE_ID} did not finish within 10 min: ARM's operation was still InProgress after 22 checks. ARM goes on with it by itself; run pulumi up again later to confirm.`,
                });
                assert.ok(arm!.requests.every((r) => r.at < 10 * 60_000));
            });

            it("refuses to send its credentials to a status URL on another host", async () => {
                const p = await provider((req) =>
                    req.method === "PATCH"
                        ? { status: 202, headers: { "azure-asyncoperation": "https://evil.example.com/op" } }
                        : tableArm()(req),
                );
                await assert.rejects(p.create!(inputs), {
                    message: `Setting the retention of ${TABLE_ID} failed: ARM pointed to https://evil.example.com to follow the operation, not ${arm!.endpoint}; the program does not send its credentials there.`,
                });
            });
        });

        it("names the resource when a refresh is refused", async () => {
            const p = await provider(tableArm({ faults: [{ status: 403, body: armError("AuthorizationFailed", "no") }] }));
            await assert.rejects(p.read!(TABLE_ID, inputs), {
                message: `Reading the retention of ${TABLE_ID} (refresh) was refused (HTTP 403): the identity needs microsoft.operationalinsights/workspaces/tables/read (for example the Log Analytics Reader role).`,
            });
        });

        it("names the resource when a refresh keeps failing", async () => {
            const p = await provider(tableArm({ faults: Array(100).fill(unavailable) }));
            await assert.rejects(p.read!(TABLE_ID, inputs), {
                message: `Reading the retention of ${TABLE_ID} (refresh) did not succeed within 10 min; ARM answered HTTP 503 ×23 in 10 min; Azure was failing the requests. Run pulumi refresh again later.`,
            });
        });

        it("answers a 404 on refresh with a blank ID, so Pulumi drops the table from state and the next pulumi up sets it again", async () => {
            const p = await provider(tableArm({ faults: [notActive] }));
            assert.deepStrictEqual(await p.read!(TABLE_ID, inputs), { id: "" });
            assert.strictEqual(arm!.requests.length, 1);
            assert.strictEqual(clock.now(), 0);
        });
    });

    describe("lowering the retention", () => {
        const olds = { ...inputs };

        it("refuses an update that lowers the total retention, before sending anything but a read", async () => {
            const p = await provider(tableArm({ live: { retentionInDays: 365, totalRetentionInDays: 2556 } }));
            await assert.rejects(p.update!(TABLE_ID, olds, { ...inputs, totalRetentionInDays: 730 }), {
                message: `Lowering the retention of ${TABLE_ID} from 2556 to 730 days deletes the older provisioning logs; set allowRetentionDecrease true for this run to do it on purpose`,
            });
            assert.deepStrictEqual(
                arm!.requests.map((r) => r.method),
                ["GET"],
            );
        });

        it("refuses an update that lowers the interactive retention, saying what it does", async () => {
            const p = await provider(tableArm({ live: { retentionInDays: 365, totalRetentionInDays: 2556 } }));
            await assert.rejects(p.update!(TABLE_ID, olds, { ...inputs, retentionInDays: 90 }), {
                message:
                    `Lowering the interactive retention of ${TABLE_ID} from 365 to 90 days takes provisioning logs older than 90 days out of interactive queries (search jobs only); ` +
                    "set allowRetentionDecrease true for this run to do it on purpose",
            });
        });

        it("refuses to lower a retention someone raised outside Pulumi (the live table keeps longer)", async () => {
            const p = await provider(tableArm({ live: { retentionInDays: 365, totalRetentionInDays: 4383 } }));
            await assert.rejects(p.update!(TABLE_ID, olds, { ...inputs, retentionInDays: 400 }), {
                message: `Lowering the retention of ${TABLE_ID} from 4383 to 2556 days deletes the older provisioning logs; set allowRetentionDecrease true for this run to do it on purpose`,
            });
        });

        describe("fails closed: no update without the old value to compare with", () => {
            const noState = { ...inputs, retentionInDays: undefined, totalRetentionInDays: undefined };

            it("refuses when the live read comes back without numbers (live 365/2556, wanted 30/30): the read's malformed answer, no PATCH", async () => {
                const p = await provider(
                    tableArm({
                        live: { retentionInDays: 365, totalRetentionInDays: 2556 },
                        faults: [{ status: 200, body: { id: TABLE_ID, properties: {} } }],
                    }),
                );
                const started = Date.now();
                await assert.rejects(p.update!(TABLE_ID, noState, { ...inputs, retentionInDays: 30, totalRetentionInDays: 30 }), {
                    message:
                        `Setting the retention of ${TABLE_ID} failed: ARM answered HTTP 200 with no numeric properties.retentionInDays for the table (null), not the answer its API version promises; ` +
                        "nothing was written to state. Run pulumi up again; if it persists, something between this machine and ARM answers in its place (check HTTPS_PROXY).",
                });
                assert.deepStrictEqual(
                    arm!.requests.map((r) => r.method),
                    ["GET"],
                );
                assert.strictEqual(clock.now(), 0);
                assert.ok(Date.now() - started <= 5_000);
            });

            it("refuses when neither the state nor the live table gives a retention (ARM's -1, 'the default'), saying how to proceed", async () => {
                const p = await provider(tableArm({ live: { retentionInDays: -1, totalRetentionInDays: -1 } }));
                await assert.rejects(p.update!(TABLE_ID, noState, { ...inputs, retentionInDays: 30, totalRetentionInDays: 30 }), {
                    message:
                        `Refusing to change the retention of ${TABLE_ID}: neither the state nor the live table gives its current retention (state NaN/NaN days, table -1/-1), ` +
                        "so a decrease can't be ruled out. Set allowRetentionDecrease true for this run if a decrease is intended, " +
                        "or run pulumi refresh to read the table's retention into state, then pulumi up again.",
                });
                assert.deepStrictEqual(
                    arm!.requests.map((r) => r.method),
                    ["GET"],
                );
                assert.strictEqual(clock.now(), 0);
            });

            it("refuses when the identity can't read the table, naming the read permission and the switch", async () => {
                const p = await provider(tableArm({ faults: [{ status: 403, body: armError("AuthorizationFailed", "no read") }] }));
                await assert.rejects(p.update!(TABLE_ID, olds, { ...inputs, retentionInDays: 30 }), {
                    message:
                        `Setting the retention of ${TABLE_ID} was refused (HTTP 403): the identity can't read the table, so its current retention can't be checked before the update: ` +
                        "give it microsoft.operationalinsights/workspaces/tables/read (for example the Log Analytics Reader role), or set allowRetentionDecrease true for this run if lowering the retention is intended.",
                });
                assert.strictEqual(arm!.requests.length, 1);
            });
        });

        it("lowers it when allowRetentionDecrease is true for the run", async () => {
            const p = await provider(tableArm({ live: { retentionInDays: 365, totalRetentionInDays: 2556 } }));
            const result = await p.update!(TABLE_ID, olds, { ...inputs, totalRetentionInDays: 730, allowRetentionDecrease: true });
            assert.deepStrictEqual(result.outs, { ...inputs, totalRetentionInDays: 730 }, "the switch is not kept in the outputs");
            assert.deepStrictEqual(
                arm!.requests.map((r) => r.method),
                ["PATCH"],
            );
        });

        it("raises it without a second thought", async () => {
            const p = await provider(tableArm({ live: { retentionInDays: 365, totalRetentionInDays: 2556 } }));
            await p.update!(TABLE_ID, olds, { ...inputs, totalRetentionInDays: 4383 });
            assert.deepStrictEqual(
                arm!.requests.map((r) => r.method),
                ["GET", "PATCH"],
            );
        });

        it("shows the refusal at preview, as a check failure", async () => {
            const p = createTableRetentionProvider();
            assert.deepStrictEqual((await p.check!(olds, { ...inputs, totalRetentionInDays: 730 })).failures, [
                {
                    property: "totalRetentionInDays",
                    reason: `Lowering the retention of ${TABLE_ID} from 2556 to 730 days deletes the older provisioning logs; set allowRetentionDecrease true for this run to do it on purpose`,
                },
            ]);
            assert.deepStrictEqual(
                (await p.check!(olds, { ...inputs, totalRetentionInDays: 730, allowRetentionDecrease: true })).failures,
                [],
            );
            assert.deepStrictEqual((await p.check!({}, inputs)).failures, [], "a new resource has nothing to lower");
        });

        it("reads -1 the way ARM does: the workspace's retention, and total = interactive", () => {
            assert.strictEqual(
                retentionDecrease(
                    TABLE_ID,
                    { retentionInDays: 90, totalRetentionInDays: -1 },
                    { retentionInDays: 90, totalRetentionInDays: 90 },
                ),
                undefined,
            );
            assert.strictEqual(
                retentionDecrease(
                    TABLE_ID,
                    { retentionInDays: -1, totalRetentionInDays: 365 },
                    { retentionInDays: 30, totalRetentionInDays: 365 },
                ),
                undefined,
            );
            assert.strictEqual(
                retentionDecrease(
                    TABLE_ID,
                    { retentionInDays: 90, totalRetentionInDays: -1 },
                    { retentionInDays: 60, totalRetentionInDays: -1 },
                )?.property,
                "totalRetentionInDays",
            );
        });
    });
});
