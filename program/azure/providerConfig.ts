import { closest, ConfigError, cut, describe, ENCRYPTED_PLACEHOLDER, editDistance } from "../settingsValidation";
import type { AzureCloud } from "./cloud";

/**
 * How the azure-native provider reads one of its settings, so the program's own Azure calls read
 * them the same way: the stack's `azure-native:<key>` config when the key is set at all (even to an
 * empty value), else the environment variable; an empty value counts as unset (pulumi/pulumi-azure-native,
 * provider/pkg/provider/provider.go, `getConfig`: `if val, ok := k.config[configName]; ok { return val }`,
 * then `os.Getenv(envName)`; the callers test `!= ""` and booleans `== "true"`).
 */

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

// ---------------------------------------------------------------------------------------------
// Checking the stack's azure-native:* config

/**
 * The provider's settings as its schema declares them: the variables of @pulumi/azure-native 3.28.0's
 * `config/vars.d.ts`, generated from the provider's schema (pulumi/pulumi-azure-native,
 * provider/pkg/gen/schema.go, `Config.Variables`). The provider's `CheckConfig` accepts any key, so a
 * key outside these is silently never read.
 */
export const AZURE_NATIVE_SCHEMA_KEYS: readonly string[] = [
    "auxiliaryTenantIds",
    "clientCertificatePassword",
    "clientCertificatePath",
    "clientId",
    "clientSecret",
    "disableInstanceDiscovery",
    "disablePulumiPartnerId",
    "environment",
    "location",
    "metadataHost",
    "msiEndpoint",
    "oidcRequestToken",
    "oidcRequestUrl",
    "oidcToken",
    "oidcTokenFilePath",
    "partnerId",
    "subscriptionId",
    "tenantId",
    "useDefaultAzureCredential",
    "useMsi",
    "useOidc",
];

/**
 * Settings the provider's authentication reads by name though its schema leaves them out
 * (provider/pkg/provider/auth_azidentity.go, `readAuthConfig` and `getCloud`, commit
 * 34d8ff31867e55351b4f1c32bc8074fcb91f4fc3): the OIDC audience and a custom cloud's three endpoints.
 */
export const AZURE_NATIVE_UNDECLARED_KEYS: readonly string[] = [
    "oidcAudience",
    "activeDirectoryAuthorityHost",
    "resourceManagerAudience",
    "resourceManagerEndpoint",
];

/** Settings the provider reads `== "true"`: anything else, `True` and `1` included, is false. */
const FLAG_KEYS = ["useMsi", "useOidc", "useDefaultAzureCredential", "disableInstanceDiscovery", "disablePulumiPartnerId"];

/** Settings that are GUIDs: Entra IDs, the subscription, and the partner ID the schema calls "A GUID/UUID". */
const GUID_KEYS = ["clientId", "tenantId", "subscriptionId", "partnerId"];

/** Settings that hold credentials: plain text in a stack file would leave them unencrypted in git and in the state. */
const CREDENTIAL_KEYS = ["clientSecret", "clientCertificatePassword", "oidcToken", "oidcRequestToken"];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_RULE = "must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47";

/** Where the provider's settings are documented, for a key that is none of them. */
const SETTINGS_DOCS = "https://www.pulumi.com/registry/packages/azure-native/installation-configuration/";

/** Namespaces this close to `azure-native` are taken for typos of it (`azure-natve`, `azure-nativ`). */
const NAMESPACE_TYPO_DISTANCE = 2;

/** The IDs the stack itself is configured with, which the provider's must not contradict. */
export interface StackIds {
    /** The stack's own `tenantId`. */
    readonly tenantId?: string;
    /** The stack's own `subscriptionId`. */
    readonly subscriptionId?: string;
}

/** Why `namespace` looks like a misspelled `azure-native`, or undefined when it doesn't. */
function azureNativeLookalike(namespace: string): string | undefined {
    if (namespace === AZURE_NATIVE) {
        return undefined;
    }
    const lower = namespace.toLowerCase();
    if (lower === "azure") {
        return `is in namespace ${namespace}, the classic Azure provider's, which this project doesn't use`;
    }
    if (
        lower.replace(/[^a-z0-9]/g, "") === "azurenative" ||
        editDistance(lower, AZURE_NATIVE, NAMESPACE_TYPO_DISTANCE) <= NAMESPACE_TYPO_DISTANCE
    ) {
        return `is in namespace ${namespace}, not azure-native`;
    }
    return undefined;
}

/**
 * Every problem with the azure-native provider's own settings in a stack's config, one line each
 * naming the setting, the rule and the value (a secret's value is never echoed):
 *
 * - a key in a namespace that looks like `azure-native` (`azure-natve:`, `azurenative:`,
 *   `azure_native:`, `azure:`), which the provider never reads: a misspelled `environment` there
 *   silently deploys to the public cloud;
 * - an `azure-native:` key that is none of the provider's settings, with the closest one;
 * - a value of the wrong shape: GUIDs (`clientId`, `tenantId`, `subscriptionId`, `partnerId`, each
 *   of `auxiliaryTenantIds`), `true`/`false` flags (the provider reads anything but `true` as false),
 *   an `environment` the provider doesn't know, a `metadataHost` that is no host;
 * - a `tenantId` or `subscriptionId` that contradicts the stack's own;
 * - a credential (`clientSecret`, `clientCertificatePassword`, `oidcToken`, `oidcRequestToken`) in
 *   plain text, when `secretKeys` is known.
 *
 * `config` is the whole stack config as Pulumi hands it (qualified keys → text); `secretKeys` the
 * qualified keys passed as secrets, or undefined when unknown (nothing is then rejected for being
 * plain text); `stack` the IDs of the stack's own settings. Pure: the program and the offline tools
 * call it alike.
 */
