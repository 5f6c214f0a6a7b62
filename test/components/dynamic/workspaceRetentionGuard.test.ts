import * as assert from "node:assert";
import { createWorkspaceRetentionGuardProvider, workspaceRetentionDecrease } from "../../../components/dynamic/workspaceRetentionGuard";
import { type ArmHandler, type ArmReply, armError, FakeArm, fakeCredential, noJitter, VirtualClock } from "../../support/fakeArm";

const SUB = "2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b";
const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/workspaces/log-audit`;
const inputs = { subscriptionId: SUB, resourceGroupName: "rg-audit", workspaceName: "log-audit", retentionInDays: 90 };
const REFUSED_365_TO_90 =
    `Lowering the retention of workspace ${WORKSPACE_ID} from 365 to 90 days deletes the logs older than 90 days in every table ` +
    "that keeps the workspace's retention (AuditLogs among them); set allowRetentionDecrease true for this run to do it on purpose";

/** The workspace as ARM answers a GET: `live` is its retention, undefined when it doesn't exist; `faults` come first. */
function workspaceArm(live: number | undefined | "no properties", faults: ArmReply[] = []): ArmHandler {
    const queue = [...faults];
    return (req) => {
        const fault = queue.shift();
        if (fault) {
            return fault;
        }
        if (req.path !== WORKSPACE_ID || live === undefined) {
            return { status: 404, body: armError("ResourceNotFound", `${req.path} not found`) };
        }
        return {
            status: 200,
            body: { id: WORKSPACE_ID.toLowerCase(), ...(live === "no properties" ? {} : { properties: { retentionInDays: live } }) },
        };
    };
}

describe("WorkspaceRetentionGuard against a loopback ARM", () => {
    let arm: FakeArm | undefined;
    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });
    async function provider(handler: ArmHandler) {
        const clock = new VirtualClock();
        arm = await FakeArm.start(handler, clock.now);
        return createWorkspaceRetentionGuardProvider({
            endpoint: arm.endpoint,
            credential: fakeCredential,
            trustedCa: arm.ca,
            clock,
            random: noJitter,
        });
    }
    const requests = () => arm!.requests.map((r) => `${r.method} ${r.path} ${r.apiVersion}`);
    const failure = async (run: Promise<unknown>) => {
        try {
            await run;
        } catch (e) {
            return (e as Error).message;
        }
        assert.fail("it did not refuse");
    };

    it("lets a workspace that doesn't exist yet be created, after one read and no write", async () => {
        const p = await provider(workspaceArm(undefined));
        assert.deepStrictEqual(await p.create!(inputs), { id: WORKSPACE_ID, outs: inputs });
        assert.deepStrictEqual(requests(), [`GET ${WORKSPACE_ID} 2023-09-01`]);
    });

    it("lets the retention stay or rise", async () => {
        const p = await provider(workspaceArm(90));
        assert.deepStrictEqual((await p.update!(WORKSPACE_ID, inputs, { ...inputs, retentionInDays: 120 })).outs, {
            ...inputs,
            retentionInDays: 120,
        });
    });

    it("refuses, at preview already, a lower retention than the state's", async () => {
        const p = await provider(workspaceArm(365));
        assert.deepStrictEqual(await p.check!({ ...inputs, retentionInDays: 365 }, inputs), {
            inputs,
            failures: [{ property: "retentionInDays", reason: REFUSED_365_TO_90 }],
        });
        assert.deepStrictEqual(requests(), [], "Check reads nothing");
    });

    it("refuses to lower a retention raised outside Pulumi, read from the live workspace", async () => {
        const p = await provider(workspaceArm(365));
        assert.strictEqual(await failure(p.update!(WORKSPACE_ID, inputs, inputs)), REFUSED_365_TO_90);
    });

    it("refuses a first run that would lower an existing workspace's retention", async () => {
        const p = await provider(workspaceArm(365));
        assert.strictEqual(await failure(p.create!(inputs)), REFUSED_365_TO_90);
    });

    it("lets a decrease through, reading nothing, only when allowRetentionDecrease is set for the run", async () => {
        const p = await provider(workspaceArm(365));
        const allowed = { ...inputs, allowRetentionDecrease: true };
        assert.deepStrictEqual(await p.check!({ ...inputs, retentionInDays: 365 }, allowed), { inputs: allowed, failures: [] });
        assert.strictEqual((await p.update!(WORKSPACE_ID, { ...inputs, retentionInDays: 365 }, allowed)).outs.retentionInDays, 90);
        assert.deepStrictEqual(requests(), []);
    });

    it("fails closed when the live workspace has no retention to compare with", async () => {
        const p = await provider(workspaceArm("no properties"));
        assert.match(
            await failure(p.update!(WORKSPACE_ID, inputs, inputs)),
            /^Reading the retention of workspace .* before changing it failed: ARM answered HTTP 200 with no numeric properties\.retentionInDays for the workspace/,
        );
        assert.strictEqual(arm!.requests.length, 1, "a malformed answer is not retried");
    });

    it("fails closed when it may not read the workspace, saying how to proceed", async () => {
        const p = await provider(workspaceArm(365, [{ status: 403, body: armError("AuthorizationFailed", "no read") }]));
        const message = await failure(p.update!(WORKSPACE_ID, inputs, inputs));
        assert.match(message, /HTTP 403/);
        assert.match(message, /set allowRetentionDecrease true for this run if lowering the retention is intended\.$/);
    });

    it("rides out a throttled read", async () => {
        const p = await provider(
            workspaceArm(90, [{ status: 429, headers: { "retry-after": "1" }, body: armError("TooManyRequests", "slow down") }]),
        );
        assert.strictEqual((await p.update!(WORKSPACE_ID, inputs, inputs)).outs.retentionInDays, 90);
        assert.strictEqual(arm!.requests.length, 2);
    });

    it("treats a retention that isn't a number as unknown, never as a decrease", () => {
        assert.strictEqual(workspaceRetentionDecrease(WORKSPACE_ID, undefined, 30), undefined);
        assert.strictEqual(workspaceRetentionDecrease(WORKSPACE_ID, Number.NaN, 30), undefined);
    });
});
