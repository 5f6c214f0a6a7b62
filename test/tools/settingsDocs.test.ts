import * as assert from "node:assert";
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { PROJECT_FILE, SETTINGS_DOC, settingsDocsCommand, settingsReference } from "../../tools/settingsDocs";
import { runIn } from "../support/command";

describe("the settings reference, docs/settings.md", () => {
    it("is what Pulumi.yaml's config block gives, so it never drifts from the schema", () => {
        const expected = settingsReference(fs.readFileSync(PROJECT_FILE, "utf8"));
        const actual = fs.existsSync(SETTINGS_DOC) ? fs.readFileSync(SETTINGS_DOC, "utf8") : "(missing)";
        assert.ok(actual === expected, "docs/settings.md is not what Pulumi.yaml gives: run `npm run docs:settings` and commit the result");
    });

    it("lists every key of Pulumi.yaml once, in Pulumi.yaml's order", () => {
        const project = yaml.load(fs.readFileSync(PROJECT_FILE, "utf8")) as { config: Record<string, unknown> };
        const keys = [...settingsReference(fs.readFileSync(PROJECT_FILE, "utf8")).matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
        assert.deepStrictEqual(keys, Object.keys(project.config));
    });

    it("gives each key its type, default and description, and calls a key without a default required", () => {
        const text = settingsReference(
            [
                "name: p",
                "config:",
                "  tenantId:",
                "    type: string",
                "    description: Required. The tenant.",
                "  retentionInDays:",
                "    type: integer",
                "    description: Optional. Days.",
                "    default: 30",
                "  workspaceName:",
                "    type: string",
                '    description: "Optional. Empty means log-<stack>."',
                '    default: ""',
                "  tags:",
                "    type: array",
                "    items:",
                "      type: string",
                "    description: Optional. Tags.",
                "    default: []",
                "  shortName:",
                "    type: string",
                "    description: Optional. Short.",
                "    default: ProvTeam",
            ].join("\n"),
        );
        assert.deepStrictEqual(
            text.split("\n").filter((l) => l.startsWith("| `")),
            [
                "| `tenantId` | string | required | Required. The tenant. |",
                "| `retentionInDays` | integer | `30` | Optional. Days. |",
                '| `workspaceName` | string | `""` | Optional. Empty means log-\\<stack>. |',
                "| `tags` | list of string | `[]` | Optional. Tags. |",
                "| `shortName` | string | `ProvTeam` | Optional. Short. |",
            ],
        );
    });

    it("keeps a description's pipes inside its table cell and its <placeholders> visible, code spans as written", () => {
        const text = settingsReference(
            ["config:", "  roles:", "    type: string", "    description: 'One of <Owner|Reader>; see `a <b> c`.'"].join("\n"),
        );
        assert.ok(text.includes("| `roles` | string | required | One of \\<Owner\\|Reader>; see `a <b> c`. |"), text);
    });

    it("refuses a Pulumi.yaml without a config block or a key without a description, naming what is missing", () => {
        assert.throws(() => settingsReference("name: p\n"), { message: "Pulumi.yaml has no config: block" });
        assert.throws(() => settingsReference("config:\n  a:\n    type: string\n"), {
            message: "Pulumi.yaml: config key a has no description",
        });
    });

    it("is checked by `npm run docs:settings -- --check`, which writes nothing and exits 0 while the file is current", async () => {
        const before = fs.readFileSync(SETTINGS_DOC, "utf8");
        assert.deepStrictEqual(await runIn(settingsDocsCommand, ["--check"]), { code: 0, out: "", err: "" });
        assert.strictEqual(fs.readFileSync(SETTINGS_DOC, "utf8"), before);
    });

    it("rejects an unknown argument with one line and exit code 2", async () => {
        const result = await runIn(settingsDocsCommand, ["--write"]);
        assert.deepStrictEqual(result, {
            code: 2,
            out: "",
            err: "error: unknown argument --write; usage: npm run docs:settings [-- --check]\n",
        });
    });
});
