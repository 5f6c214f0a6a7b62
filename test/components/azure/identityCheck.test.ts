import * as assert from "node:assert";
import type { TokenCredential } from "@azure/identity";
import type { ProviderIdentity } from "../../../components/azure/credential";
import { createRegistrationProvider } from "../../../components/dynamic/resourceProviderRegistration";
import { createTableRetentionProvider } from "../../../components/dynamic/tableRetention";
import { type ArmHandler, armError, FakeArm, noJitter, VirtualClock } from "../../support/fakeArm";

const SUB = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";
const TABLE_ID = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/tables/AADProvisioningLogs`;
const TABLE = {
    subscriptionId: SUB,
    resourceGroupName: "rg",
    workspaceName: "ws",
    tableName: "AADProvisioningLogs",
    retentionInDays: 90,
    totalRetentionInDays: 90,
};

/** The identity `authorization.getClientConfig()` reports for the stack's deployer. */
const PROVIDER: ProviderIdentity = {
    tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
    clientId: "0a1b2c3d-0000-4000-8000-000000000001",
    objectId: "9f8e7d6c-0000-4000-8000-000000000002",
};

/** A credential whose tokens carry these claims and the fake ARM's signature; it counts the tokens it gives. */
function credentialAs(claims: { tid?: string; appid?: string; oid?: string }): TokenCredential & { scopes: string[] } {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const scopes: string[] = [];
    return {
        scopes,
        getToken: async (scope) => {
            scopes.push(String(scope));
            return { token: `${part({ alg: "none" })}.${part(claims)}.fake-signature`, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
    };
}

const SAME = { tid: PROVIDER.tenantId, appid: PROVIDER.clientId, oid: PROVIDER.objectId };
const FIX =
    "nothing was changed. Give both the same credentials: the stack's azure-native:* config, or ARM_* variables, which every process of the run reads " +
    "(an older Pulumi CLI does not hand dynamic providers the stack's config), then run again";

describe("the dynamic resources write only as the azure-native provider's identity", () => {
    let arm: FakeArm | undefined;
    afterEach(async () => {
        await arm?.close();
        arm = undefined;
    });

    async function start(handler: ArmHandler) {
        const clock = new VirtualClock();
        arm = await FakeArm.start(handler, clock.now);
        return { endpoint: arm.endpoint, trustedCa: arm.ca, clock, random: noJitter, providerIdentity: Promise.resolve(PROVIDER) };
    }
    const table: ArmHandler = (req) => ({
        status: 200,
        body: { id: TABLE_ID, properties: (req.body as { properties?: object })?.properties ?? {} },
    });

    it("sets the table's retention with the provider's own identity, after one token for its check", async () => {
        const credential = credentialAs(SAME);
        const p = createTableRetentionProvider({ ...(await start(table)), credential });
        await p.create!(TABLE);
        assert.deepStrictEqual(
            arm!.requests.map((r) => r.method),
            ["PATCH"],
        );
        assert.strictEqual(credential.scopes[0], `${arm!.endpoint}/.default`);
    });

    it("refuses to set the table's retention with a token of another tenant, before any request", async () => {
        const other = {
            tid: "11111111-1111-1111-1111-111111111111",
            appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            oid: "22222222-2222-2222-2222-222222222222",
        };
        const p = createTableRetentionProvider({ ...(await start(table)), credential: credentialAs(other) });
        await assert.rejects(p.create!(TABLE), {
            message:
                `Setting the retention of ${TABLE_ID} failed before reaching ARM: ` +
                "The program's own Azure calls got a token in tenant 11111111-1111-1111-1111-111111111111 (client 04b07795-8ddb-461a-bbee-02f9e1bf7b46, object 22222222-2222-2222-2222-222222222222) " +
                "but the azure-native provider, and the stack, are in tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f (client 0a1b2c3d-0000-4000-8000-000000000001, object 9f8e7d6c-0000-4000-8000-000000000002): " +
                FIX,
        });
        assert.deepStrictEqual(arm!.requests, []);
    });

    it("reads a provider's registration with another identity, but refuses to register it", async () => {
        const other = {
            tid: PROVIDER.tenantId,
            appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            oid: "22222222-2222-2222-2222-222222222222",
        };
        const path = `/subscriptions/${SUB}/providers/Microsoft.Insights`;
        const p = createRegistrationProvider({
            ...(await start((req) =>
                req.method === "GET"
                    ? { status: 200, body: { registrationState: "NotRegistered" } }
                    : { status: 500, body: armError("Unexpected", "no write expected") },
            )),
            credential: credentialAs(other),
        });
        await assert.rejects(p.create!({ subscriptionId: SUB, namespace: "Microsoft.Insights", timeoutMinutes: 20 }), {
            message:
                `Registering resource provider Microsoft.Insights on subscription ${SUB} failed before reaching ARM: ` +
                "The program's own Azure calls run as client 04b07795-8ddb-461a-bbee-02f9e1bf7b46, object 22222222-2222-2222-2222-222222222222 " +
                "but the azure-native provider runs as client 0a1b2c3d-0000-4000-8000-000000000001, object 9f8e7d6c-0000-4000-8000-000000000002, both in tenant 3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f: " +
                FIX,
        });
        assert.deepStrictEqual(
            arm!.requests.map((r) => `${r.method} ${r.path}`),
            [`GET ${path}`],
        );
    });

    it("registers with the provider's own identity", async () => {
        let state = "NotRegistered";
        const p = createRegistrationProvider({
            ...(await start((req) => {
                if (req.method === "POST") {
                    state = "Registered";
                }
                return { status: 200, body: { registrationState: state } };
            })),
            credential: credentialAs(SAME),
        });
        const result = await p.create!({ subscriptionId: SUB, namespace: "Microsoft.Insights", timeoutMinutes: 20 });
        assert.strictEqual(result.outs.registrationState, "Registered");
        assert.deepStrictEqual(
            arm!.requests.map((r) => r.method),
            ["GET", "POST"],
        );
    });
});
