import * as fs from "fs";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/**
 * How stack settings are validated, shared by the program (config.ts) and the CI bootstrap: the
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
    /** Secret keys are never echoed back in messages. */
    readonly secret?: boolean;
}

/** The `config:` block of a Pulumi.yaml: declared keys, their types and defaults. */
export function projectConfigSchema(projectFile: string): Record<string, Declaration> {
    const project = yaml.load(fs.readFileSync(projectFile, "utf8")) as { config?: Record<string, Declaration> };
    return project.config ?? {};
}

export function describe(value: unknown): string {
    return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

/** Turns the raw text Pulumi hands the program into the declared type, or says why it can't. */
function coerce(key: string, declared: Declaration, raw: string): unknown {
    switch (declared.type) {
        case "string":
            return raw;
        case "integer":
            if (!/^-?\d+$/.test(raw.trim())) {
                throw new ConfigError(`\`${key}\` must be a whole number (got ${describe(raw)})`);
            }
            return Number(raw);
        case "boolean":
            if (!/^(true|false)$/.test(raw.trim())) {
                throw new ConfigError(`\`${key}\` must be true or false (got ${describe(raw)})`);
            }
            return raw.trim() === "true";
        case "array": {
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch {
                throw new ConfigError(`\`${key}\` must be a list (got ${describe(raw)})`);
            }
            if (!Array.isArray(parsed)) {
                throw new ConfigError(`\`${key}\` must be a list (got ${describe(parsed)})`);
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

/**
 * Validates raw configuration (key → text, as Pulumi passes it) against the declarations and the
 * schema. Throws {@link ConfigError} with one line for the first problem found.
 */
export function validateSettings<T>(
    raw: Readonly<Record<string, string>>,
    declarations: Record<string, Declaration>,
    schema: z.ZodType<T>,
): T {
    for (const key of Object.keys(raw)) {
        if (!(key in declarations)) {
            const known = Object.keys(declarations).find((k) => k.toLowerCase() === key.toLowerCase());
            throw new ConfigError(
                `\`${key}\` is not a setting of this project${known ? ` (did you mean \`${known}\`?)` : ""}; the settings are listed in Pulumi.yaml`,
            );
        }
    }
    const typed: Record<string, unknown> = {};
    for (const [key, declared] of Object.entries(declarations)) {
        if (raw[key] !== undefined) {
            typed[key] = coerce(key, declared, raw[key]);
        } else if (declared.default !== undefined) {
            typed[key] = declared.default;
        } else {
            throw new ConfigError(`\`${key}\` is required: set it with \`pulumi config set ${key} <value>\``);
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

/** `given`, or `<prefix>-<stack>` when empty, which must then follow `rule` too. */
export function derivedName(given: string, prefix: string, stack: string, key: string, rule: RegExp): string {
    if (given !== "") {
        return given;
    }
    const name = `${prefix}-${stack}`;
    if (!rule.test(name)) {
        throw new ConfigError(`\`${key}\` derived from the stack name is not a valid name (got ${describe(name)}); set \`${key}\` explicitly`);
    }
    return name;
}

/** The settings of `project` in a stack's config (qualified keys → text), without the namespace. */
export function projectSettings(config: Readonly<Record<string, string>>, project: string): Record<string, string> {
    const prefix = `${project}:`;
    return Object.fromEntries(
        Object.entries(config)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
}

/** This project's settings as Pulumi hands them to the program: key (without namespace) → text. */
export function readProjectConfig(): Record<string, string> {
    return projectSettings(pulumi.runtime.allConfig(), pulumi.getProject());
}