export function azureNativeConfigProblems(
    config: Readonly<Record<string, string>>,
    secretKeys: readonly string[] | undefined,
    stack: StackIds = {},
): string[] {
    const { ENVIRONMENT_NAMES, METADATA_HOST_RULE, metadataOrigin }: typeof import("./cloud") = require("./cloud");
    const known = [...AZURE_NATIVE_SCHEMA_KEYS, ...AZURE_NATIVE_UNDECLARED_KEYS];
    const problems: string[] = [];

    for (const full of Object.keys(config)) {
        const colon = full.indexOf(":");
        if (colon < 0) {
            continue; // a key without namespace is the project's problem (settingsValidation.ts)
        }
        const namespace = full.slice(0, colon);
        const key = full.slice(colon + 1);
        if (namespace === AZURE_NATIVE) {
            if (!known.includes(key)) {
                const near = closest(key, known);
                problems.push(
                    `\`${cut(full)}\` is not a setting of the azure-native provider, which never reads it` +
                        `${near ? ` (did you mean \`${AZURE_NATIVE}:${near}\`?)` : ""}; its settings are listed at ${SETTINGS_DOCS}`,
                );
            }
            continue;
        }
        const lookalike = azureNativeLookalike(namespace);
        if (lookalike) {
            problems.push(
                `\`${cut(full)}\` ${lookalike}, so the azure-native provider never reads it (did you mean \`${AZURE_NATIVE}:${closest(key, known) ?? cut(key)}\`?)`,
            );
        }
    }

    // The values, in the schema's order; an empty value is unset to the provider, and a placeholder
    // stands for a value the offline tools can't decrypt.
    const secret = (full: string) => secretKeys?.includes(full) === true || CREDENTIAL_KEYS.includes(full.slice(AZURE_NATIVE.length + 1));
    for (const key of known) {
        const full = `${AZURE_NATIVE}:${key}`;
        const raw = config[full];
        if (raw === undefined || raw === "" || raw === ENCRYPTED_PLACEHOLDER) {
            continue;
        }
        const got = secret(full) ? "(value hidden)" : `(got ${describe(raw)})`;
        if (GUID_KEYS.includes(key) && !GUID.test(raw)) {
            problems.push(`\`${full}\` ${GUID_RULE} ${got}`);
        } else if (FLAG_KEYS.includes(key) && raw !== "true" && raw !== "false") {
            problems.push(`\`${full}\` must be true or false: the azure-native provider reads anything but true as false ${got}`);
        } else if (key === "environment" && !Object.hasOwn(ENVIRONMENT_NAMES, raw.trim().toLowerCase())) {
            problems.push(
                `\`${full}\` must be public, usgovernment or china (or an alias the azure-native provider accepts: ${Object.keys(ENVIRONMENT_NAMES).join(", ")}) ${got}`,
            );
        } else if (key === "metadataHost" && metadataOrigin(raw) === undefined) {
            problems.push(`\`${full}\` ${METADATA_HOST_RULE} ${got}`);
        } else if (key === "auxiliaryTenantIds") {
            problems.push(...auxiliaryTenantProblems(full, raw, got, secret(full)));
        }
    }

    if (secretKeys !== undefined) {
        for (const key of CREDENTIAL_KEYS) {
            const full = `${AZURE_NATIVE}:${key}`;
            const raw = config[full];
            if (raw !== undefined && raw !== "" && raw !== ENCRYPTED_PLACEHOLDER && !secretKeys.includes(full)) {
                problems.push(
                    `\`${full}\` holds credentials, so it must be set with \`pulumi config set --secret ${full} '<value>'\`: it is plain text in the stack file (value hidden)`,
                );
            }
        }
    }

    for (const key of ["tenantId", "subscriptionId"] as const) {
        const full = `${AZURE_NATIVE}:${key}`;
        const raw = config[full];
        const own = stack[key];
        if (raw && own && GUID.test(raw) && raw.toLowerCase() !== own.toLowerCase()) {
            const got = secret(full) ? "(value hidden)" : `(got ${describe(raw)})`;
            problems.push(
                `\`${full}\` must be the stack's own \`${key}\` (${own}), or the azure-native provider works in another ${key === "tenantId" ? "tenant" : "subscription"} than this stack configures ${got}`,
            );
        }
    }
    return problems;
}

/** What is wrong with `auxiliaryTenantIds`, which the provider reads as a JSON list of strings. */
function auxiliaryTenantProblems(full: string, raw: string, got: string, hidden: boolean): string[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        parsed = undefined;
    }
    if (!Array.isArray(parsed)) {
        return [
            `\`${full}\` must be a list of tenant GUIDs, which the provider reads as JSON (["72f988bf-86f1-41af-91ab-2d7cd011db47"]) ${got}`,
        ];
    }
    return parsed.flatMap((id, i) =>
        typeof id === "string" && GUID.test(id)
            ? []
            : [`\`${full}[${i}]\` ${GUID_RULE} ${hidden ? "(value hidden)" : `(got ${describe(id)})`}`],
    );
}

/**
 * Throws {@link ConfigError} with the first of {@link azureNativeConfigProblems}, saying how many
 * more there are; returns when there are none.
 */
export function checkAzureNativeConfig(
    config: Readonly<Record<string, string>>,
    secretKeys: readonly string[] | undefined,
    stack: StackIds = {},
): void {
    const [first, ...rest] = azureNativeConfigProblems(config, secretKeys, stack);
    if (first !== undefined) {
        const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
        throw new ConfigError(`${first}${more}`);
    }
}
