import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT_DIR, stackNames } from "../tools/stackFiles";

const workflow = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/provisioning-logs.yml"), "utf8")) as {
    jobs: Record<string, { strategy?: { matrix?: { stack?: string[] } }; steps: Array<{ run?: string }>; permissions?: Record<string, string> }>;
};

describe("the CI workflow for users", () => {
    it("runs the tests once, then covers every example stack in every other job", () => {
        assert.strictEqual(workflow.jobs.test.strategy, undefined, "the test job has no matrix");
        assert.deepStrictEqual(workflow.jobs.test.steps.map((s) => s.run).filter(Boolean), ["npm ci", "npm test"]);
        for (const [name, job] of Object.entries(workflow.jobs).filter(([name]) => name !== "test")) {
            assert.deepStrictEqual(job.strategy?.matrix?.stack, stackNames(), name);
            assert.ok(!job.steps.some((s) => s.run === "npm test"), `${name} does not run the tests again`);
        }
    });

    it("only runs npm scripts the project has", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts as Record<string, string>;
        const used = Object.values(workflow.jobs).flatMap((j) => j.steps.flatMap((s) => [...(s.run ?? "").matchAll(/npm run ([\w:]+)/g)].map((m) => m[1])));
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
            assert.match(step, /--policy-pack policies --policy-pack-config policies\/config\/\$\{\{ matrix\.stack \}\}\.json/, cmd);
        }
    });
});
