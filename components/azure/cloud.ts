import type * as core from "@azure/core-rest-pipeline";
import { requireDependency } from "./dependencies";
// Imported at the top, not required inside a function: a serialized dynamic provider carries the
// module, where a relative require() could not resolve where Pulumi runs the provider.
import { type Clock, formatDuration, SYSTEM_CLOCK, withRequestTimeout } from "./timing";
import { AZURE_CLOUDS, type AzureCloud, type ProviderSetting, type ProviderSettingsInput, providerSetting } from "./providerConfig";

/** Copied by value into the serialized dynamic providers wherever the package is installed (see dependencies.ts). */
export const deploymentOnlyModule = true;

/**
 * The Azure clouds this program deploys to, and every host it talks to or links to in each: one
 * table, so a stack in Azure Government or Azure China never reaches a public-cloud host.
 *
 * The cloud is the one the azure-native provider uses: the one `azure-native:metadataHost` (or
 * `ARM_METADATA_HOSTNAME`) describes, else `azure-native:environment` (stack config), else
 * `ARM_ENVIRONMENT`, else `AZURE_ENVIRONMENT`, else the public cloud (pulumi/pulumi-azure-native,
 * provider/pkg/provider/auth_azidentity.go, `getCloud`, at commit 34d8ff31867e55351b4f1c32bc8074fcb91f4fc3,
 * and its tests `TestReadCloudConfiguration`, commit 0062f47721c5bf9d2ddcf411eaf0bc3b596504f2).
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

// The cloud names live with the provider's settings, which carry them (metadataClouds).
export { AZURE_CLOUDS, type AzureCloud } from "./providerConfig";

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
 * usgovernment, azureusgovernment, azureusgovernmentcloud, usgovernmentl4. Older providers fall back
 * to the public cloud for any other name, newer ones fail (provider/pkg/provider/auth_azidentity_test.go,
 * "unknown environment with no metadata server returns error", commit 0062f47721c5bf9d2ddcf411eaf0bc3b596504f2);
 * the program refuses it, so a typo can't send a Government stack's calls to public hosts.
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
 * A custom cloud's endpoints, which the provider uses when all three are set
 * (provider/pkg/provider/auth_azidentity.go, `getCloud`, commit 34d8ff31867e55351b4f1c32bc8074fcb91f4fc3).
 * The program can't follow a cloud outside its table, so it refuses any of them.
 */
const CUSTOM_ENDPOINTS = [
    { key: "activeDirectoryAuthorityHost", env: "ARM_ACTIVE_DIRECTORY_AUTHORITY_HOST" },
    { key: "resourceManagerAudience", env: "ARM_RESOURCE_MANAGER_AUDIENCE" },
    { key: "resourceManagerEndpoint", env: "ARM_RESOURCE_MANAGER_ENDPOINT" },
];

/** What to set instead of a cloud the program can't follow. */
const USE_ENVIRONMENT = "use azure-native:environment (public, usgovernment or china) instead";

/**
 * The cloud the azure-native provider deploys to for these settings, without a request:
 *
 * 1. `azure-native:metadataHost`, else `ARM_METADATA_HOSTNAME`: the cloud that host's metadata
 *    describes, which {@link discoverCloud} must have read into `input.metadataClouds`; it overrides
 *    the environment, as in the provider ("Not used when metadataHost is specified", the schema's
 *    description of `environment`).
 * 2. `azure-native:environment`, else `ARM_ENVIRONMENT`, else `AZURE_ENVIRONMENT` (config first,
 *    each read the provider's way); unset or empty is the public cloud.
 *
 * Throws one line for a name the provider does not know, for a custom cloud's endpoints, and for a
 * metadata host not yet discovered.
 */
