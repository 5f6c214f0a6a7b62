import * as assert from "node:assert";
import { monitorActionGroupConfigureReceivers as policy } from "../../../policies/monitor/actionGroupConfigureReceivers";
import { resource, violations } from "../harness";

const group = (change: Record<string, unknown> = {}, additionalSecretOutputs: string[] = ["webhookReceivers", "logicAppReceivers"]) =>
    resource(
        "azure-native:monitor:ActionGroup",
        {
            actionGroupName: "ag-team",
            groupShortName: "ProvTeam",
            enabled: true,
            emailReceivers: [{ name: "email-1", emailAddress: "team@contoso.com" }],
            webhookReceivers: [{ name: "webhook-1", serviceUri: "https://hooks.example.net/x" }],
            ...change,
        },
        { additionalSecretOutputs },
    );

describe("monitor-actiongroup-configure-receivers", () => {
    it("passes when the group is enabled, reachable, short-named and keeps webhooks secret", async () => {
        assert.deepStrictEqual(await violations(policy, [group()]), []);
    });

    it("fails when the group is disabled", async () => {
        assert.deepStrictEqual(await violations(policy, [group({ enabled: false })]), [
            "Action group must be enabled (found enabled: false); set enabled true.",
        ]);
    });

    it("fails when the short name is longer than 12 characters", async () => {
        assert.deepStrictEqual(await violations(policy, [group({ groupShortName: "ProvisioningTeam" })]), [
            'Action group short name must be 1-12 characters (found "ProvisioningTeam", 16); Azure rejects longer ones.',
        ]);
    });

    it("fails when the group has no receiver", async () => {
        assert.deepStrictEqual(await violations(policy, [group({ emailReceivers: [], webhookReceivers: [] })]), [
            "Action group must have at least one receiver (found none); add one to alertReceivers.",
        ]);
    });

    it("fails when webhook URLs are not kept secret", async () => {
        assert.deepStrictEqual(await violations(policy, [group({}, [])]), [
            "Action group webhookReceivers must be kept secret (found webhookReceivers outside additionalSecretOutputs); pass the URLs with pulumi.secret and list webhookReceivers in additionalSecretOutputs.",
        ]);
    });
});
