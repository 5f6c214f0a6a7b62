import { ENVIRONMENT_NAMES, METADATA_HOST_RULE, metadataOrigin } from "../components/azure/cloud";
import { AZURE_NATIVE } from "../components/azure/providerConfig";
import { closest, ConfigError, cut, describe, ENCRYPTED_PLACEHOLDER, editDistance } from "./settingsValidation";

/*
 * Checking the stack's azure-native:* config: the keys the provider reads, their types and typos.
 */

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
