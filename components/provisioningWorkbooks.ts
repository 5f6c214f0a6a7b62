import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import { PUBLIC_PORTAL } from "./azure/cloud";
import { canonicalJson } from "./support/canonicalJson";
import { stableGuid } from "./support/naming";

/** Folder of the gallery-format workbooks (`*.workbook.json`, "Notebook/1.0"). */
export const WORKBOOKS_DIR = path.join(__dirname, "..", "workbooks");

/** The workbooks this program deploys: file stem → display name. */
export const WORKBOOKS: Readonly<Record<string, string>> = {
    "provisioning-overview": "Entra provisioning: overview",
    "identity-troubleshooting": "Entra provisioning: troubleshoot a user or group",
};

/** Inputs of {@link ProvisioningWorkbooks}. */
export interface ProvisioningWorkbooksArgs {
    /** Required. Strings that identify the stack and workspace (components/support/naming.ts, `resourceIdentity`); workbook GUIDs are derived from them. */
    readonly identity: pulumi.Input<readonly string[]>;
    /** Required. Resource group for the workbooks. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Required. Region of the workspace. */
    readonly location: pulumi.Input<string>;
    /** Required. ARM ID of the workspace the workbooks query and are linked to. */
    readonly workspaceId: pulumi.Input<string>;
    /** Required. Tenant, for portal links. */
    readonly tenantId: pulumi.Input<string>;
    /**
     * Optional. The Azure portal of the cloud the workspace is in, for the workbooks' links:
     * `https://portal.azure.us` in Azure Government, `https://portal.azure.cn` in Azure China
     * (components/azure/cloud.ts). Defaults to `https://portal.azure.com`, the public cloud's.
     */
    readonly portalUrl?: string;
    /** Required. Whether AuditLogs reach the workspace; without them the audit and quarantine tab is left out. */
    readonly auditLogsEnabled: boolean;
    /** Optional. Tags for every workbook. */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface WorkbookItem {
    name?: string;
    content?: { items?: WorkbookItem[]; links?: Array<{ subTarget?: string }> };
}

interface WorkbookDocument {
    items: WorkbookItem[];
    fallbackResourceIds?: string[];
}

/** The overview's section (a group, and the tab that shows it) that reads AuditLogs. */
const AUDIT_LOGS_SECTION = "audit";

/** The items without the AuditLogs section and its tab, at any depth. */
function withoutAuditLogs(items: WorkbookItem[]): WorkbookItem[] {
    return items
        .filter((item) => item.name !== AUDIT_LOGS_SECTION)
        .map((item) => {
            if (!item.content) {
                return item;
            }
            const content = { ...item.content };
            if (content.items) {
                content.items = withoutAuditLogs(content.items);
            }
            if (content.links) {
                content.links = content.links.filter((l) => l.subTarget !== AUDIT_LOGS_SECTION);
            }
            return { ...item, content };
        });
}

/** A workbook file as deployed: panels the stack can't fill removed, linked to the workspace. */
function workbookContent(file: string, workspaceId: string, auditLogsEnabled: boolean): string {
    const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, `${file}.workbook.json`), "utf8")) as WorkbookDocument;
    return canonicalJson({
        ...doc,
        items: auditLogsEnabled ? doc.items : withoutAuditLogs(doc.items),
        fallbackResourceIds: [workspaceId],
    });
}

/**
 * Azure Monitor workbooks (shared, linked to the workspace) from the gallery JSON in workbooks/, so
 * an admin can paste one into the portal's Advanced Editor and paste an edited one back.
 */
export class ProvisioningWorkbooks extends pulumi.ComponentResource {
    /** The workbooks by file stem. */
    public readonly workbooks: Record<string, applicationinsights.Workbook>;
    /** Portal links by file stem. */
    public readonly urls: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ProvisioningWorkbooksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:ProvisioningWorkbooks", name, {}, opts);
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        this.workbooks = {};
        this.urls = {};
        const portalUrl = (args.portalUrl ?? PUBLIC_PORTAL).replace(/\/+$/, "");
        for (const [file, displayName] of Object.entries(WORKBOOKS)) {
            const workbook = new applicationinsights.Workbook(
                `${name}-${file}`,
                {
                    resourceName: pulumi.output(args.identity).apply((identity) => stableGuid(...identity, "workbook", file)),
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    kind: "shared",
                    category: "workbook",
                    displayName,
                    // Azure lower-cases sourceId; anything else is a diff on every run.
                    sourceId: pulumi.output(args.workspaceId).apply((id) => id.toLowerCase()),
                    serializedData: pulumi.output(args.workspaceId).apply((id) => workbookContent(file, id, args.auditLogsEnabled)),
                    version: "Notebook/1.0",
                    tags: args.tags,
                },
                childOpts,
            );
            this.workbooks[file] = workbook;
            this.urls[file] = pulumi.interpolate`${portalUrl}/#@${args.tenantId}/resource${workbook.id}/workbook`;
        }
        this.registerOutputs({ workbooks: this.workbooks, urls: this.urls });
    }
}
