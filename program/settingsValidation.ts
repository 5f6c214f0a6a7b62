import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/**
 * How stack settings are validated, shared by the program (settings.ts) and the CI bootstrap: the
 * project's Pulumi.yaml declares keys, types and defaults; a zod schema adds the rules Azure
 * enforces; the first problem becomes one line naming the setting, the rule and the value.
 */

/** A user error in stack configuration: one line naming the setting, the rule and the value. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

type DeclaredType = "string" | "integer" | "boolean" | "array";
/** A key declared in Pulumi.yaml's `config:` block. */
export interface Declaration {
    readonly type: DeclaredType;
    readonly default?: unknown;
    /** Secret keys must be set with `--secret` and are never echoed back in messages. */
    readonly secret?: boolean;
}

/** The `config:` block of a Pulumi.yaml: declared keys, their types and defaults. */
export function projectConfigSchema(projectFile: string): Record<string, Declaration> {
    const project = yaml.load(fs.readFileSync(projectFile, "utf8")) as { config?: Record<string, Declaration> };
    return project.config ?? {};
}

/** The declarations with `keys` marked secret (for keys Pulumi.yaml can't declare `secret: true`, see Pulumi.yaml). */
export function withSecretKeys(declarations: Record<string, Declaration>, keys: readonly string[]): Record<string, Declaration> {
    return Object.fromEntries(Object.entries(declarations).map(([k, d]) => [k, keys.includes(k) ? { ...d, secret: true } : d]));
}

/** Longest echo of a text value; a list or map may run longer, its length often being the point. */
const ECHO_TEXT_MAX = 80;
const ECHO_JSON_MAX = 160;

/** Text cut to `max` characters, saying how long it was: `aaaa… (10000 characters)`. */
export function cut(text: string, max = ECHO_TEXT_MAX): string {
    const chars = [...text];
    return chars.length <= max ? text : `${chars.slice(0, max).join("")}… (${chars.length} characters)`;
}

/** A value as messages echo it: JSON, cut to a readable length, e.g. `"aaaa…" (10000 characters)`. */
export function describe(value: unknown): string {
    if (typeof value === "string") {
        const chars = [...value];
        return chars.length <= ECHO_TEXT_MAX
            ? JSON.stringify(value)
            : `${JSON.stringify(chars.slice(0, ECHO_TEXT_MAX).join("")).slice(0, -1)}…" (${chars.length} characters)`;
    }
    return cut(JSON.stringify(value) ?? String(value), ECHO_JSON_MAX);
}

/** Levenshtein distance, case-sensitive; stops counting past `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
    if (Math.abs(a.length - b.length) > max) {
        return max + 1;
    }
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        if (Math.min(...current) > max) {
            return max + 1;
        }
        previous = current;
    }
    return previous[b.length];
}

/** The candidate closest to `text` ignoring case, within `max` edits; the first of equals. */
export function closest(text: string, candidates: readonly string[], max = 3): string | undefined {
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(text.toLowerCase(), candidate.toLowerCase(), max);
        if (distance <= max && (best === undefined || distance < best.distance)) {
            best = { candidate, distance };
        }
    }
    return best?.candidate;
}

/** Turns the raw text Pulumi hands the program into the declared type, or says why it can't. */
function coerce(key: string, declared: Declaration, raw: string): unknown {
    const got = declared.secret ? "(value hidden)" : `(got ${describe(raw)})`;
    switch (declared.type) {
        case "string":
            return raw;
        case "integer":
            if (!/^-?\d+$/.test(raw.trim())) {
                throw new ConfigError(`\`${key}\` must be a whole number ${got}`);
            }
            return Number(raw);
        case "boolean":
            if (!/^(true|false)$/.test(raw.trim())) {
                throw new ConfigError(`\`${key}\` must be true or false ${got}`);
            }
            return raw.trim() === "true";
        case "array": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                throw new ConfigError(`\`${key}\` must be a list ${got}`);
            }
            if (!Array.isArray(parsed)) {
                throw new ConfigError(`\`${key}\` must be a list ${declared.secret ? got : `(got ${describe(parsed)})`}`);
            }
            return parsed;
        }
    }
}

