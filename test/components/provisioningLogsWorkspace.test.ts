import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ProvisioningLogsWorkspace, type ProvisioningLogsWorkspaceArgs } from "../../components/provisioningLogsWorkspace";
import {
    type Built,
    CUSTOMER_ID,
    componentMocks,
    inputsOf,
    type Made,
    madeAs,
    PROVIDER_TEXT,
    resolved,
    SUBSCRIPTION,
} from "../support/componentMocks";

/**
 * The contract of ProvisioningLogsWorkspace under `pulumi.runtime.setMocks`: every resource it
 * registers or reads, with its parent, options and the inputs the engine receives, every argument
 * it refuses, and the defaults it applies.
 */

const mocks = componentMocks({ dynamicProviders: true });
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const COMPONENT = "entra-provisioning-logs:monitoring:ProvisioningLogsWorkspace";
const GROUP = "azure-native:resources:ResourceGroup";
const WORKSPACE = "azure-native:operationalinsights:Workspace";
const GUARD = "pulumi-nodejs:dynamic:WorkspaceRetentionGuard";
const TABLE = "pulumi-nodejs:dynamic:TableRetention";
/** A central workspace in another subscription, in the case a user may paste it. */
const CENTRAL_ID =
    "/subscriptions/0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D/resourceGroups/RG-Sentinel/providers/Microsoft.OperationalInsights/workspaces/log-sentinel";
const KEEP = { protect: true, retainOnDelete: true };

/** A workspace to create, with only what it needs. */
function createdArgs(): ProvisioningLogsWorkspaceArgs {
    return {
        subscriptionId: SUBSCRIPTION,
        location: "westeurope",
        resourceGroupName: "rg-audit",
        workspaceName: "log-audit",
        retentionInDays: 90,
        tableRetentionInDays: 180,
        tableTotalRetentionInDays: 2557,
    };
}

/** A workspace to create, with every arg given. */
function createdMaximalArgs(): ProvisioningLogsWorkspaceArgs {
    return {
        ...createdArgs(),
        createResourceGroup: true,
        dailyQuotaGb: 5,
        disableLocalAuth: false,
        protect: false,
        allowRetentionDecrease: true,
        tags: { owner: "identity-team" },
    };
}

/** An existing workspace, with only what it needs. */
function existingArgs(): ProvisioningLogsWorkspaceArgs {
    return { subscriptionId: SUBSCRIPTION, location: "westeurope", resourceGroupName: "rg-audit", existingWorkspaceId: CENTRAL_ID };
}

/** An existing workspace, with every arg that applies to one given. */
function existingMaximalArgs(): ProvisioningLogsWorkspaceArgs {
    return {
        ...existingArgs(),
        createResourceGroup: false,
        tableRetentionInDays: 90,
        tableTotalRetentionInDays: 365,
        protect: true,
        allowRetentionDecrease: true,
        tags: { owner: "identity-team" },
    };
}

/** The table retention's inputs without `__provider`, after checking that it is the provider's text. */
function tableInputs(made: readonly Made[], name = "logs-provisioning-logs-retention"): Record<string, any> {
    assert.strictEqual(madeAs(made, name).inputs.__provider, PROVIDER_TEXT);
    return inputsOf(made, name);
}

// ---------------------------------------------------------------------------------------------

