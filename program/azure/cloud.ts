import { type ProviderSettingsInput, providerSetting } from "./providerConfig";

/**
 * The Azure clouds this program deploys to, and every host it talks to or links to in each: one
 * table, so a stack in Azure Government or Azure China never reaches a public-cloud host.
 *
 * The cloud is the one the azure-native provider uses: `azure-native:environment` (stack config),
 * else `ARM_ENVIRONMENT`, else `AZURE_ENVIRONMENT`, else the public cloud (pulumi/pulumi-azure-native,
 * provider/pkg/provider/auth_azidentity.go, `getCloud`, at commit 34d8ff31867e55351b4f1c32bc8074fcb91f4fc3).
 *
 * Sources of the endpoints:
 * - Azure Resource Manager, Entra ID (authority), Log Analytics query API and portal, per cloud:
 *   "Endpoints used by the Azure CLI" (learn.microsoft.com/cli/azure/azure-cli-endpoints, tabs Public
 *   Cloud, U.S. Government Cloud, Azure China Cloud: resource_manager, active_directory,
 *   log_analytics_resource_id, portal), the same values as the Azure CLI's own table
 *   (Azure/azure-cli, src/azure-cli-core/azure/cli/core/cloud.py: AZURE_WORLDWIDE_CLOUD,
 *   AZURE_US_GCC_HIGH_CLOUD, AZURE_CHINA_CLOUD).
 * - Microsoft Graph and the portal and token endpoints per national cloud: "Microsoft Graph national
 *   cloud deployments" (learn.microsoft.com/graph/deployments): graph.microsoft.com, graph.microsoft.us
 *   (L4; DoD tenants use dod-graph.microsoft.us, not covered here), microsoftgraph.chinacloudapi.cn;
 *   portal.azure.com / .us / .cn; login.microsoftonline.com / .us, login.chinacloudapi.cn. The
 *   azure-native provider uses the same Graph hosts (provider/pkg/azure/cloud/cloud.go, commit
 *   1f57686efdf16e0e25d2ba49e5ea53e85a6009e3).
 * - Log Analytics query API of Azure China: "Access the Azure Monitor Log Analytics API"
 *   (docs.azure.cn/azure-monitor/logs/api/access-api): https://api.loganalytics.azure.cn; the three
 *   audiences are also @azure/monitor-query-logs 1.0.0's `KnownMonitorLogsQueryAudience`.
 * - Authority hosts: @azure/identity's `AzureAuthorityHosts` (AzurePublicCloud, AzureGovernment,
 *   AzureChina) has the same three.
 */

/** The clouds, named as `az cloud list` names them. */
export const AZURE_CLOUDS = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;
export type AzureCloud = (typeof AZURE_CLOUDS)[number];

/** The hosts of one cloud, as origins without a trailing slash. */
export interface CloudEndpoints {
    /** The cloud, as `az cloud list` names it. */
    readonly name: AzureCloud;
    /** For messages, e.g. "Azure Government". */
    readonly displayName: string;
    /** Azure Resource Manager; its tokens are for `<resourceManager>/.default`. */
    readonly resourceManager: string;
    /** Microsoft Entra ID's token authority (the credential's `authorityHost`). */
    readonly authorityHost: string;
    /** The Log Analytics query API, without its version; also its token audience. */
    readonly logsQuery: string;
    /** Microsoft Graph, without its version; also its token audience. */
    readonly microsoftGraph: string;
    /** The Azure portal, for links. */
    readonly portal: string;
}

