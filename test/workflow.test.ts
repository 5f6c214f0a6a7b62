import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT_DIR, stackNames } from "../tools/stackFiles";
import { withTempDir } from "./support/tempDir";

const workflow = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/provisioning-logs.yml"), "utf8")) as {
    jobs: Record<
        string,
        {
            strategy?: { matrix?: { stack?: string } };
            needs?: string[];
            steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }>;
            permissions?: Record<string, string>;
        }
    >;
};

describe("the CI workflow for users", () => {
    it("lists the stacks from the stack files, as the example stacks are today", () => {
        const script = workflow.jobs.stacks.steps.map((s) => s.run).find(Boolean)!;
        const listed = withTempDir((dir) => {
            const output = path.join(dir, "github-output");
            execFileSync("bash", ["--norc", "--noprofile", "-e", "-c", script], {
                cwd: PROJECT_DIR,
                env: { PATH: process.env.PATH, GITHUB_OUTPUT: output },
            });
            return fs.readFileSync(output, "utf8");
        });
        return listed.then((text) => assert.strictEqual(text, `stacks=${JSON.stringify(stackNames())}\n`));
    });

    it("runs the tests once, then every other job once per listed stack", () => {
        assert.strictEqual(workflow.jobs.test.strategy, undefined, "the test job has no matrix");
        assert.deepStrictEqual(workflow.jobs.test.steps.map((s) => s.run).filter(Boolean), ["npm ci", "npm test"]);
        for (const [name, job] of Object.entries(workflow.jobs).filter(([name]) => name !== "test" && name !== "stacks")) {
            // GitHub's expression syntax, not a template literal.
            assert.strictEqual(job.strategy?.matrix?.stack, ["$", "{{ fromJSON(needs.stacks.outputs.stacks) }}"].join(""), name);
            assert.ok(job.needs?.includes("stacks"), `${name} needs the stacks job`);
            assert.ok(!job.steps.some((s) => s.run === "npm test"), `${name} does not run the tests again`);
        }
    });

    it("pins the Pulumi CLI to the release of the SDK in package.json", () => {
        const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
        const pulumiSteps = Object.values(workflow.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith("pulumi/actions@")));
        assert.strictEqual(pulumiSteps.length, 2);
        for (const step of pulumiSteps) {
            assert.strictEqual(step.with?.["pulumi-version"], sdk);
        }
    });

    it("only runs npm scripts the project has", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts as Record<string, string>;
        const used = Object.values(workflow.jobs).flatMap((j) =>
            j.steps.flatMap((s) => [...(s.run ?? "").matchAll(/npm run ([\w:]+)/g)].map((m) => m[1])),
        );
        assert.ok(used.length > 0);
        for (const script of used) {
            assert.ok(script in scripts, `npm run ${script}`);
        }
    });

    it("logs in to Azure with OIDC only (id-token permission, no client secret)", () => {
        const text = fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/provisioning-logs.yml"), "utf8");
        assert.ok(!/ARM_CLIENT_SECRET/.test(text));
        for (const job of ["preview", "deploy"]) {
            assert.strictEqual(workflow.jobs[job].permissions?.["id-token"], "write", job);
        }
    });

    it("passes the policy pack with each stack's environment config to preview and up", () => {
        const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
        for (const cmd of ["pulumi preview", "pulumi up"]) {
            const step = runs.find((r) => r.includes(cmd))!;
            assert.match(
                step,
                /config=policies\/config\/\$\{\{ matrix\.stack \}\}\.json; \[ -f "\$config" \] \|\| config=policies\/config\/default\.json/,
                cmd,
            );
            assert.match(step, /--policy-pack policies --policy-pack-config "\$config"/, cmd);
        }
    });
});