describe("ProvisioningLogsWorkspace (contract under mocks)", () => {
    let created: Built<ProvisioningLogsWorkspace>;
    let createdMaximal: Built<ProvisioningLogsWorkspace>;
    let existing: Built<ProvisioningLogsWorkspace>;
    let existingMaximal: Built<ProvisioningLogsWorkspace>;
    before(async () => {
        await mocks.use();
        created = await construct((opts) => new ProvisioningLogsWorkspace("logs", createdArgs(), opts));
        createdMaximal = await construct((opts) => new ProvisioningLogsWorkspace("logs", createdMaximalArgs(), opts));
        existing = await construct((opts) => new ProvisioningLogsWorkspace("logs", existingArgs(), opts));
        existingMaximal = await construct((opts) => new ProvisioningLogsWorkspace("logs", existingMaximalArgs(), opts));
    });
    after(() => mocks.restore());

    describe("children", () => {
        const list = (b: Built<ProvisioningLogsWorkspace>) => b.made.map((m) => [m.type, m.name, m.parent]);

        it("creates a resource group, a retention guard, a workspace and the table's retention, named after the component and parented to it", () => {
            assert.deepStrictEqual(list(created), [
                [COMPONENT, "logs", undefined],
                [GROUP, "logs-rg", "logs"],
                [GUARD, "logs-workspace-retention-guard", "logs"],
                [WORKSPACE, "logs-workspace", "logs"],
                [TABLE, "logs-provisioning-logs-retention", "logs"],
            ]);
        });

        it("makes the same children when every arg of a created workspace is given", () => {
            assert.deepStrictEqual(list(createdMaximal), list(created));
        });

        it("creates a resource group and reads an existing workspace under the created one's name, leaving its table as it is", () => {
            assert.deepStrictEqual(list(existing), [
                [COMPONENT, "logs", undefined],
                [GROUP, "logs-rg", "logs"],
                [WORKSPACE, "logs-workspace", "logs"],
            ]);
            assert.strictEqual(existing.component.existing, true);
        });

        it("reads an existing workspace and sets its table's retention, in no group of its own, when every arg that applies is given", () => {
            assert.deepStrictEqual(list(existingMaximal), [
                [COMPONENT, "logs", undefined],
                [WORKSPACE, "logs-workspace", "logs"],
                [TABLE, "logs-provisioning-logs-retention", "logs"],
            ]);
        });

        it("derives every child's name from the component's name", async () => {
            const other = await construct((opts) => new ProvisioningLogsWorkspace("other", createdArgs(), opts));
            assert.deepStrictEqual(list(other), [
                [COMPONENT, "other", undefined],
                [GROUP, "other-rg", "other"],
                [GUARD, "other-workspace-retention-guard", "other"],
                [WORKSPACE, "other-workspace", "other"],
                [TABLE, "other-provisioning-logs-retention", "other"],
            ]);
        });
    });

    describe("inputs", () => {
        it("creates the group, then a PerGB2018 workspace in it with its retention, local auth off, no cap and no tags, with the minimal args", () => {
            assert.deepStrictEqual(madeAs(created.made, "logs-rg").inputs, { resourceGroupName: "rg-audit", location: "westeurope" });
            assert.deepStrictEqual(madeAs(created.made, "logs-workspace").inputs, {
                workspaceName: "log-audit",
                resourceGroupName: "rg-audit",
                location: "westeurope",
                sku: { name: "PerGB2018" },
                retentionInDays: 90,
                features: { disableLocalAuth: true },
            });
        });

        it("sets the AADProvisioningLogs table's interactive and total retention in the created workspace", () => {
            assert.deepStrictEqual(tableInputs(created.made), {
                subscriptionId: SUBSCRIPTION,
                tableName: "AADProvisioningLogs",
                workspaceName: "log-audit",
                resourceGroupName: "rg-audit",
                retentionInDays: 180,
                totalRetentionInDays: 2557,
            });
        });

        it("caps, tags and opens local auth on the created workspace, and allows a decrease of its table's retention, with every arg given", () => {
            assert.deepStrictEqual(madeAs(createdMaximal.made, "logs-rg").inputs, {
                resourceGroupName: "rg-audit",
                location: "westeurope",
                tags: { owner: "identity-team" },
            });
            assert.deepStrictEqual(madeAs(createdMaximal.made, "logs-workspace").inputs, {
                workspaceName: "log-audit",
                resourceGroupName: "rg-audit",
                location: "westeurope",
                sku: { name: "PerGB2018" },
                retentionInDays: 90,
                workspaceCapping: { dailyQuotaGb: 5 },
                features: { disableLocalAuth: false },
                tags: { owner: "identity-team" },
            });
            assert.deepStrictEqual(tableInputs(createdMaximal.made), {
                subscriptionId: SUBSCRIPTION,
                tableName: "AADProvisioningLogs",
                workspaceName: "log-audit",
                resourceGroupName: "rg-audit",
                retentionInDays: 180,
                totalRetentionInDays: 2557,
                allowRetentionDecrease: true,
            });
        });

        it("protects the created group and workspace and keeps them on delete, but not the table's retention, by default", () => {
            assert.deepStrictEqual(
                created.made.slice(1).map((m) => [m.name, m.options]),
                [
                    ["logs-rg", KEEP],
                    ["logs-workspace-retention-guard", {}],
                    ["logs-workspace", KEEP],
                    ["logs-provisioning-logs-retention", {}],
                ],
            );
        });

        it("neither protects nor keeps anything when protect is false", () => {
            assert.deepStrictEqual(
                createdMaximal.made.slice(1).map((m) => m.options),
                [{}, {}, {}, {}],
            );
        });

        it("reads the existing workspace by ARM's lower-case spelling of its ID, with no inputs and no protection: it is never managed", () => {
            assert.deepStrictEqual(madeAs(existing.made, "logs-workspace"), {
                type: WORKSPACE,
                name: "logs-workspace",
                parent: "logs",
                dependsOn: [],
                options: {},
                id: CENTRAL_ID.toLowerCase(),
                inputs: {},
            });
        });

        it("sets the existing workspace's table retention in its own subscription, group and name, after reading it", () => {
            assert.deepStrictEqual(tableInputs(existingMaximal.made), {
                subscriptionId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                tableName: "AADProvisioningLogs",
                workspaceName: "log-sentinel",
                resourceGroupName: "RG-Sentinel",
                retentionInDays: 90,
                totalRetentionInDays: 365,
                allowRetentionDecrease: true,
            });
            const table = madeAs(existingMaximal.made, "logs-provisioning-logs-retention");
            assert.deepStrictEqual([table.dependsOn, table.options], [["logs-workspace"], {}]);
        });

        it("returns the created workspace's ID and customer ID, and the created group's name", async () => {
            assert.deepStrictEqual(
                [
                    await resolved(created.component.workspaceId),
                    await resolved(created.component.customerId),
                    await resolved(created.component.resourceGroupName),
                ],
                ["logs-workspace-id", CUSTOMER_ID, "rg-audit"],
            );
        });

        for (const [how, given] of [
            ["as text", () => CENTRAL_ID],
            ["as another resource's output", () => pulumi.output(CENTRAL_ID)],
        ] as const) {
            it(`reads an existingWorkspaceId given in mixed case ${how} by its ID in lower case, and returns it as given`, async () => {
                const built = await construct(
                    (opts) => new ProvisioningLogsWorkspace("logs", { ...existingArgs(), existingWorkspaceId: given() }, opts),
                );
                assert.notStrictEqual(CENTRAL_ID, CENTRAL_ID.toLowerCase(), "the fixture is in mixed case");
                assert.deepStrictEqual(
                    [madeAs(built.made, "logs-workspace").id, await resolved(built.component.workspaceId)],
                    [CENTRAL_ID.toLowerCase(), CENTRAL_ID],
                );
            });
        }

        it("returns an existing workspace's ID as given, and the group's name when the group is not created", async () => {
            assert.deepStrictEqual(
                [await resolved(existingMaximal.component.workspaceId), await resolved(existingMaximal.component.resourceGroupName)],
                [CENTRAL_ID, "rg-audit"],
            );
            assert.strictEqual(existingMaximal.component.resourceGroup, undefined);
        });
    });

    describe("validation", () => {
        /** What the component threw for `args`, having made nothing but itself. */
        async function refusal(args: ProvisioningLogsWorkspaceArgs): Promise<unknown> {
            const { error, made } = await mocks.refused((opts) => new ProvisioningLogsWorkspace("logs", args, opts));
            assert.deepStrictEqual(
                made.map((m) => m.name),
                ["logs"],
            );
            return error;
        }

        it("passes when an existing workspace is given with every arg that applies to it", async () => {
            const built = await construct((opts) => new ProvisioningLogsWorkspace("logs", existingMaximalArgs(), opts));
            assert.strictEqual(built.made.length, 3);
        });

        it("fails when existingWorkspaceId is not a Log Analytics workspace's resource ID", async () => {
            const storage = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-audit/providers/Microsoft.Storage/storageAccounts/staudit`;
            const e = await refusal({ ...existingArgs(), existingWorkspaceId: storage });
            assert.deepStrictEqual(
                [e instanceof Error, (e as Error).message],
                [
                    true,
                    `ProvisioningLogsWorkspace logs: existingWorkspaceId must be a Log Analytics workspace's resource ID (got ${storage})`,
                ],
            );
        });

        const newWorkspaceArgs: Partial<ProvisioningLogsWorkspaceArgs> = {
            workspaceName: "log-audit",
            retentionInDays: 90,
            dailyQuotaGb: 5,
            disableLocalAuth: true,
        };
        for (const [key, value] of Object.entries(newWorkspaceArgs)) {
            it(`fails when ${key}, which describes a workspace to create, is given with existingWorkspaceId`, async () => {
                const e = await refusal({ ...existingArgs(), [key]: value });
                assert.deepStrictEqual(
                    [e instanceof Error, (e as Error).message],
                    [
                        true,
                        `ProvisioningLogsWorkspace logs: ${key} describes a workspace to create and does not apply with existingWorkspaceId`,
                    ],
                );
            });
        }

        for (const key of ["workspaceName", "retentionInDays", "tableRetentionInDays", "tableTotalRetentionInDays"] as const) {
            it(`fails when ${key} is left out of a workspace to create`, async () => {
                const { error } = await mocks.refused(
                    (opts) => new ProvisioningLogsWorkspace("logs", { ...createdArgs(), [key]: undefined }, opts),
                );
                assert.deepStrictEqual(
                    [error instanceof Error, (error as Error).message],
                    [true, `ProvisioningLogsWorkspace logs: a workspace to create needs ${key} (or give existingWorkspaceId)`],
                );
            });
        }

        it("fails naming every arg a workspace to create needs when none is given", async () => {
            const { subscriptionId, location, resourceGroupName } = createdArgs();
            const { error } = await mocks.refused(
                (opts) => new ProvisioningLogsWorkspace("logs", { subscriptionId, location, resourceGroupName }, opts),
            );
            assert.deepStrictEqual(
                [error instanceof Error, (error as Error).message],
                [
                    true,
                    "ProvisioningLogsWorkspace logs: a workspace to create needs workspaceName, retentionInDays, tableRetentionInDays, tableTotalRetentionInDays (or give existingWorkspaceId)",
                ],
            );
        });

        for (const key of ["tableRetentionInDays", "tableTotalRetentionInDays"]) {
            it(`fails when ${key} alone is given for an existing workspace`, async () => {
                const e = await refusal({ ...existingArgs(), [key]: 90 });
                assert.deepStrictEqual(
                    [e instanceof Error, (e as Error).message],
                    [
                        true,
                        "ProvisioningLogsWorkspace logs: give both tableRetentionInDays and tableTotalRetentionInDays to set the table's retention in an existing workspace, or neither",
                    ],
                );
            });
        }
    });

    describe("defaults", () => {
        it("creates the resource group when createResourceGroup is left out", () => {
            assert.ok(created.component.resourceGroup);
            assert.deepStrictEqual(madeAs(created.made, "logs-rg").type, GROUP);
        });

        it("uses an existing resource group when createResourceGroup is false", async () => {
            const built = await construct(
                (opts) => new ProvisioningLogsWorkspace("logs", { ...createdArgs(), createResourceGroup: false }, opts),
            );
            assert.deepStrictEqual(
                built.made.map((m) => m.name),
                ["logs", "logs-workspace-retention-guard", "logs-workspace", "logs-provisioning-logs-retention"],
            );
            assert.strictEqual(madeAs(built.made, "logs-workspace").inputs.resourceGroupName, "rg-audit");
        });

        it("creates the workspace when existingWorkspaceId is left out", () => {
            assert.deepStrictEqual([created.component.existing, madeAs(created.made, "logs-workspace").id], [false, undefined]);
        });

        it("sets no daily cap when dailyQuotaGb is left out", () => {
            assert.strictEqual("workspaceCapping" in madeAs(created.made, "logs-workspace").inputs, false);
        });

        it("allows only Entra ID authentication when disableLocalAuth is left out", () => {
            assert.deepStrictEqual(madeAs(created.made, "logs-workspace").inputs.features, { disableLocalAuth: true });
        });

        it("protects the data and keeps it on delete when protect is left out", () => {
            assert.deepStrictEqual([madeAs(created.made, "logs-rg").options, madeAs(created.made, "logs-workspace").options], [KEEP, KEEP]);
        });

        it("refuses a decrease of the table's retention (sends no allowRetentionDecrease) when allowRetentionDecrease is left out", () => {
            assert.strictEqual("allowRetentionDecrease" in tableInputs(created.made), false);
        });

        it("tags nothing when tags is left out", () => {
            for (const m of created.made.slice(1)) {
                assert.strictEqual("tags" in m.inputs, false, m.name);
            }
        });
    });
});
