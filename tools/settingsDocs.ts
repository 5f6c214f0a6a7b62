/**
 * `npm run docs:settings [-- --check]`: docs/settings.md, the settings reference, generated from
 * Pulumi.yaml's `config:` block, the schema of record: each key with its type, default and
 * description, in Pulumi.yaml's order. Without flags it writes the file; `--check` writes nothing and
 * exits 1 when the file is not what Pulumi.yaml gives. test/tools/settingsDocs.test.ts holds the file
 * to Pulumi.yaml.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, type CommandSpec, EXIT_CODES, parseFlags, runAsMain } from "./cli";
import { loadUserYaml, PROJECT_DIR } from "./stackFiles";

/** The generated reference. */
export const SETTINGS_DOC = path.join(PROJECT_DIR, "docs", "settings.md");

/** The project file it is generated from. */
export const PROJECT_FILE = path.join(PROJECT_DIR, "Pulumi.yaml");

const SPEC: CommandSpec<never, "check"> = {
    usage: "npm run docs:settings [-- --check]",
    about: "Writes docs/settings.md, the settings reference, from Pulumi.yaml's config: block (each key's type, default and description).",
    values: {},
    switches: { check: "Write nothing; exit 1 when docs/settings.md is not what Pulumi.yaml gives." },
};

/** One key of Pulumi.yaml's `config:` block, as the Pulumi CLI reads it. */
interface Declaration {
    readonly type?: unknown;
    readonly items?: { readonly type?: unknown };
    readonly default?: unknown;
    readonly description?: unknown;
    readonly secret?: unknown;
}

/** What the reference says before the table. It states rules of program/, so keep it true to them. */
const INTRO = `# Settings

Every setting of a stack, as [\`Pulumi.yaml\`](../Pulumi.yaml) declares it (type, default,
description), in its order. \`Pulumi.<stack>.yaml\` holds only values: set one with
\`pulumi config set <key> <value>\`, a list entry with \`pulumi config set --path '<key>[0]' <value>\`.

Nothing is silently ignored: a key the project doesn't declare (with "did you mean"), a key in a
mistyped namespace (\`entra-provisioning-log:protectData\`), a value of the wrong type or out of range,
a duplicate tag, category, receiver, app or override, a \`location\` that is not a region of the stack's
cloud, a credential in plain text, or a required key the offline tools can't decrypt each stop the run
with one line naming the setting, the rule and the value (long values cut). The rules beyond type are
in \`program/\` (\`settings.ts\`, \`alertSettings.ts\`, \`regions.ts\`, \`azureNativeConfig.ts\`); the table of
valid and invalid settings the tests run is \`test/bench/settings.ts\`.

Names derived from the stack name always fit Azure's limits: \`<prefix>-<stack>\` when that is a valid
name, otherwise shortened and ended with a short hash of the stack name (\`contoso-prod\` gets the
dashboard \`provisioning-cont-c939fd\`).

Rules the descriptions below leave out (\`program/settings.ts\`, \`program/alertSettings.ts\`):

- \`resourceGroupName\`: 1-90 letters, digits, \`-\`, \`_\`, \`.\`, \`(\` or \`)\`, not ending in \`.\`;
  \`diagnosticSettingName\` and \`adoptDiagnosticSetting\`: letters, digits, \`-\`, \`_\` or \`.\`, starting
  with a letter or digit. With \`adoptDiagnosticSetting\`, \`diagnosticSettingName\` is empty or that name.
- \`provisioningLogsTotalRetentionInDays\`: above 730, a whole number of years (1095, 1460, 1826, 2191,
  2556, 2922, 3288, 3653, 4018 or 4383), and never below the table's interactive retention.
- \`allowRetentionDecrease\`: without it, the table's resource refuses to lower the \`AADProvisioningLogs\`
  interactive or total retention, naming the table and the old and new values.
- \`diagnosticLogCategories\`: Entra ID log categories, each once; \`diagnosticSettingDestinations\`:
  each name once, and \`eventHubName\` only with \`eventHubAuthorizationRuleId\`.
- \`tags\`: at most 50; a name of at most 512 characters without \`< > % & \\ ? /\`, a value of at most
  256; a name given twice, in any case, is rejected (Azure tag names ignore case).
- \`alertApps\`, \`alertSilentApps\`: names or job IDs of 1-256 characters, each once; a receiver or an
  \`alertOverrides\` rule setting given twice is rejected.

Alert tuning (\`alertOverrides\`) is explained in [alerts.md](alerts.md); an existing workspace or
diagnostic setting (\`existingWorkspaceId\`, \`adoptDiagnosticSetting\`) in [brownfield.md](brownfield.md).
`;