function valueAt(input: unknown, pathParts: readonly PropertyKey[]): unknown {
    return pathParts.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k], input);
}

function settingName(pathParts: readonly PropertyKey[]): string {
    return pathParts.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), "");
}

/** What a run knows about how its settings were given, besides their text. Keys without namespace. */
export interface ConfigSource {
    /**
     * The settings Pulumi passed as secrets (`pulumi config set --secret`). Undefined when unknown:
     * nothing is then rejected for being plain text. The offline tools pass `[]`: what they can read
     * of a stack file is plain text.
     */
    readonly secretKeys?: readonly string[];
    /** Settings encrypted in the stack file that this run can't decrypt (the offline tools have no passphrase). */
    readonly encryptedKeys?: readonly string[];
}

function isEmpty(value: unknown): boolean {
    return value === "" || (Array.isArray(value) && value.length === 0);
}

/**
 * Validates raw configuration (key → text, as Pulumi passes it) against the declarations and the
 * schema. Throws {@link ConfigError} with one line for the first problem found.
 */
export function validateSettings<T>(
    raw: Readonly<Record<string, string>>,
    declarations: Record<string, Declaration>,
    schema: z.ZodType<T>,
    source: ConfigSource = {},
): T {
    for (const key of Object.keys(raw)) {
        if (!(key in declarations)) {
            const known = closest(key, Object.keys(declarations));
            throw new ConfigError(
                `\`${cut(key)}\` is not a setting of this project${known ? ` (did you mean \`${known}\`?)` : ""}; the settings are listed in Pulumi.yaml`,
            );
        }
    }
    const typed: Record<string, unknown> = {};
    for (const [key, declared] of Object.entries(declarations)) {
        if (raw[key] !== undefined) {
            typed[key] = coerce(key, declared, raw[key]);
        } else if (source.encryptedKeys?.includes(key) && declared.default === undefined) {
            throw new ConfigError(
                `\`${key}\` is encrypted in the stack file: run with the passphrase (pulumi preview), ` +
                    `or set it in plain text (pulumi config set ${key} <value>) for the offline tools, which can't decrypt it`,
            );
        } else if (declared.default !== undefined) {
            typed[key] = declared.default;
        } else {
            throw new ConfigError(`\`${key}\` is required: set it with \`pulumi config set ${key} <value>\``);
        }
    }
    for (const [key, declared] of Object.entries(declarations)) {
        // A credential in plain text sits in the stack file and the state unencrypted: never accept it.
        if (
            declared.secret &&
            source.secretKeys !== undefined &&
            raw[key] !== undefined &&
            !source.secretKeys.includes(key) &&
            !isEmpty(typed[key])
        ) {
            // Setting one entry --secret would leave the others plain under a key Pulumi then calls secret.
            throw new ConfigError(
                declared.type === "array"
                    ? `\`${key}\` holds credentials but is set in plain text (value hidden): run \`pulumi config rm ${key}\`, ` +
                          `then \`pulumi config set --secret --path '${key}[0]' '<value>'\` for each entry ([0], [1], …)`
                    : `\`${key}\` holds credentials but is set in plain text (value hidden): run \`pulumi config set --secret ${key} '<value>'\``,
            );
        }
    }
    const result = schema.safeParse(typed);
    if (!result.success) {
        const [first, ...rest] = result.error.issues;
        const hidden = declarations[String(first.path[0])]?.secret === true;
        const got = hidden ? "(value hidden)" : `(got ${describe(valueAt(typed, first.path))})`;
        const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
        throw new ConfigError(`\`${settingName(first.path)}\` ${first.message} ${got}${more}`);
    }
    return result.data;
}

/** What a name derived from the stack must look like. */
export interface NameRule {
    /** The whole name must match it. */
    readonly pattern: RegExp;
    readonly maxLength: number;
    /** Characters of the stack name a derived name may keep; others become '-'. */
    readonly keep: RegExp;
}

/** Length of the stack-name hash a shortened derived name ends with. */
const NAME_HASH_LENGTH = 6;

