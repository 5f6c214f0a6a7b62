import * as pulumi from "@pulumi/pulumi";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { loadQuery } from "./support/queries";
import { ALERT_CATALOG, ALERT_RULE_IDS } from "./support/alertCatalog";

/** A saved query: its file in queries/, title, and description for the Logs query picker. */
export interface SavedQuery {
    readonly file: string;
    readonly displayName: string;
    readonly description: string;
}

/**
 * Microsoft's documented sample queries for provisioning logs, each file's query being the text of
 * learn.microsoft.com/entra/identity/app-provisioning/application-provisioning-log-analytics
 * ("Custom queries") as published, in the page's order.
 */
const SAMPLE_QUERIES: readonly SavedQuery[] = [
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
];

/** Every saved query: the samples, then each alert rule's query with its default parameters. */
function savedQueries(): SavedQuery[] {
    return [
        ...SAMPLE_QUERIES,
        ...ALERT_RULE_IDS.map((id) => ({
            file: ALERT_CATALOG[id].query,
            displayName: `Provisioning alert: ${ALERT_CATALOG[id].title}`,
            description: `The query of the ${id} alert rule, with its default parameters. ${ALERT_CATALOG[id].runbook}`,
        })),
    ];
}

/** Inputs of {@link ProvisioningQueries}. */
export interface ProvisioningQueriesArgs {
    /** Required. Name of the query pack. */
    readonly queryPackName: string;
    /** Required. Resource group of the pack. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Required. Region of the pack. */
    readonly location: pulumi.Input<string>;
    /** Optional. Tags of the pack. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A Log Analytics query pack with the provisioning queries, categorised so they show up in the
 * Logs query picker of any workspace (Queries > Select query packs).
 */
export class ProvisioningQueries extends pulumi.ComponentResource {
    public readonly queryPack: operationalinsights.QueryPack;
    /** The saved queries by file name. */
    public readonly queries: Record<string, operationalinsights.Query>;

    constructor(name: string, args: ProvisioningQueriesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:ProvisioningQueries", name, {}, opts);
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        this.queryPack = new operationalinsights.QueryPack(
            `${name}-pack`,
            { queryPackName: args.queryPackName, resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
            childOpts,
        );
        this.queries = {};
        for (const q of savedQueries()) {
            this.queries[q.file] = new operationalinsights.Query(
                `${name}-${q.file}`,
                {
                    // No `id` here: a query's name is a GUID, but Pulumi's Node.js SDK never sends an input
                    // named `id` to the provider, so azure-native generates one at creation and keeps it in state.
                    queryPackName: this.queryPack.name,
                    resourceGroupName: args.resourceGroupName,
                    displayName: q.displayName,
                    description: q.description,
                    body: loadQuery(q.file),
                    related: { categories: ["audit"], resourceTypes: ["microsoft.operationalinsights/workspaces"] },
                    tags: { labels: ["Entra provisioning"] },
                },
                childOpts,
            );
        }
        this.registerOutputs({ queryPack: this.queryPack, queries: this.queries });
    }
}
