import * as assert from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as semver from "semver";
import { stackPolicyConfigFile } from "../tools/offline/policyCheck";
import { PROJECT_DIR, STACKS_DIR_VARIABLE, stackNames } from "../tools/stackFiles";
import { withTempDir } from "./support/tempDir";

interface Step {
    id?: string;
    name?: string;
    if?: string;
    run?: string;
    uses?: string;
    with?: Record<string, string | boolean>;
    env?: Record<string, string>;
}

interface Job {
    if?: string;
    strategy?: { matrix?: unknown };
    needs?: string[];
    environment?: string;
    steps: Step[];
    permissions?: Record<string, string>;
    env?: Record<string, string>;
}

/** One action's inputs as its action.yml (and, where noted, its code) declares them: test/fixtures/pulumi-actions-inputs.json. */
interface ActionInputs {
    version: string;
    commit: string;
    inputs: string[];
    required: string[];
    commands?: { values: string[] };
    requiredWithCommand?: { inputs: string[] };
    requiredInCode?: { inputs: string[] };
}

const WORKFLOW_FILE = path.join(PROJECT_DIR, ".github/workflows/provisioning-logs.yml");
const text = fs.readFileSync(WORKFLOW_FILE, "utf8");
const workflow = yaml.load(text) as { on: Record<string, unknown>; jobs: Record<string, Job> };
const ACTIONS = (
    JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/pulumi-actions-inputs.json"), "utf8")) as {
        actions: Record<string, ActionInputs>;
    }
).actions;
const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));

/** GitHub's expression syntax, written so that it isn't read as a template literal. */
const expr = (inner: string) => ["$", `{{ ${inner} }}`].join("");

/** The steps that use `repo` (any version), with their job's name; owners are case-insensitive on GitHub. */
function stepsUsing(repo: string): Array<{ job: string; step: Step }> {
    return Object.entries(workflow.jobs).flatMap(([job, j]) =>
        j.steps.filter((s) => s.uses?.toLowerCase().startsWith(`${repo.toLowerCase()}@`)).map((step) => ({ job, step })),
    );
}

function pulumiStep(job: string): Step {
    const steps = stepsUsing("pulumi/actions").filter((s) => s.job === job);
    assert.strictEqual(steps.length, 1, `${job} has one pulumi/actions step`);
    return steps[0].step;
}

