import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { planCommand } from "../tools/plan";
import { BOOTSTRAP_DIR, PROJECT_DIR, projectName, STACKS_DIR_VARIABLE, stackNames } from "../tools/stackFiles";
import { runIn } from "./support/command";
import { withTempDir } from "./support/tempDir";

/**
 * The checks that hold for whatever stack files a user has: every other test reads the example
 * stacks' copies (test/support/exampleStacks.ts), so adding, editing or removing a Pulumi.<stack>.yaml
 * changes only what these check, with the commands CI runs per stack.
 */
describe("the project's own stack files, whichever they are", function () {
    this.timeout(300_000);

    it("plans every Pulumi.<stack>.yaml of the project, and each passes its policies", async () => {
        const { code, out, err } = await runIn(planCommand, ["--all", "--stacks-dir", PROJECT_DIR]);
        assert.strictEqual(err, "");
        assert.strictEqual(code, 0, out);
    });

    for (const stack of stackNames(BOOTSTRAP_DIR)) {
        it(`plans the bootstrap stack ${stack} from bootstrap/Pulumi.${stack}.yaml`, async () => {
            const file = path.join(BOOTSTRAP_DIR, `Pulumi.${stack}.yaml`);
            const { code, out, err } = await runIn(planCommand, ["--project", "bootstrap", "--stack", stack, "--config-file", file]);
            assert.strictEqual(err, "");
            assert.strictEqual(code, 0, out);
        });
    }

    it("passes the KQL check with the queries every stack of the project deploys", () => {
        // As CI runs it: a process that reads the project's own stack files.
        const env = { ...process.env };
        delete env[STACKS_DIR_VARIABLE];
        const out = execFileSync(
            process.execPath,
            ["--v8-pool-size=1", "-r", path.join(PROJECT_DIR, "tools", "register.js"), path.join(PROJECT_DIR, "tools", "checkKql.ts")],
            { cwd: PROJECT_DIR, env, encoding: "utf8" },
        );
        assert.match(out, /^KQL check: .*: no problems\.$/m);
    });
});

/** A bash block of the docs that creates a stack: for which program, and its `pulumi …` lines in order. */
interface StackSteps {
    readonly project: "main" | "bootstrap";
    readonly lines: readonly string[];
}

/** The blocks of `doc` that create a stack (`pulumi stack init`); after `cd bootstrap`, the bootstrap's. */
function stackSteps(doc: string): StackSteps[] {
    const text = fs.readFileSync(path.join(PROJECT_DIR, doc), "utf8");
    const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes("pulumi stack init"));
    return blocks.map((block) => {
        const lines = block.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim());
        return {
            project: lines.includes("cd bootstrap") ? "bootstrap" : "main",
            lines: lines.filter((line) => line.startsWith("pulumi ")),
        };
    });
}

/** The words of a shell line: single-quoted words kept whole, as the shell reads them. */
function shellWords(line: string): string[] {
    return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/**
 * The stack file `pulumi stack init` and `pulumi config set [--path]` write for the README's lines
 * (pkg/cmd/pulumi/config: a plain key is the project's; `--path` `a[0]` makes a list), with the
 * placeholders filled in.
 */
function stackFileFromReadme(lines: readonly string[], project: string): { stack: string; text: string } {
    const placeholders: Record<string, string> = {
        "<tenant-guid>": "6e1c2a4b-8d3f-4b5a-9c7e-2f4a6b8c0d1e",
        "<subscription-guid>": "0a9b8c7d-6e5f-4a3b-8c2d-1e0f2a3b4c5d",
        "<owner>/<repo>": "contoso/identity-monitoring",
    };
    let stack: string | undefined;
    const config: Record<string, unknown> = {};
    for (const line of lines) {
        const words = shellWords(line).map((w) => placeholders[w] ?? w);
        if (words[1] === "stack" && words[2] === "init") {
            stack = words[3];
        } else if (words[1] === "config" && words[2] === "set") {
            const byPath = words.includes("--path");
            const [key, value] = words.slice(3).filter((w) => w !== "--path");
            assert.ok(!/[<>]/.test(value), `a placeholder the test does not fill in: ${value}`);
            const list = byPath ? /^(\w+)\[(\d+)\]$/.exec(key) : null;
            if (byPath) {
                assert.ok(list, `a --path the test does not model: ${key}`);
                const qualified = `${project}:${list[1]}`;
                const items = (config[qualified] as string[] | undefined) ?? [];
                items[Number(list[2])] = value;
                config[qualified] = items;
            } else {
                config[`${project}:${key}`] = value;
            }
        }
    }
    assert.ok(stack, "the README's steps init a stack");
    return { stack, text: yaml.dump({ config }) };
}

describe("the docs' steps for a new tenant", function () {
    this.timeout(180_000);

    it("are shown in the README, and in docs/deployment.md with the bootstrap's", () => {
        assert.deepStrictEqual(
            stackSteps("README.md").map((s) => s.project),
            ["main"],
        );
        assert.deepStrictEqual(
            stackSteps("docs/deployment.md").map((s) => s.project),
            ["main", "bootstrap"],
        );
    });

    for (const doc of ["README.md", "docs/deployment.md"]) {
        for (const [i, steps] of stackSteps(doc).entries()) {
            it(`make a stack that plans cleanly, as ${doc} shows them (block ${i + 1}, the ${steps.project} program)`, async () => {
                const project = steps.project === "main" ? projectName() : projectName(BOOTSTRAP_DIR);
                const { stack, text } = stackFileFromReadme(steps.lines, project);
                const { code, out, err } = await withTempDir((dir) => {
                    const file = path.join(dir, `Pulumi.${stack}.yaml`);
                    fs.writeFileSync(file, text);
                    return runIn(planCommand, ["--project", steps.project, "--stack", stack, "--config-file", file]);
                });
                assert.strictEqual(err, "");
                assert.strictEqual(code, 0, out);
                assert.match(out, new RegExp(`^Offline plan for stack ${stack}: pulumi up would create \\d+ resources`, "m"));
            });
        }
    }

    it("are read as the Pulumi CLI would write them", () => {
        const { stack, text } = stackFileFromReadme(
            [
                "pulumi stack init acme",
                "pulumi config set location westeurope",
                "pulumi config set --path 'alertReceivers[0]' 'email a@acme.example'",
                "pulumi config set --path 'alertReceivers[1]' 'sms 1 5551234567'",
            ],
            "p",
        );
        assert.strictEqual(stack, "acme");
        assert.deepStrictEqual(yaml.load(text), {
            config: { "p:location": "westeurope", "p:alertReceivers": ["email a@acme.example", "sms 1 5551234567"] },
        });
    });
});
