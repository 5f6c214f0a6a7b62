import * as pulumi from "@pulumi/pulumi";
import { ProvisioningLogging } from "entra-provisioning-logs/components";

// Another Pulumi program: its own config, its own names, the component with explicit args.
const config = new pulumi.Config();
const stack = pulumi.getStack();

const logging = new ProvisioningLogging("identity-logs", {
    instanceName: `platform-${stack}`,
    tenantId: config.require("tenantId"),
    subscriptionId: config.require("subscriptionId"),
    location: "westeurope",
    resourceGroupName: `rg-platform-identity-${stack}`,
    workspaceName: `log-platform-identity-${stack}`,
    retentionInDays: 90,
    provisioningLogsTotalRetentionInDays: 730,
    protectData: true,
    diagnosticSettingName: `platform-provisioning-logs-${stack}`,
    diagnosticLogCategories: ["AuditLogs"],
    dashboardName: `platform-prov-${stack}`,
    alerts: {
        team: { emails: [config.require("teamEmail")] },
        rules: { failureSpike: { threshold: 20 } },
    },
    tags: { owner: "platform" },
});

export const workspaceId = logging.logs.workspaceId;
export const alertRules = Object.values(logging.alerts?.rules ?? {}).map((r) => r.name);
