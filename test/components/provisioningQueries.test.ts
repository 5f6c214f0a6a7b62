import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProvisioningQueries, type ProvisioningQueriesArgs } from "../../components/provisioningQueries";
import { ALERT_CATALOG } from "../../components/support/alertCatalog";
import { type Built, childrenOf, componentMocks, inputsOf, type Made, resolved } from "../support/componentMocks";

/**
 * The contract of ProvisioningQueries under `pulumi.runtime.setMocks`: every resource it registers,
 * with its parent and the inputs the engine receives.
 */

const mocks = componentMocks();
const { construct } = mocks;

// ---------------------------------------------------------------------------------------------
// Fixtures

const COMPONENT = "entra-provisioning-logs:monitoring:ProvisioningQueries";
const PACK = "azure-native:operationalinsights:QueryPack";
const QUERY = "azure-native:operationalinsights:Query";

const kql = (file: string) => fs.readFileSync(path.join(__dirname, "..", "..", "queries", `${file}.kql`), "utf8");

function minimalArgs(): ProvisioningQueriesArgs {
    return { queryPackName: "pack-entra-provisioning-test", resourceGroupName: "rg-audit", location: "westeurope" };
}

function maximalArgs(): ProvisioningQueriesArgs {
    return { ...minimalArgs(), tags: { owner: "identity-team", costCenter: "4711" } };
}

/** Every saved query, in the order the pack lists them: Microsoft's samples, then each alert rule's. */
const SAVED: ReadonlyArray<{ file: string; displayName: string; description: string }> = [
    {
        file: "user-by-source-id",
        displayName: "Provisioning: history of a user by source ID",
        description: "Every provisioning event of one user or group, by its ID in the source system. Replace the sample ID first.",
    },
    {
        file: "count-per-error-code",
        displayName: "Provisioning: events per error code",
        description: "How many events each error code has (Microsoft's sample).",
    },
    {
        file: "events-per-day-by-action",
        displayName: "Provisioning: events per day by action",
        description: "Creates, updates, disables and deletes per day over the last week (Microsoft's sample).",
    },
    {
        file: "group-events-key-properties",
        displayName: "Provisioning: 100 group events with key properties",
        description: "Events whose source is a group, with the properties that identify them (Microsoft's sample).",
    },
    {
        file: "group-members-skipped",
        displayName: "Provisioning: group members skipped (unresolved references)",
        description: "Members not assigned to a group because the referenced user could not be resolved. Set your app's JobId first.",
    },
    {
        file: "last-step-per-job",
        displayName: "Provisioning: actions of an application by last step",
        description: "Where events end (e.g. export, match, skip) for one job. Set your app's JobId first.",
    },
    {
        file: "operation-spikes",
        displayName: "Provisioning: spikes in specific operations",
        description: "Events per day by their last step, as a time chart, for one job. Set your app's JobId first.",
    },
    ...(
        [
            ["failure-spike", "failureSpike", "Provisioning failures spiked for an application"],
            ["provisioning-stopped", "provisioningStopped", "No provisioning events in the tenant"],
            ["app-silent", "appSilent", "An application stopped logging provisioning events"],
            ["disable-delete-spike", "disableDeleteSpike", "Mass disables or deletes in an application"],
            ["quarantine", "quarantine", "A provisioning job is in quarantine"],
            ["logs-at-risk", "logsAtRisk", "The workspace is over its daily cap: provisioning logs are being dropped"],
        ] as const
    ).map(([file, id, title]) => ({
        file,
        displayName: `Provisioning alert: ${title}`,
        description: `The query of the ${id} alert rule, with its default parameters. ${ALERT_CATALOG[id].runbook}`,
    })),
];

// ---------------------------------------------------------------------------------------------

describe("ProvisioningQueries (contract under mocks)", () => {
    let built: Built<ProvisioningQueries>;
    let minimal: Made[];
    let maximal: Made[];
    before(async () => {
        await mocks.use();
        built = await construct((opts) => new ProvisioningQueries("queries", minimalArgs(), opts));
        minimal = built.made;
        maximal = (await construct((opts) => new ProvisioningQueries("queries", maximalArgs(), opts))).made;
    });

    describe("children", () => {
        const expected = [[PACK, "queries-pack"], ...SAVED.map((q) => [QUERY, `queries-${q.file}`])];

        it("registers the component, then a query pack and one saved query per file, each named after the component", () => {
            assert.deepStrictEqual(
                minimal.map((m) => [m.type, m.name]),
                [[COMPONENT, "queries"], ...expected],
            );
        });

        it("parents every child to the component, with the minimal args", () => {
            assert.deepStrictEqual(childrenOf(minimal, "queries"), expected);
            assert.deepStrictEqual(minimal[0].parent, undefined);
        });

        it("makes the same children, parented to the component, with every arg given", () => {
            assert.deepStrictEqual(
                maximal.map((m) => [m.type, m.name, m.parent]),
                [[COMPONENT, "queries", undefined], ...expected.map(([type, name]) => [type, name, "queries"])],
            );
        });

        it("derives every child's name from the component's name, so two packs never collide", async () => {
            const other = await construct((opts) => new ProvisioningQueries("other", minimalArgs(), opts));
            assert.deepStrictEqual(
                childrenOf(other.made, "other").map(([, name]) => name),
                expected.map(([, name]) => (name as string).replace(/^queries-/, "other-")),
            );
        });
    });

    describe("inputs", () => {
        it("names the query pack queryPackName, in the given resource group and region, without tags by default", () => {
            assert.deepStrictEqual(inputsOf(minimal, "queries-pack"), {
                queryPackName: "pack-entra-provisioning-test",
                resourceGroupName: "rg-audit",
                location: "westeurope",
            });
        });

        it("tags the query pack with the given tags", () => {
            assert.deepStrictEqual(inputsOf(maximal, "queries-pack"), {
                queryPackName: "pack-entra-provisioning-test",
                resourceGroupName: "rg-audit",
                location: "westeurope",
                tags: { owner: "identity-team", costCenter: "4711" },
            });
        });

        for (const q of SAVED) {
            it(`saves ${q.file}.kql as it is in queries/, in the pack, as an audit query over workspaces`, () => {
                assert.deepStrictEqual(inputsOf(minimal, `queries-${q.file}`), {
                    queryPackName: "pack-entra-provisioning-test",
                    resourceGroupName: "rg-audit",
                    displayName: q.displayName,
                    description: q.description,
                    body: kql(q.file),
                    related: { categories: ["audit"], resourceTypes: ["microsoft.operationalinsights/workspaces"] },
                    tags: { labels: ["Entra provisioning"] },
                });
            });
        }

        it("labels the saved queries, not tags them, whatever tags are given (a query's tags are its labels)", () => {
            for (const q of SAVED) {
                assert.deepStrictEqual(inputsOf(maximal, `queries-${q.file}`).tags, { labels: ["Entra provisioning"] });
            }
        });

        it("exposes the pack, under its Azure name, and each saved query by file name", async () => {
            assert.deepStrictEqual(
                [await resolved(built.component.queryPack.name), Object.keys(built.component.queries)],
                ["pack-entra-provisioning-test", SAVED.map((q) => q.file)],
            );
        });

        it("sends no id for a saved query, so azure-native generates its GUID name once", () => {
            for (const q of SAVED) {
                assert.strictEqual("id" in inputsOf(minimal, `queries-${q.file}`), false, q.file);
            }
        });
    });
});
