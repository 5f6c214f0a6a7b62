/**
 * How the azure-native provider reads one of its settings, so the program's own Azure calls read
 * them the same way: the stack's `azure-native:<key>` config when the key is set at all (even to an
 * empty value), else the environment variable; an empty value counts as unset (pulumi/pulumi-azure-native,
 * provider/pkg/provider/provider.go, `getConfig`: `if val, ok := k.config[configName]; ok { return val }`,
 * then `os.Getenv(envName)`; the callers test `!= ""` and booleans `== "true"`).
 */

/** Copied by value into the serialized dynamic providers wherever the package is installed (see dependencies.ts). */
export const deploymentOnlyModule = true;

/** The clouds, named as `az cloud list` names them. */
export const AZURE_CLOUDS = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"] as const;
export type AzureCloud = (typeof AZURE_CLOUDS)[number];

/** Environment variables, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The namespace of the provider's stack config. */
export const AZURE_NATIVE = "azure-native";

/** What the provider's settings are read from. */
export interface ProviderSettingsInput {
    /** The stack's config, qualified keys (`azure-native:clientId`) → text; other keys are ignored. */
    readonly config?: Readonly<Record<string, string | undefined>>;
    /** The environment. Defaults to none (tests); the program passes `process.env`. */
    readonly env?: Env;
    /**
     * Qualified keys the stack sets but the caller can't read: encrypted in the stack file, for the
     * offline tools, which have no passphrase. Reading one takes its environment variable as a
     * stand-in, or fails saying so.
     */
    readonly unreadable?: readonly string[];
    /**
     * The cloud each metadata host describes, by its https origin, as `discoverCloud` (cloud.ts) read
     * it: how `chooseCloud`, which makes no request, follows `azure-native:metadataHost`. Plain data,
     * so it travels with the rest of these settings into a dynamic provider.
     */
    readonly metadataClouds?: Readonly<Record<string, AzureCloud>>;
}

/** A setting's value and where it came from, for messages: `azure-native:clientId` or `ARM_CLIENT_ID`. */
export interface ProviderSetting {
    readonly value: string;
    readonly from: string;
}

/**
 * The provider's setting `key` (read from `azure-native:<key>`, else `envName`), or undefined when
 * unset or empty.
 */
export function providerSetting(input: ProviderSettingsInput, key: string, envName: string): ProviderSetting | undefined {
    const qualified = `${AZURE_NATIVE}:${key}`;
    if (input.unreadable?.includes(qualified)) {
        const standIn = input.env?.[envName];
        if (!standIn) {
            throw new Error(
                `${qualified} is encrypted in the stack file and can't be read here (no passphrase): set ${envName} to its value for this run ` +
                    `(pulumi config get ${qualified} prints it), or run through the Pulumi CLI`,
            );
        }
        return { value: standIn, from: envName };
    }
    if (input.config && Object.hasOwn(input.config, qualified) && input.config[qualified] !== undefined) {
        const value = input.config[qualified] as string;
        return value === "" ? undefined : { value, from: qualified };
    }
    const value = input.env?.[envName];
    return value ? { value, from: envName } : undefined;
}

/** A boolean setting: true only when its text is exactly `true`, as the provider compares it. */
export function providerFlag(input: ProviderSettingsInput, key: string, envName: string): ProviderSetting | undefined {
    const setting = providerSetting(input, key, envName);
    return setting?.value === "true" ? setting : undefined;
}

/**
 * The provider's keys the program reads (credential and cloud). A dynamic provider copies these from
 * the stack config Pulumi hands its `configure`; nothing else of the stack's config is kept.
 */
export const AZURE_NATIVE_KEYS: readonly string[] = [
    "clientId",
    "tenantId",
    "subscriptionId",
    "clientSecret",
    "clientCertificatePath",
    "clientCertificatePassword",
    "useOidc",
    "oidcToken",
    "oidcTokenFilePath",
    "oidcRequestUrl",
    "oidcRequestToken",
    "oidcAudience",
    "useMsi",
    "useDefaultAzureCredential",
    "disableInstanceDiscovery",
    "environment",
    "metadataHost",
    "activeDirectoryAuthorityHost",
    "resourceManagerAudience",
    "resourceManagerEndpoint",
];

/**
 * The provider's settings among a whole stack config, by qualified key: what Pulumi hands a dynamic
 * provider's `configure` (`get` of a qualified key). None when there is no config to read (an engine
 * that configures dynamic providers with nothing): the environment alone then decides.
 */
export function azureNativeConfig(config: { get(key: string): unknown } | undefined): Record<string, string> {
    const picked: Record<string, string> = {};
    for (const key of AZURE_NATIVE_KEYS) {
        let value: unknown;
        try {
            value = config?.get(`${AZURE_NATIVE}:${key}`);
        } catch {
            value = undefined;
        }
        if (value !== undefined && value !== null) {
            // The engine may hand typed values (`useOidc: true`); the provider reads their text.
            picked[`${AZURE_NATIVE}:${key}`] =
                typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
        }
    }
    return picked;
}