/** A `run:` script as GitHub runs it (bash --noprofile --norc -eo pipefail), with its $GITHUB_OUTPUT as key → value. */
function runScript(script: string, env: Record<string, string>): { status: number | null; stdout: string; output: Record<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-workflow-"));
    try {
        const outputFile = path.join(dir, "github-output");
        fs.writeFileSync(outputFile, "");
        const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
            cwd: PROJECT_DIR,
            env: { PATH: process.env.PATH, GITHUB_OUTPUT: outputFile, ...env },
            encoding: "utf8",
        });
        const output = Object.fromEntries(
            fs
                .readFileSync(outputFile, "utf8")
                .split("\n")
                .filter(Boolean)
                .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
        );
        return { status: result.status, stdout: result.stdout + result.stderr, output };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the CI workflow for users", () => {
    it("is YAML with the jobs its header describes, on pull requests and pushes to main", () => {
        // js-yaml refuses duplicate keys and bad indentation, as GitHub does.
        assert.deepStrictEqual(Object.keys(workflow.jobs), ["stacks", "test", "offline", "preview", "deploy"]);
        assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request", "push"]);
        assert.deepStrictEqual(workflow.on.push, { branches: ["main"] });
    });

    describe("the stack list", () => {
        const script = workflow.jobs.stacks.steps.find((s) => s.id === "list")!.run!;

        it("lists the project's stack files, each with the policy config the offline plan gives it", () => {
            const { status, output } = runScript(script, {});
            assert.strictEqual(status, 0);
            const stacks = stackNames(PROJECT_DIR);
            assert.deepStrictEqual(JSON.parse(output.stacks), stacks);
            const { include } = JSON.parse(output.matrix) as { include: Array<{ stack: string; policyConfig: string }> };
            assert.deepStrictEqual(
                include,
                stacks.map((stack) => ({ stack, policyConfig: stackPolicyConfigFile(stack) })),
            );
            for (const { policyConfig } of include) {
                assert.ok(fs.existsSync(path.join(PROJECT_DIR, policyConfig)), policyConfig);
            }
        });

        it("follows the stack files a user adds: a stack without its own policy config gets the defaults", () =>
            withTempDir((dir) => {
                // A name no policies/config file has, beside one that has its own.
                for (const stack of ["dev", "new-tenant-without-config"]) {
                    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "config: {}\n");
                }
                const { status, output } = runScript(script, { [STACKS_DIR_VARIABLE]: dir });
                assert.strictEqual(status, 0);
                assert.deepStrictEqual(JSON.parse(output.stacks), ["dev", "new-tenant-without-config"]);
                assert.deepStrictEqual(JSON.parse(output.matrix), {
                    include: [
                        { stack: "dev", policyConfig: stackPolicyConfigFile("dev") },
                        { stack: "new-tenant-without-config", policyConfig: "policies/config/default.json" },
                    ],
                });
            }));
    });

    it("runs the tests once, then every other job once per listed stack, and none without stacks", () => {
        assert.strictEqual(workflow.jobs.test.strategy, undefined, "the test job has no matrix");
        assert.deepStrictEqual(workflow.jobs.test.steps.map((s) => s.run).filter(Boolean), ["npm ci", "npm test"]);
        for (const [name, job] of Object.entries(workflow.jobs).filter(([name]) => name !== "test" && name !== "stacks")) {
            assert.strictEqual(job.strategy?.matrix, expr("fromJSON(needs.stacks.outputs.matrix)"), name);
            assert.ok(job.needs?.includes("stacks"), `${name} needs the stacks job`);
            assert.ok(job.if?.includes("needs.stacks.outputs.stacks != '[]'"), `${name} is skipped when there are no stacks`);
            assert.ok(!job.steps.some((s) => s.run === "npm test"), `${name} does not run the tests again`);
            // A stack name comes from a file name: into a script through the environment, never pasted in.
            assert.ok(!job.steps.some((s) => s.run?.includes(["$", "{{"].join(""))), `${name} pastes no expression into a script`);
        }
    });

    it("plans every stack offline before any preview or deployment", () => {
        assert.deepStrictEqual(workflow.jobs.offline.needs, ["stacks", "test"]);
        const plan = workflow.jobs.offline.steps.find((s) => s.run?.startsWith("npm run plan"))!;
        assert.strictEqual(plan.run, 'npm run plan -- --stack "$STACK"');
        assert.strictEqual(plan.env?.STACK, expr("matrix.stack"));
        for (const job of ["preview", "deploy"]) {
            assert.ok(workflow.jobs[job].needs?.includes("offline"), job);
        }
    });

    it("previews each pull request with pulumi/actions, the policy pack and the stack's policy config, and comments on it", () => {
        const job = workflow.jobs.preview;
        assert.match(job.if!, /github\.event_name == 'pull_request'/);
        assert.strictEqual(job.environment, `${expr("matrix.stack")}-preview`);
        assert.strictEqual(job.permissions?.["pull-requests"], "write", "the comment needs it");
        const step = pulumiStep("preview");
        assert.strictEqual(step.with?.command, "preview");
        assert.strictEqual(step.with?.["stack-name"], expr("matrix.stack"));
        assert.strictEqual(step.with?.policyPacks, "policies");
        assert.strictEqual(step.with?.policyPackConfigs, expr("matrix.policyConfig"));
        assert.strictEqual(String(step.with?.["comment-on-pr"]), "true");
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, "policies", "PulumiPolicy.yaml")), "policies is a policy pack");
    });

    it("deploys main with pulumi/actions up, behind each stack's environment, with the same pack and config", () => {
        const job = workflow.jobs.deploy;
        assert.match(job.if!, /github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'/);
        assert.strictEqual(job.environment, expr("matrix.stack"));
        const step = pulumiStep("deploy");
        assert.strictEqual(step.with?.command, "up");
        assert.strictEqual(step.with?.["stack-name"], expr("matrix.stack"));
        assert.strictEqual(step.with?.policyPacks, "policies");
        assert.strictEqual(step.with?.policyPackConfigs, expr("matrix.policyConfig"));
        assert.strictEqual(step.with?.upsert, undefined, "a stack is created with pulumi stack init, not by CI");
    });

    it("installs the policy pack's dependencies where the CLI's Node.js host looks for them", () => {
        // The host resolves run-policy-pack from the pack's folder (pulumi-language-nodejs
        // `locateModule`): npm ci installs the workspace's dependencies in the root node_modules.
        assert.ok((packageJson.workspaces as string[]).includes("policies"));
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [path.join(PROJECT_DIR, "policies")] });
        assert.ok(runner.startsWith(path.join(PROJECT_DIR, "node_modules")), runner);
        const policy = require.resolve("@pulumi/policy", { paths: [path.join(PROJECT_DIR, "policies")] });
        assert.ok(policy.startsWith(path.join(PROJECT_DIR, "node_modules")), policy);
    });

    describe("the actions", () => {
        const pinned = Object.keys(ACTIONS).flatMap((repo) => stepsUsing(repo).map((s) => ({ repo, ...s })));

        it("pins each Pulumi and Azure action to the commit of a released version, named beside it", () => {
            assert.deepStrictEqual([...new Set(pinned.map((p) => p.repo))].sort(), Object.keys(ACTIONS).sort());
            for (const { repo, job, step } of pinned) {
                const { commit, version } = ACTIONS[repo];
                assert.strictEqual(step.uses!.slice(step.uses!.indexOf("@") + 1), commit, `${job}: ${step.uses}`);
                // The comment is what a reader (and Dependabot) sees of the version.
                assert.ok(text.includes(`${step.uses} # ${version}\n`), `${job}: ${step.uses} # ${version}`);
            }
        });

        it("gives each action only inputs its action.yml declares, and every input it requires", () => {
            assert.ok(pinned.length >= 6);
            for (const { repo, job, step } of pinned) {
                const action = ACTIONS[repo];
                const given = Object.keys(step.with ?? {});
                for (const input of given) {
                    assert.ok(action.inputs.includes(input), `${job}: ${repo} has no input ${input}`);
                }
                const required = [
                    ...action.required,
                    ...(action.requiredInCode?.inputs ?? []),
                    ...(step.with?.command !== undefined ? (action.requiredWithCommand?.inputs ?? []) : []),
                ];
                for (const input of required) {
                    assert.ok(given.includes(input), `${job}: ${repo} needs ${input}`);
                }
                if (action.commands && step.with?.command !== undefined) {
                    assert.ok(action.commands.values.includes(String(step.with.command)), `${job}: command ${step.with.command}`);
                }
            }
        });

        it("pins the Pulumi CLI to the SDK's release, one Pulumi.yaml's requiredPulumiVersion accepts", () => {
            const sdk = packageJson.dependencies["@pulumi/pulumi"] as string;
            const required = (
                yaml.load(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { requiredPulumiVersion: string }
            ).requiredPulumiVersion;
            for (const job of ["preview", "deploy"]) {
                const version = String(pulumiStep(job).with?.["pulumi-version"]);
                assert.strictEqual(semver.valid(version), version, `${job}: an exact version, not a range`);
                assert.strictEqual(version, sdk, job);
                assert.ok(semver.satisfies(version, required), `${job}: ${version} satisfies ${required}`);
                // PULUMI_DEFAULT_ORGANIZATION, which the jobs set for Pulumi Cloud, is read from 3.259.0 on.
                assert.ok(semver.gte(version, "3.259.0"), `${job}: ${version} reads PULUMI_DEFAULT_ORGANIZATION`);
            }
        });
    });

    it("only runs npm scripts the project has", () => {
        const scripts = packageJson.scripts as Record<string, string>;
        const used = Object.values(workflow.jobs).flatMap((j) =>
            j.steps.flatMap((s) => [...(s.run ?? "").matchAll(/npm run ([\w:]+)/g)].map((m) => m[1])),
        );
        assert.ok(used.length > 0);
        for (const script of used) {
            assert.ok(script in scripts, `npm run ${script}`);
        }
    });

    it("logs in to Azure with OIDC only (id-token permission, no client secret)", () => {
        assert.ok(!/ARM_CLIENT_SECRET|\bAZURE_CREDENTIALS\b/.test(text));
        assert.ok(
            stepsUsing("azure/login").every(({ step }) => step.with?.creds === undefined),
            "azure/login without a stored credential",
        );
        for (const job of ["preview", "deploy"]) {
            assert.strictEqual(workflow.jobs[job].permissions?.["id-token"], "write", job);
            assert.strictEqual(workflow.jobs[job].env?.ARM_USE_OIDC, "true", job);
            for (const name of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
                assert.strictEqual(workflow.jobs[job].env?.[name], expr(`vars.${name}`), `${job}: ${name}`);
            }
        }
    });

    describe("the state backend", () => {
        const choose = (job: string) => workflow.jobs[job].steps.find((s) => s.id === "backend")!;
        const run = (env: Record<string, string>, onMissing = "fail") =>
            runScript(choose("preview").run!, { STACK: "contoso-prod", ON_MISSING_AZURE_CREDENTIALS: onMissing, ...env });
        const azure = { ARM_CLIENT_ID: "00000000-0000-0000-0000-000000000001" };

        it("is chosen by the same script in preview and up, which skip and fail without Azure credentials", () => {
            assert.strictEqual(choose("preview").run, choose("deploy").run);
            assert.strictEqual(choose("preview").env?.ON_MISSING_AZURE_CREDENTIALS, "skip");
            assert.strictEqual(choose("deploy").env?.ON_MISSING_AZURE_CREDENTIALS, "fail");

            const skipped = run({}, "skip");
            assert.strictEqual(skipped.status, 0);
            assert.deepStrictEqual(skipped.output, { run: "false" });
            const failed = run({});
            assert.strictEqual(failed.status, 1);
            assert.match(failed.stdout, /^::error::stack contoso-prod: ARM_CLIENT_ID, ARM_TENANT_ID and ARM_SUBSCRIPTION_ID must be set/);
        });

        it("is self-managed when PULUMI_BACKEND_URL is set, signing in to Azure Blob storage as the CI identity", () => {
            const blob = run({
                ...azure,
                PULUMI_BACKEND_URL: "azblob://state?storage_account=contosostate",
                PULUMI_ORGANIZATION: "contoso",
            });
            assert.strictEqual(blob.status, 0);
            assert.deepStrictEqual(blob.output, { "azure-login": "true", run: "true" });
            assert.match(blob.stdout, /::warning::stack contoso-prod: no secret PULUMI_CONFIG_PASSPHRASE/);
            const s3 = run({ ...azure, PULUMI_BACKEND_URL: "s3://state", PULUMI_CONFIG_PASSPHRASE: "x" });
            assert.deepStrictEqual(s3.output, { run: "true" });
            assert.doesNotMatch(s3.stdout, /warning/);
        });

        it("is Pulumi Cloud otherwise, with OIDC for PULUMI_ORGANIZATION, else the PULUMI_ACCESS_TOKEN secret", () => {
            assert.deepStrictEqual(run({ ...azure, PULUMI_ORGANIZATION: "contoso", PULUMI_ACCESS_TOKEN: "pul-x" }).output, {
                "pulumi-cloud-oidc": "true",
                run: "true",
            });
            assert.deepStrictEqual(run({ ...azure, PULUMI_ACCESS_TOKEN: "pul-x" }).output, { run: "true" });
            const none = run(azure);
            assert.strictEqual(none.status, 1);
            assert.deepStrictEqual(none.stdout.trim().split("\n"), [
                "::error::stack contoso-prod: no state backend; set the variable PULUMI_BACKEND_URL (a self-managed backend), or for Pulumi Cloud the variable PULUMI_ORGANIZATION (OIDC) or the secret PULUMI_ACCESS_TOKEN",
            ]);
        });

        it("is the one the Pulumi steps sign in to", () => {
            for (const job of ["preview", "deploy"]) {
                const j = workflow.jobs[job];
                const [auth] = stepsUsing("pulumi/auth-actions").filter((s) => s.job === job);
                assert.strictEqual(auth.step.if, "steps.backend.outputs.pulumi-cloud-oidc == 'true'", job);
                assert.strictEqual(auth.step.with?.organization, expr("vars.PULUMI_ORGANIZATION"), job);
                const [login] = stepsUsing("azure/login").filter((s) => s.job === job);
                assert.strictEqual(login.step.if, "steps.backend.outputs.azure-login == 'true'", job);
                const step = pulumiStep(job);
                // Empty, the action runs `pulumi login` with no URL: Pulumi Cloud.
                assert.strictEqual(step.with?.["cloud-url"], expr("vars.PULUMI_BACKEND_URL"), job);
                assert.strictEqual(
                    step.env?.PULUMI_ACCESS_TOKEN,
                    expr(`steps.${auth.step.id}.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN`),
                    job,
                );
                assert.strictEqual(
                    j.env?.PULUMI_DEFAULT_ORGANIZATION,
                    expr("vars.PULUMI_BACKEND_URL == '' && vars.PULUMI_ORGANIZATION || ''"),
                    job,
                );
            }
        });

        it("reads only variables and secrets the header documents", () => {
            const header = text.slice(0, text.indexOf("\nname:"));
            const read = new Set([...text.matchAll(/\b(vars|secrets)\.([A-Z_]+)/g)].map((m) => m[2]));
            assert.ok(read.size >= 7);
            for (const name of read) {
                assert.ok(header.includes(name), `the header documents ${name}`);
            }
        });
    });
});