/**
 * `given`, or a name derived from the stack: `<prefix>-<stack>` when that is valid (so existing stacks
 * keep their names), otherwise `<prefix>-<stack, shortened and cleaned>-<hash of the full stack name>`,
 * which fits any stack name and never collides for two stacks.
 */
export function derivedName(given: string, prefix: string, stack: string, key: string, rule: NameRule): string {
    if (given !== "") {
        return given;
    }
    const plain = `${prefix}-${stack}`;
    if (rule.pattern.test(plain)) {
        return plain;
    }
    const hash = crypto.createHash("sha256").update(stack).digest("hex").slice(0, NAME_HASH_LENGTH);
    const room = Math.max(rule.maxLength - prefix.length - hash.length - 2, 0);
    const part = [...stack]
        .map((c) => (rule.keep.test(c) ? c : "-"))
        .join("")
        .slice(0, room)
        .replace(/[^A-Za-z0-9]+$/, "");
    const name = part ? `${prefix}-${part}-${hash}` : `${prefix}-${hash}`;
    if (!rule.pattern.test(name)) {
        // Only a rule with no room for the prefix and the hash gets here: a bug, not a user error.
        throw new Error(`\`${key}\` derived from the stack name is not a valid name (got ${describe(name)})`);
    }
    return name;
}

/** Keys in a namespace this close to the project's are taken for typos of it. */
const NAMESPACE_TYPO_DISTANCE = 3;

/**
 * Rejects config keys the project would silently never read: a key without namespace (a bare
 * `protectData:` in a stack file), or one in a namespace within a few edits or a case change of the
 * project's (`entra-provisioning-log:protectData`). Other namespaces (`azure-native:`, `azuread:`,
 * `pulumi:`) are the providers' and stay allowed. Pure: the program calls it on
 * `pulumi.runtime.allConfig()`'s keys, the offline tools on a stack file's keys.
 */
export function checkConfigNamespaces(qualifiedKeys: readonly string[], project: string, settings: readonly string[] = []): void {
    const suggest = (name: string) => `\`${project}:${closest(name, settings) ?? cut(name)}\``;
    for (const full of qualifiedKeys) {
        const colon = full.indexOf(":");
        if (colon < 0) {
            throw new ConfigError(`\`${cut(full)}\` has no namespace, so this project never reads it (did you mean ${suggest(full)}?)`);
        }
        const namespace = full.slice(0, colon);
        if (namespace === project) {
            continue;
        }
        if (editDistance(namespace.toLowerCase(), project.toLowerCase(), NAMESPACE_TYPO_DISTANCE) <= NAMESPACE_TYPO_DISTANCE) {
            throw new ConfigError(
                `\`${cut(full)}\` is in namespace ${namespace}, not this project's ${project}, so this project never reads it ` +
                    `(did you mean ${suggest(full.slice(colon + 1))}?)`,
            );
        }
    }
}

/** A YAML value is `{ secure: "…" }`: encrypted with the stack's secrets provider. */
function isSecureValue(value: unknown): boolean {
    return (
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.keys(value).length === 1 &&
        typeof (value as { secure?: unknown }).secure === "string"
    );
}

/** Path of the first plain-text value (not `{ secure: … }`, not empty) in a stack file value, if any. */
function firstPlainValue(value: unknown, at: string): string | undefined {
    if (value === undefined || value === null || value === "" || isSecureValue(value)) {
        return undefined;
    }
    if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) {
            const found = firstPlainValue(v, `${at}[${i}]`);
            if (found) {
                return found;
            }
        }
        return undefined;
    }
    if (typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            const found = firstPlainValue(v, `${at}.${k}`);
            if (found) {
                return found;
            }
        }
        return undefined;
    }
    return at;
}

/**
 * Rejects plain text under a setting that holds credentials in a stack file: a whole plain list,
 * or one plain entry in a list set partly with `--secret` (Pulumi then marks the whole key secret,
 * so the program can't tell). `fileConfig` is the stack file's `config:` map as written: qualified
 * keys → YAML values, `{ secure: … }` for encrypted ones. Pure: for the offline tools.
 */