/** A declaration's type as a reader says it: `string`, `list of string`. */
function typeOf(key: string, d: Declaration): string {
    if (typeof d.type !== "string") {
        throw new Error(`Pulumi.yaml: config key ${key} has no type`);
    }
    const type = d.type === "array" ? `list of ${typeof d.items?.type === "string" ? d.items.type : "values"}` : d.type;
    return d.secret === true ? `${type}, secret` : type;
}

/** A default as a code span; a key without one is required. */
function defaultOf(d: Declaration): string {
    if (d.default === undefined) {
        return "required";
    }
    const text = typeof d.default === "string" && d.default !== "" ? d.default : JSON.stringify(d.default);
    return `\`${text}\``;
}

/**
 * Text for a table cell: every `|` escaped (GitHub splits cells before it reads code spans), and
 * outside code spans `<` escaped so that `<stack>` shows as written rather than as an HTML tag.
 */
function cell(text: string): string {
    return text
        .split(/(`[^`]*`)/)
        .map((part, i) => (i % 2 === 1 ? part : part.replace(/\\/g, "\\\\").replace(/</g, "\\<")))
        .join("")
        .replace(/\|/g, "\\|")
        .replace(/\s*\n\s*/g, " ");
}

/** docs/settings.md for the text of a Pulumi.yaml: pure, so a test compares it with the file. */
export function settingsReference(pulumiYamlText: string): string {
    const project = loadUserYaml(pulumiYamlText, "Pulumi.yaml") as { config?: unknown } | undefined;
    const config = project?.config;
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new Error("Pulumi.yaml has no config: block");
    }
    const rows = Object.entries(config as Record<string, Declaration>).map(([key, d]) => {
        if (typeof d?.description !== "string" || d.description.trim() === "") {
            throw new Error(`Pulumi.yaml: config key ${key} has no description`);
        }
        return `| \`${key}\` | ${typeOf(key, d)} | ${defaultOf(d)} | ${cell(d.description.trim())} |`;
    });
    return [
        "<!-- Generated from Pulumi.yaml by `npm run docs:settings`: edit the descriptions there, then run it. -->",
        "",
        INTRO,
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
        ...rows,
        "",
    ].join("\n");
}

export const settingsDocsCommand: Command = async (argv, io) => {
    const { switches } = parseFlags(argv, SPEC);
    const expected = settingsReference(fs.readFileSync(PROJECT_FILE, "utf8"));
    const current = fs.existsSync(SETTINGS_DOC) ? fs.readFileSync(SETTINGS_DOC, "utf8") : undefined;
    const shown = path.relative(process.cwd(), SETTINGS_DOC) || SETTINGS_DOC;
    if (switches.check) {
        if (current === expected) {
            return EXIT_CODES.ok;
        }
        io.err(`${shown} is not what Pulumi.yaml gives: run \`npm run docs:settings\``);
        return EXIT_CODES.findings;
    }
    if (current !== expected) {
        fs.mkdirSync(path.dirname(SETTINGS_DOC), { recursive: true });
        fs.writeFileSync(SETTINGS_DOC, expected);
        io.out(`${shown} written from Pulumi.yaml`);
    } else {
        io.out(`${shown} is up to date`);
    }
    return EXIT_CODES.ok;
};

if (require.main === module) {
    runAsMain(settingsDocsCommand);
}