export const CLOUDS: Readonly<Record<AzureCloud, CloudEndpoints>> = {
    AzureCloud: {
        name: "AzureCloud",
        displayName: "the Azure public cloud",
        resourceManager: "https://management.azure.com",
        authorityHost: "https://login.microsoftonline.com",
        logsQuery: "https://api.loganalytics.io",
        microsoftGraph: "https://graph.microsoft.com",
        portal: "https://portal.azure.com",
    },
    AzureUSGovernment: {
        name: "AzureUSGovernment",
        displayName: "Azure Government",
        resourceManager: "https://management.usgovcloudapi.net",
        authorityHost: "https://login.microsoftonline.us",
        logsQuery: "https://api.loganalytics.us",
        microsoftGraph: "https://graph.microsoft.us",
        portal: "https://portal.azure.us",
    },
    AzureChinaCloud: {
        name: "AzureChinaCloud",
        displayName: "Azure operated by 21Vianet (China)",
        resourceManager: "https://management.chinacloudapi.cn",
        authorityHost: "https://login.chinacloudapi.cn",
        logsQuery: "https://api.loganalytics.azure.cn",
        microsoftGraph: "https://microsoftgraph.chinacloudapi.cn",
        portal: "https://portal.azure.cn",
    },
};

/** The public cloud's portal: the default of every component's `portalUrl`. */
export const PUBLIC_PORTAL = CLOUDS.AzureCloud.portal;

/** The scope of a token for `resource` (an origin): `<resource>/.default`. */
export function scopeOf(resource: string): string {
    return `${resource.replace(/\/+$/, "")}/.default`;
}

/**
 * The names `azure-native:environment` accepts, case-insensitively, as the provider's
 * `cloud.FromName` maps them (provider/pkg/azure/cloud/cloud.go, commit
 * 1f57686efdf16e0e25d2ba49e5ea53e85a6009e3): public, azurecloud; china, azurechinacloud; usgov,
 * usgovernment, azureusgovernment, azureusgovernmentcloud, usgovernmentl4. The provider falls back to
 * the public cloud for any other name; the program refuses it instead, so a typo can't send a
 * Government stack's calls to public hosts.
 */
export const ENVIRONMENT_NAMES: Readonly<Record<string, AzureCloud>> = {
    public: "AzureCloud",
    azurecloud: "AzureCloud",
    china: "AzureChinaCloud",
    azurechinacloud: "AzureChinaCloud",
    usgov: "AzureUSGovernment",
    usgovernment: "AzureUSGovernment",
    azureusgovernment: "AzureUSGovernment",
    azureusgovernmentcloud: "AzureUSGovernment",
    usgovernmentl4: "AzureUSGovernment",
};

/**
 * The cloud the azure-native provider deploys to for these settings: `azure-native:environment`, else
 * `ARM_ENVIRONMENT`, else `AZURE_ENVIRONMENT` (config first, each read the provider's way); unset or
 * empty is the public cloud. Throws one line for a name the provider does not know, and for a private
 * cloud's custom endpoints, which this table can't follow.
 */
export function chooseCloud(input: ProviderSettingsInput): AzureCloud {
    for (const custom of [
        { key: "metadataHost", env: "ARM_METADATA_HOSTNAME" },
        { key: "resourceManagerEndpoint", env: "ARM_RESOURCE_MANAGER_ENDPOINT" },
    ]) {
        const value = providerSetting(input, custom.key, custom.env);
        if (value) {
            throw new Error(
                `${value.from} is set (${value.value}): the azure-native provider then uses that private cloud's endpoints, which the program's own Azure calls ` +
                    `can't follow; use azure-native:environment (public, usgovernment or china) instead`,
            );
        }
    }
    const chosen = providerSetting(input, "environment", "ARM_ENVIRONMENT") ?? providerSetting(input, "environment", "AZURE_ENVIRONMENT");
    const name = chosen?.value.trim() ?? "";
    if (name === "") {
        return "AzureCloud";
    }
    const cloud = ENVIRONMENT_NAMES[name.toLowerCase()];
    if (!cloud) {
        throw new Error(
            `${chosen!.from} must be public, usgovernment or china (or an alias the azure-native provider accepts: ${Object.keys(ENVIRONMENT_NAMES).join(", ")}) (got ${JSON.stringify(name)})`,
        );
    }
    return cloud;
}