export function checkStackFileSecrets(
    fileConfig: Readonly<Record<string, unknown>>,
    project: string,
    secretSettings: readonly string[],
): void {
    for (const setting of secretSettings) {
        const plain = firstPlainValue(fileConfig[`${project}:${setting}`], setting);
        if (plain) {
            throw new ConfigError(
                `\`${plain}\` holds credentials but is plain text in the stack file (value hidden): set it with ` +
                    `\`pulumi config set --secret --path '${plain}' '<value>'\``,
            );
        }
    }
}

/**
 * The settings of `project` in a stack's config (qualified keys → text), without the namespace;
 * first rejects keys meant for the project but outside its namespace ({@link checkConfigNamespaces}).
 */
export function projectSettings(
    config: Readonly<Record<string, string>>,
    project: string,
    settings: readonly string[] = [],
): Record<string, string> {
    checkConfigNamespaces(Object.keys(config), project, settings);
    const prefix = `${project}:`;
    return Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
}

/**
 * The value the offline tools give a setting encrypted in the stack file, as the Pulumi CLI would
 * give its decrypted text: the program then says it can't be read instead of using a default or
 * calling it missing. See {@link withEncryptedPlaceholders}.
 */
export const ENCRYPTED_PLACEHOLDER = "[encrypted in the stack file: no passphrase offline]";

/** `config` with a placeholder for each of `project`'s keys in `encrypted` (qualified keys), for `pulumi.runtime.setAllConfig`. */
export function withEncryptedPlaceholders(
    config: Readonly<Record<string, string>>,
    encrypted: readonly string[],
    project: string,
): Record<string, string> {
    return {
        ...config,
        ...Object.fromEntries(encrypted.filter((k) => k.startsWith(`${project}:`)).map((k) => [k, ENCRYPTED_PLACEHOLDER])),
    };
}

/** A stack's config as a run sees it, before validation. */
export interface StackConfigInput {
    /** Fully qualified keys (`namespace:key`) → text, as `pulumi.runtime.allConfig()` returns them. */
    readonly config: Readonly<Record<string, string>>;
    /** Qualified keys passed as secrets; undefined when unknown (nothing is then rejected for being plain text). */
    readonly secretKeys?: readonly string[];
    /** Qualified keys encrypted in the stack file that this run can't decrypt. */
    readonly encryptedKeys?: readonly string[];
}

/** This project's settings (key without namespace → text) and how they were given, from a stack's config. */
export function projectConfigFrom(
    input: StackConfigInput,
    project: string,
    settings: readonly string[] = [],
): { raw: Record<string, string>; source: ConfigSource } {
    const all = projectSettings(input.config, project, settings);
    const unqualified = (keys: readonly string[] | undefined) =>
        keys?.filter((k) => k.startsWith(`${project}:`)).map((k) => k.slice(project.length + 1));
    const placeholders = Object.keys(all).filter((k) => all[k] === ENCRYPTED_PLACEHOLDER);
    const raw = Object.fromEntries(Object.entries(all).filter(([k]) => !placeholders.includes(k)));
    const encryptedKeys = [...new Set([...(unqualified(input.encryptedKeys) ?? []), ...placeholders])];
    const secretKeys = unqualified(input.secretKeys);
    return { raw, source: { ...(secretKeys ? { secretKeys } : {}), ...(encryptedKeys.length > 0 ? { encryptedKeys } : {}) } };
}

/** The runtime's own record of which config keys were passed as secrets (internal to @pulumi/pulumi, so probed). */
function runtimeSecretKeys(keys: readonly string[]): string[] | undefined {
    const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    return typeof isSecret === "function" ? keys.filter((k) => isSecret(k)) : undefined;
}

/** The stack's config as Pulumi hands it to the program: every key, and which are secret. */
export function runtimeConfig(): StackConfigInput {
    const config = pulumi.runtime.allConfig();
    const secretKeys = runtimeSecretKeys(Object.keys(config));
    return { config, ...(secretKeys ? { secretKeys } : {}) };
}

/** This project's settings as Pulumi hands them to the program: key (without namespace) → text. */
export function readProjectConfig(settings: readonly string[] = []): Record<string, string> {
    return projectSettings(pulumi.runtime.allConfig(), pulumi.getProject(), settings);
}
