import * as monitor from "@pulumi/azure-native/monitor";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { ProvisioningLogging } from "entra-provisioning-logs/components";

// Another Pulumi program: its own config, its own names, its own resources, and the component with
// explicit args, some of them outputs of those resources.
const config = new pulumi.Config();
const stack = pulumi.getStack();

// The platform's own resource group and security operations action group: the component is given
// their outputs, not names it would have to wait for.
const group = new resources.ResourceGroup("platform-identity", {
    resourceGroupName: `rg-platform-identity-${stack}`,
    location: "westeurope",
});
const soc = new monitor.ActionGroup("platform-soc", {
    actionGroupName: `ag-platform-soc-${stack}`,
    groupShortName: "PlatformSOC",
    resourceGroupName: group.name,
    location: "Global",
    enabled: true,
    emailReceivers: [{ name: "soc", emailAddress: config.require("socEmail"), useCommonAlertSchema: true }],
});

const logging = new ProvisioningLogging("identity-logs", {
    instanceName: `platform-${stack}`,
    tenantId: config.require("tenantId"),
    subscriptionId: config.require("subscriptionId"),
    location: group.location,
    resourceGroupName: group.name,
    createResourceGroup: false,
    workspaceName: `log-platform-identity-${stack}`,
    retentionInDays: 90,
    provisioningLogsTotalRetentionInDays: 730,
    protectData: true,
    diagnosticSettingName: `platform-provisioning-logs-${stack}`,
    diagnosticLogCategories: ["AuditLogs"],
    dashboardName: `platform-prov-${stack}`,
    alerts: {
        team: { emails: [config.require("teamEmail")] },
        actionGroupIds: [soc.id],
        rules: { failureSpike: { threshold: 20 } },
    },
    tags: { owner: "platform" },
});

export const workspaceId = logging.logs.workspaceId;
export const alertRules = Object.values(logging.alerts?.rules ?? {}).map((r) => r.name);
