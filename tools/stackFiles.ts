import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { UsageError } from "./cli";

/**
 * The one reader of a project's stack files (`Pulumi.<stack>.yaml`) for the tools that run without
 * the Pulumi CLI: the offline plan and checks, `verify`, and the bootstrap's plan.
 */

/** The folder of the main program (Pulumi.yaml, index.ts). */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The bootstrap program's folder. */
export const BOOTSTRAP_DIR = path.join(PROJECT_DIR, "bootstrap");

/**
 * The environment variable naming the folder the tools read stack files from, laid out as the
 * repository is: the main program's `Pulumi.<stack>.yaml` at its top, the bootstrap's in
 * `bootstrap/`. Unset, they are the projects' own folders, as for the Pulumi CLI. The tests set it
 * to test/fixtures/stacks, so what they assert about the example stacks holds whatever stack files
 * a user adds, edits or removes.
 */
export const STACKS_DIR_VARIABLE = "ENTRA_LOGS_STACKS_DIR";

/**
 * Where the tools read the stack files of the program in `programDir` (the main one by default).
 * Only the two programs a user deploys are redirected; an example's stack files are its own.
 */
export function stacksDir(programDir = PROJECT_DIR): string {
    const root = process.env[STACKS_DIR_VARIABLE];
    const program = path.resolve(programDir);
    if (!root || (program !== PROJECT_DIR && program !== BOOTSTRAP_DIR)) {
        return programDir;
    }
    return path.resolve(root, path.relative(PROJECT_DIR, program));
}

/** The `name` of the Pulumi.yaml in `dir`. */
export function projectName(dir = PROJECT_DIR): string {
    const file = path.join(dir, "Pulumi.yaml");
    const project = loadUserYaml(fs.readFileSync(file, "utf8"), shownPath(file)) as { name: string };
    return project.name;
}

/**
 * YAML (or JSON) from a user's file, `shown` naming it; a syntax error is a usage error naming the
 * file, line and column, worded as tools/engine/cliConfig.ts words the engine's: `Pulumi.prod.yaml:3:5: invalid YAML: <reason>`.
 */
export function loadUserYaml(text: string, shown: string): unknown {
    try {
        return yaml.load(text, { filename: shown });
    } catch (e) {
        if (e instanceof yaml.YAMLException) {
            throw new UsageError(`${shown}:${e.mark.line + 1}:${e.mark.column + 1}: invalid YAML: ${e.reason}`);
        }
        throw e;
    }
}

/** A file as the messages name it: relative to the project when it is inside, as the engine's reader shows it. */
function shownPath(file: string): string {
    const relative = path.relative(PROJECT_DIR, path.resolve(file));
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** Names of the stacks that have a `Pulumi.<stack>.yaml` in `dir`. */
export function stackNames(dir = stacksDir()): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A stack the tools were asked for has no stack file: a user error, one line. */
export class UnknownStackError extends UsageError {
    constructor(message: string) {
        super(message);
        this.name = "UnknownStackError";
    }
}

/** A stack's configuration as the Pulumi CLI hands it to a program. */
export interface StackConfig {
    /** Fully qualified keys (`project:key`) → text; structured values as JSON. */
    readonly config: Record<string, string>;
    /** Keys whose values are encrypted in the file: they need the passphrase, so they are left out. */
    readonly encrypted: string[];
    /** The file's `config:` block as written, encrypted (`secure:`) values in place. */
    readonly file: Readonly<Record<string, unknown>>;
    /** Pulumi ESC environments the stack imports (`environment:`): their values need Pulumi Cloud, so the tools can't read them. */
    readonly environments: string[];
}

/**
 * Reads a stack's configuration from `Pulumi.<stack>.yaml` in `dir`, or from `file` when given (as
 * `pulumi --config-file` does). Encrypted values are left out and listed: the tools have no passphrase.
 */
export function readStackConfig(stack: string, options: { dir?: string; file?: string } = {}): StackConfig {
    const dir = options.dir ?? stacksDir();
    const file = options.file ?? path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new UnknownStackError(
            options.file ? `no stack file ${file}` : `no stack file ${path.basename(file)}; the stacks are: ${stackNames(dir).join(", ")}`,
        );
    }
    const doc = (loadUserYaml(fs.readFileSync(file, "utf8"), shownPath(file)) ?? {}) as {
        config?: Record<string, unknown>;
        environment?: unknown;
    };
    const config: Record<string, string> = {};
    const encrypted: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        // A secure value, or a list or map with encrypted members (pulumi config set --secret --path).
        if (JSON.stringify(value).includes('"secure":')) {
            encrypted.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    const environments = Array.isArray(doc.environment)
        ? doc.environment.map(String)
        : typeof doc.environment === "string"
          ? [doc.environment]
          : [];
    return { config, encrypted, file: doc.config ?? {}, environments };
}