export function chooseCloud(input: ProviderSettingsInput): AzureCloud {
    for (const custom of CUSTOM_ENDPOINTS) {
        const value = providerSetting(input, custom.key, custom.env);
        if (value) {
            throw new Error(
                `${value.from} is set (${value.value}): the azure-native provider then uses that custom cloud's endpoints, which the program's own Azure calls ` +
                    "can't follow; use azure-native:environment (public, usgovernment or china) or azure-native:metadataHost instead",
            );
        }
    }
    const metadata = providerSetting(input, "metadataHost", METADATA_HOST_ENV);
    if (metadata) {
        const origin = metadataOrigin(metadata.value);
        if (origin === undefined) {
            throw new Error(`${metadata.from} ${METADATA_HOST_RULE} (got ${JSON.stringify(metadata.value)})`);
        }
        const cloud = input.metadataClouds?.[origin];
        if (cloud === undefined) {
            throw new Error(
                `${metadata.from} is set (${metadata.value}), but the cloud its metadata describes was not read before this call (discoverCloud in components/azure/cloud.ts): ` +
                    `a bug in this program; meanwhile unset ${metadata.from} and ${USE_ENVIRONMENT}`,
            );
        }
        return cloud;
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

// ---------------------------------------------------------------------------------------------
// A cloud described by a metadata host

/**
 * The environment variable of `metadataHost`. The provider reads `metadataHost`, else
 * `ARM_METADATA_HOSTNAME`, and asks `https://<host>/metadata/endpoints?api-version=2022-09-01` for
 * the cloud's endpoints, `https://` added unless the host has a scheme (provider/pkg/azure/cloud/cloud.go,
 * `FromMetadataEndpoint`, commit 1de7602df79a83a40ac10d3914fde346c0db700d, and
 * provider/pkg/azure/cloud/metadata/client.go, `GetMetaData`, commit 0ca7570c3443ba3247c6b16e2ebd117deb6760fd):
 * the sign-in host is `authentication.loginEndpoint`, ARM is `resourceManager`; an answer but 200 fails.
 */
const METADATA_HOST_ENV = "ARM_METADATA_HOSTNAME";

/** The metadata schema the provider reads, the only one it supports. */
export const METADATA_API_VERSION = "2022-09-01";

/** How long the metadata host may take to answer: the request is small, and `pulumi up` waits on it. */
export const DEFAULT_METADATA_TIMEOUT_MS = 30_000;

/** What `metadataHost` must be, for messages. */
export const METADATA_HOST_RULE = "must be the host name of an Azure Resource Manager, such as management.azure.com, or its https:// URL";

/**
 * The https origin of a metadata host as the provider forms its URL (`https://` added to a bare host),
 * or undefined for anything else: a plain-http URL (the answer decides where tokens go, so it must
 * not be open to tampering), a path, credentials, a query.
 */
export function metadataOrigin(host: string): string | undefined {
    const text = host.includes("://") ? host : `https://${host}`;
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return undefined;
    }
    const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
    return url.protocol === "https:" && url.hostname !== "" && bare ? url.origin : undefined;
}

/** How the metadata host is asked. */
export interface MetadataOptions {
    /** How long it may take to answer. Defaults to {@link DEFAULT_METADATA_TIMEOUT_MS}. */
    readonly timeoutMs?: number;
    /** Defaults to wall-clock time; tests pass a virtual clock. */
    readonly clock?: Clock;
    /** Extra trusted CA (PEM) for the host; only tests need it. */
    readonly trustedCa?: string;
}

/** A host without scheme or trailing slash, for comparing endpoints. */
function hostOf(url: unknown): string | undefined {
    if (typeof url !== "string") {
        return undefined;
    }
    try {
        return new URL(url).host.toLowerCase();
    } catch {
        return undefined;
    }
}

/**
 * The cloud the metadata at `setting`'s host describes: one bounded HTTPS GET (no credential, no
 * retry, through the proxy the environment names), recognized as one of {@link CLOUDS} by its ARM
 * and sign-in hosts. The program never calls a host the answer names; an answer that is none of its
 * clouds is refused, in one line naming the setting, the host and what it answered.
 */
export async function cloudFromMetadata(setting: ProviderSetting, options: MetadataOptions = {}): Promise<AzureCloud> {
    const origin = metadataOrigin(setting.value);
    if (origin === undefined) {
        throw new Error(`${setting.from} ${METADATA_HOST_RULE} (got ${JSON.stringify(setting.value)})`);
    }
    const url = `${origin}/metadata/endpoints?api-version=${METADATA_API_VERSION}`;
    const unreadable = (why: string) =>
        new Error(
            `${setting.from} is ${setting.value}, but the cloud metadata at ${url} could not be read (${why}); the azure-native provider reads its cloud from there too: ` +
                `check the host, or unset ${setting.from} and ${USE_ENVIRONMENT}`,
        );
    const timeoutMs = options.timeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
    let response: core.PipelineResponse;
    try {
        const core = requireDependency<typeof import("@azure/core-rest-pipeline")>("@azure/core-rest-pipeline");
        const pipeline = core.createPipelineFromOptions({
            retryOptions: { maxRetries: 0 },
            ...(options.trustedCa ? { tlsOptions: { ca: options.trustedCa } } : {}),
            userAgentOptions: { userAgentPrefix: "entra-provisioning-logs" },
        });
        response = await withRequestTimeout(timeoutMs, options.clock ?? SYSTEM_CLOCK, (abortSignal) =>
            pipeline.sendRequest(core.createDefaultHttpClient(), core.createPipelineRequest({ url, method: "GET", abortSignal })),
        );
    } catch (e) {
        const code = (e as { code?: string }).code;
        throw unreadable(code === "REQUEST_TIMEOUT" ? `no answer within ${formatDuration(timeoutMs)}` : (code ?? (e as Error).message));
    }
    if (response.status !== 200) {
        throw unreadable(`it answered ${response.status}`);
    }
    let metadata: { resourceManager?: unknown; authentication?: { loginEndpoint?: unknown } } | undefined;
    try {
        // The provider trims a byte order mark first.
        metadata = JSON.parse((response.bodyAsText ?? "").replace(/^\uFEFF/, ""));
    } catch {
        throw unreadable("the answer is not JSON");
    }
    const resourceManager = hostOf(metadata?.resourceManager);
    const signIn = hostOf(metadata?.authentication?.loginEndpoint);
    if (resourceManager === undefined || signIn === undefined) {
        throw unreadable("the answer names no resourceManager and authentication.loginEndpoint");
    }
    const cloud = AZURE_CLOUDS.find(
        (c) => hostOf(CLOUDS[c].resourceManager) === resourceManager && hostOf(CLOUDS[c].authorityHost) === signIn,
    );
    if (cloud === undefined) {
        const names = AZURE_CLOUDS.map((c) => CLOUDS[c].displayName);
        throw new Error(
            `${setting.from} is ${setting.value}, whose metadata describes a cloud with ARM at ${resourceManager} and sign-in at ${signIn}, ` +
                `none of ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}: the azure-native provider would deploy there, ` +
                `but the program's own Azure calls can't follow; ${USE_ENVIRONMENT}`,
        );
    }
    return cloud;
}

/**
 * These settings with the cloud of their metadata host read ({@link cloudFromMetadata}) into
 * `metadataClouds`, so every later {@link chooseCloud} follows it without a request; the settings
 * unchanged when no metadata host is set or it was read already. Call it once where the settings
 * are first read (the program's settings, a dynamic provider's `configure`, a tool's start), before
 * anything chooses a cloud.
 */
export async function discoverCloud(input: ProviderSettingsInput, options: MetadataOptions = {}): Promise<ProviderSettingsInput> {
    const setting = providerSetting(input, "metadataHost", METADATA_HOST_ENV);
    const origin = setting && metadataOrigin(setting.value);
    if (!setting || (origin !== undefined && input.metadataClouds?.[origin] !== undefined)) {
        return input;
    }
    const cloud = await cloudFromMetadata(setting, options);
    return { ...input, metadataClouds: { ...input.metadataClouds, [origin as string]: cloud } };
}
