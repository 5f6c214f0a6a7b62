import * as assert from "assert";
import { createTableRetentionProvider } from "../../../program/dynamic/tableRetention";
import { ArmHandler, armError, FakeArm, fakeCredential } from "../../support/fakeArm";

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

/** A built-in table: it always exists; PATCH changes only the fields sent. */
function tableArm(reply?: ArmHandler): ArmHandler {
    const props: Record<string, unknown> = { retentionInDays: 30, totalRetentionInDays: 30, plan: "Analytics" };
    return (req) => {
        if (reply) {
            return reply(req);
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

describe("TableRetention against a loopback ARM", () => {
    let arm: FakeArm | undefined;
    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });
    async function provider(handler: ArmHandler) {
        arm = await FakeArm.start(handler);
        return createTableRetentionProvider({ endpoint: arm.endpoint, credential: fakeCredential, trustedCa: arm.ca, clientRetries: 0 });
    }

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

    it("names the missing permission on 403", async () => {
        const p = await provider(tableArm(() => ({ status: 403, body: armError("AuthorizationFailed", "no") })));
        await assert.rejects(p.create!(inputs), {
            message: `Setting the retention of ${TABLE_ID} was refused (HTTP 403): the deploying identity needs microsoft.operationalinsights/workspaces/tables/write (for example the Log Analytics Contributor role).`,
        });
    });

    it("leaves the table alone on delete", async () => {
        const p = await provider(tableArm());
        await p.delete!(TABLE_ID, inputs);
        assert.deepStrictEqual(arm!.requests, []);
    });
});
