/**
 * Every command line README.md, CONTRIBUTING.md and docs/*.md show runs as shown, offline: the
 * `npm run …`, `npm test` and `npx …` lines of their shell blocks, and those in inline code. Each
 * runs once per shape (script, flags and the stack the docs made), in a fresh process from the
 * folder the docs run it in; `verify` and `discover`, which need Azure, run with the same command
 * line against the fake tenant (test/support/fakeTenant.ts). What can't run here is listed in
 * {@link NOT_RUN} with the reason, so a new kind of command fails this test until it runs or is
 * listed there.
 *
 * The docs are followed as a reader follows them, one session per document: `pulumi stack init` and
 * `pulumi config set` (the Pulumi CLI can't be installed here) become the stack file the CLI would
 * write, a YAML block headed `# Pulumi.<stack>.yaml` is that file, and one headed `# ESC environment
 * <org>/<env>` is what `esc env open` prints, saved as `<env>.json`. The stack files of a session
 * start as copies of the example stacks (test/fixtures/example-stacks), given to the tools through
 * ENTRA_LOGS_STACKS_DIR, so the user's own stack files don't matter.
 */
import * as assert from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { parseSettings } from "../../program/settings";
import { projectSettings } from "../../program/settingsValidation";
import type { Command } from "../../tools/cli";
import { discoverCommand } from "../../tools/discover";
import { BOOTSTRAP_DIR, PROJECT_DIR, projectName, readStackConfig, STACKS_DIR_VARIABLE } from "../../tools/stackFiles";
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { EXAMPLE_STACKS_DIR } from "../support/exampleStacks";
import { type TenantState, withFakeTenant } from "../support/fakeTenant";
import { INCIDENTS, writeIncident } from "../incidents";

/** The documents whose commands are checked. */
const DOCS = ["README.md", "CONTRIBUTING.md", ...fs.readdirSync(path.join(PROJECT_DIR, "docs")).map((f) => `docs/${f}`)].filter((f) =>
    f.endsWith(".md"),
);

/** Commands the docs show that are not run here, and why. */
const NOT_RUN: ReadonlyArray<{ readonly match: RegExp; readonly reason: string }> = [
    { match: /^npm ci$/, reason: "reinstalls node_modules under the running tests; the CI workflow's install step runs it" },
    { match: /^npm test$/, reason: "the suite this test is part of" },
    {
        match: /^npm run build$/,
        reason: "deletes and rebuilds dist/, which the tests running beside this one load; npm test builds it before any test runs",
    },
    {
        match: /^npm install /,
        reason: "installs a release into a consumer's project from GitHub; test/package/package.test.ts packs this one and installs it into an empty project",
    },
    { match: /^npm run format$/, reason: "rewrites files in the work tree; npm run lint, run here, checks the same Biome rules" },
    {
        match: /^npm run bench( |$)/,
        reason: "minutes of CPU on purpose, measured by hand; test/bench/targets.test.ts checks how it marks its targets",
    },
    {
        match: /^npm run refresh:regions( |$)/,
        reason: "rewrites program/azureRegions.json from an az account list-locations file; test/tools/refreshRegions.test.ts runs it on a copy",
    },
    {
        match: /^npm run (verify|discover|check:policy|replay)$/,
        reason: "the command named in prose; its command lines, with their flags, are shown and run elsewhere",
    },
    {
        match: /^pulumi (login|preview|up|destroy|stack output|stack export|stack migrate)( |$)/,
        reason: "needs the Pulumi CLI, which can't be installed here, and a backend (preview and up: Azure too)",
    },
    {
        match: /^pulumi config (set|rm) --stack (dev|prod) /,
        reason: "edits an example stack, which the tests keep as it is; test/tools/discover.test.ts applies discover's printed pulumi config lines and plans the result",
    },
    { match: /^az /, reason: "needs the Azure CLI and a tenant" },
    { match: /^export PULUMI_CONFIG_PASSPHRASE=/, reason: "only the Pulumi CLI reads it" },
];

/** Fixture values for the docs' placeholders. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
    "<tenant-guid>": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "<tenant-id>": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "<subscription-guid>": "2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b",
    "<owner>/<repo>": "contoso/identity-monitoring",
    "<stack>": "prod",
    "<name>": "prod",
    "<path>": "bench/targets",
    // What a reader exports from their workspace: the test writes an incident of the library there.
    "<export-dir>": "@session/export",
};

/** One command as a document shows it. */
interface Shown {
    readonly doc: string;
    readonly line: number;
    /** As written, comments and continuations removed. */
    readonly text: string;
    /** The folder it runs in, relative to the project (after a `cd` in its block). */
    readonly cwd: string;
    /** Standard input, when the docs pipe a command the test can't run into it. */
    readonly stdin?: string;
}

/** What the test does with a command. */
type Plan =
    | { readonly kind: "run"; readonly argv: string[]; readonly key: string; readonly session: Session }
    | { readonly kind: "fake tenant"; readonly argv: string[]; readonly key: string; readonly session: Session }
    | { readonly kind: "emulated" }
    | { readonly kind: "not run"; readonly reason: string };

/** A document followed from the top: the stack files and other files its commands have made. */
class Session {
    /** Stack files by path relative to the session's stacks folder; null for one to copy from the examples. */
    readonly stackFiles = new Map<string, Record<string, unknown>>();
    /** Files the docs make (what `esc env open` prints), by the name the docs give them. */
    readonly files = new Map<string, string>();
    /** The stacks the docs made or changed. */
    readonly made = new Set<string>();
    dir = "";

    constructor(readonly doc: string) {}

    /** The stack file `pulumi stack init <stack>` selects in `cwd`: the example's, or a new one. */
    stackFile(stack: string, cwd: string): Record<string, unknown> {
        const relative = path.join(cwd === "." ? "" : cwd, `Pulumi.${stack}.yaml`);
        if (!this.stackFiles.has(relative)) {
            const example = path.join(EXAMPLE_STACKS_DIR, relative);
            const doc = fs.existsSync(example) ? ((yaml.load(fs.readFileSync(example, "utf8")) ?? {}) as Record<string, unknown>) : {};
            this.stackFiles.set(relative, { ...doc, config: { ...((doc.config as object | undefined) ?? {}) } });
        }
        this.made.add(stack);
        return this.stackFiles.get(relative)!;
    }

    /** Writes the session's folder: the example stacks, then what the docs made. */
    write(root: string): void {
        this.dir = path.join(root, this.doc.replace(/[/.]/g, "-"));
        fs.cpSync(EXAMPLE_STACKS_DIR, this.dir, { recursive: true });
        for (const [relative, doc] of this.stackFiles) {
            fs.writeFileSync(path.join(this.dir, relative), yaml.dump(doc));
        }
        for (const [name, text] of this.files) {
            fs.writeFileSync(path.join(this.dir, name), text);
        }
    }
}

/** A line's text up to an unquoted `#` comment. */
function withoutComment(line: string): string {
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
            quote = c === quote ? undefined : quote;
        } else if (c === "'" || c === '"') {
            quote = c;
        } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
            return line.slice(0, i).trimEnd();
        }
    }
    return line.trimEnd();
}

/** Splits on an unquoted separator (`&&`, `|`). */
function splitUnquoted(text: string, separator: string): string[] {
    const parts: string[] = [];
    let quote: string | undefined;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote) {
            quote = c === quote ? undefined : quote;
        } else if (c === "'" || c === '"') {
            quote = c;
        } else if (text.startsWith(separator, i) && !(separator === "|" && (text[i + 1] === "|" || text[i - 1] === "|"))) {
            parts.push(text.slice(start, i).trim());
            start = i + separator.length;
        }
    }
    return [...parts, text.slice(start).trim()];
}

/** The words of a command as a POSIX shell splits them (quotes, no expansions). */
function words(text: string): string[] {
    const out: string[] = [];
    let word = "";
    let quote: string | undefined;
    let started = false;
    for (const c of text) {
        if (quote) {
            if (c === quote) {
                quote = undefined;
            } else {
                word += c;
            }
        } else if (c === "'" || c === '"') {
            quote = c;
            started = true;
        } else if (/\s/.test(c)) {
            if (started) {
                out.push(word);
            }
            word = "";
            started = false;
        } else {
            word += c;
            started = true;
        }
    }
    return started ? [...out, word] : out;
}

/** A syntax line (`[--flag]`, `(a | b)`, `…`) rather than a command: its shortest form, required parts only. */
function shortestForm(text: string): string | undefined {
    const outside = text.replace(/'[^']*'|"[^"]*"/g, "");
    if (!/[[(…]/.test(outside) && !/<[^>]*\|[^>]*>/.test(outside)) {
        return undefined;
    }
    let shortest = text;
    for (let before = ""; before !== shortest; ) {
        before = shortest;
        shortest = shortest.replace(/\s*\[[^[\]]*\]/g, "");
    }
    shortest = shortest
        .replace(/\(([^()|]*)\|[^()]*\)/g, "$1")
        .replace(/…/g, "")
        .replace(/\s+/g, " ")
        .trim();
    return shortest.replace(/ --$/, "");
}

/** Every command line of a document, in order, with inline code that starts as a command does. */
function shownIn(doc: string): Array<Shown & { readonly inline: boolean; readonly yamlBlock?: string }> {
    const text = fs.readFileSync(path.join(PROJECT_DIR, doc), "utf8");
    const lines = text.split("\n");
    const found: Array<Shown & { inline: boolean; yamlBlock?: string }> = [];
    const prose: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        const fence = /^\s*```(\w*)/.exec(lines[i]);
        if (!fence) {
            prose.push(lines[i]);
            continue;
        }
        const start = i;
        const body: string[] = [];
        for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) {
            body.push(lines[i]);
        }
        prose.push(...Array(i - start + 1).fill(""));
        if (fence[1] === "yaml") {
            found.push({ doc, line: start + 2, text: "", cwd: ".", inline: false, yamlBlock: body.join("\n") });
            continue;
        }
        if (fence[1] !== "" && fence[1] !== "bash" && fence[1] !== "sh") {
            continue;
        }
        let cwd = ".";
        for (let j = 0; j < body.length; j++) {
            let command = body[j].trim();
            const line = start + 2 + j;
            while (command.endsWith("\\") && j + 1 < body.length) {
                command = `${command.slice(0, -1).trim()} ${body[++j].trim()}`;
            }
            command = withoutComment(command);
            if (!/^(npm|npx|pulumi|az|esc|cd|export|node)\b/.test(command)) {
                continue; // output, a tree, a blank line
            }
            for (const part of splitUnquoted(command, "&&")) {
                const pipeline = shortestForm(part) === undefined ? splitUnquoted(part, "|") : [part];
                if (pipeline.length > 1 && pipeline.slice(0, -1).every((p) => p.startsWith("pulumi stack output"))) {
                    found.push({ doc, line, text: pipeline[0], cwd, inline: false });
                    found.push({ doc, line, text: pipeline[pipeline.length - 1], cwd, inline: false, stdin: "{}" });
                    continue;
                }
                assert.strictEqual(pipeline.length, 1, `${doc}:${line}: a pipeline this test can't follow: ${part}`);
                if (part.startsWith("cd ")) {
                    cwd = path.normalize(path.join(cwd, part.slice(3).trim()));
                }
                found.push({ doc, line, text: part, cwd, inline: false });
            }
        }
    }
    // Inline code, which may wrap across lines, outside the blocks.
    const flat = prose.join("\n");
    for (const m of flat.matchAll(/`([^`]+)`/g)) {
        const code = m[1].replace(/\s+/g, " ").trim();
        if (/^(npm run |npm test$|npx )/.test(code)) {
            found.push({ doc, line: flat.slice(0, m.index).split("\n").length, text: code, cwd: ".", inline: true });
        }
    }
    return found.sort((a, b) => a.line - b.line);
}

/** What the test does with each command of a document, following it from the top. */
function planFor(doc: string): Array<{ shown: Shown; plan: Plan }> {
    const session = new Session(doc);
    const plans: Array<{ shown: Shown; plan: Plan }> = [];
    let stack: string | undefined;
    for (const shown of shownIn(doc)) {
        if (shown.yamlBlock !== undefined) {
            const body = substitute(shown.yamlBlock);
            const header = body.split("\n")[0];
            const stackFile = /^# Pulumi\.([\w-]+)\.yaml\b/.exec(header);
            const environment = /^# ESC environment [\w-]+\/([\w-]+)/.exec(header);
            if (stackFile) {
                session.stackFiles.set(`Pulumi.${stackFile[1]}.yaml`, yaml.load(body) as Record<string, unknown>);
                session.made.add(stackFile[1]);
            } else if (environment) {
                session.files.set(`${environment[1]}.json`, JSON.stringify((yaml.load(body) as { values: unknown }).values));
            }
            continue;
        }
        plans.push({
            shown,
            plan: planOne(
                shown,
                session,
                (s) => (stack = s ?? stack),
                () => stack,
            ),
        });
    }
    return plans;
}

/** A command's placeholders replaced by fixture values; an unknown one fails. */
function substitute(text: string): string {
    let result = text;
    for (const [placeholder, value] of Object.entries(PLACEHOLDERS)) {
        result = result.replaceAll(placeholder, value);
    }
    return result;
}

/** The session's path for a placeholder or a file the docs made, in a command's arguments. */
function resolveFiles(argv: string[], session: Session, shown: Shown): string[] {
    return argv.map((arg, i) => {
        if (session.files.has(arg)) {
            return `@session/${arg}`;
        }
        const flag = argv[i - 1];
        if (arg === "<file>" && flag === "--against") {
            return "@prior";
        }
        if (arg === "<file>" && flag === "--config-file") {
            return "@session/Pulumi.prod.yaml";
        }
        if (arg === "<dir>" && flag === "--stacks-dir") {
            return "@session";
        }
        assert.doesNotMatch(arg, /^<.*>$/, `${shown.doc}:${shown.line}: no fixture for ${arg} in ${shown.text}`);
        return arg;
    });
}

function planOne(shown: Shown, session: Session, select: (stack?: string) => void, selected: () => string | undefined): Plan {
    const shortest = shortestForm(shown.text) ?? shown.text;
    const notRun = NOT_RUN.find((r) => r.match.test(shown.text) || r.match.test(shortest));
    if (notRun) {
        used.add(notRun);
        return { kind: "not run", reason: notRun.reason };
    }
    const text = substitute(shortest);
    const argv = words(text);
    if (argv[0] === "cd") {
        return { kind: "emulated" };
    }
    if (argv[0] === "pulumi" && argv[1] === "stack" && argv[2] === "init") {
        select(argv[3]);
        session.stackFile(argv[3], shown.cwd);
        return { kind: "emulated" };
    }
    if (argv[0] === "pulumi" && argv[1] === "config" && (argv[2] === "set" || argv[2] === "rm")) {
        const stack = selected();
        assert.ok(stack, `${shown.doc}:${shown.line}: ${shown.text} has no stack selected by pulumi stack init before it`);
        setConfig(session.stackFile(stack, shown.cwd), argv.slice(2), shown.cwd);
        return { kind: "emulated" };
    }
    assert.ok(
        argv[0] === "npm" || argv[0] === "npx",
        `${shown.doc}:${shown.line}: add ${shown.text} to NOT_RUN with the reason, or run it`,
    );
    const script = argv[0] === "npx" ? `npx ${argv[1]}` : argv[1] === "run" ? argv[2] : argv[1];
    // docs:settings writes docs/settings.md; --check compares instead, and fails when it is out of date.
    const runArgv =
        script === "docs:settings" && !argv.includes("--check") ? [...argv, ...(argv.includes("--") ? [] : ["--"]), "--check"] : argv;
    const stackFlag = argv.findIndex((a) => a === "--stack" || a === "-s");
    const stack = stackFlag > 0 ? argv[stackFlag + 1] : undefined;
    const key = [shown.cwd, script, ...argv.filter((a) => /^--?[a-z]/.test(a)).sort(), stack && session.made.has(stack) ? stack : ""].join(
        " ",
    );
    const resolved = resolveFiles(runArgv, session, shown);
    return script === "verify" || script === "discover"
        ? { kind: "fake tenant", argv: resolved, key, session }
        : { kind: "run", argv: resolved, key, session };
}

/** `pulumi config set [--path] <key> <value>` and `pulumi config rm <key>`, as the CLI writes the stack file. */
function setConfig(stackFile: Record<string, unknown>, args: string[], cwd: string): void {
    const [verb, ...rest] = args;
    const usePath = rest.includes("--path");
    const [key, value] = rest.filter((a) => a !== "--path");
    const config = stackFile.config as Record<string, unknown>;
    const project = projectName(cwd === "bootstrap" ? BOOTSTRAP_DIR : PROJECT_DIR);
    const m = usePath ? /^(\w+)\[(\d+)\]$/.exec(key) : null;
    const name = `${project}:${m ? m[1] : key}`;
    if (verb === "rm") {
        delete config[name];
    } else if (m) {
        const list = Array.isArray(config[name]) ? [...(config[name] as unknown[])] : [];
        list[Number(m[2])] = value;
        config[name] = list;
    } else {
        assert.ok(!usePath, `a --path this test can't follow: ${key}`);
        // The CLI keeps a plain value as text; the program reads it with its type.
        config[name] = value;
    }
}

const used = new Set<(typeof NOT_RUN)[number]>();
/** A command this test can't follow fails the first test, not the loading of the file. */
const planningErrors: string[] = [];
const plans = DOCS.flatMap((doc) => {
    try {
        return planFor(doc);
    } catch (e) {
        planningErrors.push((e as Error).message);
        return [];
    }
});

/** Runs `argv` as a shell would, in `cwd`, with the session's stack files. */
function run(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    });
}

/** A tenant with nothing of the stack in it: verify finds what is missing, discover what there is. */
function emptyTenant(): TenantState {
    return {
        providers: { "Microsoft.Insights": "Registered", "Microsoft.OperationalInsights": "Registered", "Microsoft.Portal": "Registered" },
        table: { retentionInDays: 30, totalRetentionInDays: 30 },
        diagnosticSettings: [],
        rules: {},
        actionGroups: {},
        workbooks: [],
        faults: [],
        faultsAt: [],
    };
}

/** Runs `fn`s at most `limit` at a time. */
function pool(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
    let running = 0;
    const waiting: Array<() => void> = [];
    return async (fn) => {
        if (running >= limit) {
            await new Promise<void>((resolve) => waiting.push(resolve));
        }
        running++;
        try {
            return await fn();
        } finally {
            running--;
            waiting.shift()?.();
        }
    };
}

describe("the commands README.md, CONTRIBUTING.md and docs/*.md show", function () {
    // Each offline plan is a fresh process loading the Pulumi SDK and the policy pack: a test starts
    // its command and the next test's, so two run at a time.
    this.timeout(900_000);

    let root = "";
    const sessions = new Set(plans.flatMap(({ plan }) => ("session" in plan ? [plan.session] : [])));
    const runs = new Map<string, { shown: Shown; plan: Extract<Plan, { argv: string[] }> }>();
    for (const { shown, plan } of plans) {
        if ((plan.kind === "run" || plan.kind === "fake tenant") && !runs.has(plan.key)) {
            runs.set(plan.key, { shown, plan });
        }
    }

    const spawned = [...runs].filter(([, { plan }]) => plan.kind === "run").map(([key]) => key);
    const started = new Map<string, Promise<{ code: number; out: string; err: string }>>();
    const twoAtATime = pool(2);
    /** The result of a command, started with the next one if they aren't yet. */
    function resultOf(key: string) {
        for (const next of spawned.slice(spawned.indexOf(key), spawned.indexOf(key) + 2)) {
            if (!started.has(next)) {
                const { shown, plan } = runs.get(next)!;
                const result = twoAtATime(() => runShown(shown, plan as Extract<Plan, { kind: "run" }>));
                result.catch(() => undefined); // its own test reports it
                started.set(next, result);
            }
        }
        return started.get(key)!;
    }

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-docs-"));
        for (const session of sessions) {
            session.write(root);
        }
    });
    after(async () => {
        // A command started ahead of a test that didn't run (mocha --grep) still uses the folder.
        await Promise.allSettled(started.values());
        if (root) {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    /** Runs a command as shown, in a fresh process from its folder, with its session's stack files. */
    async function runShown(shown: Shown, plan: Extract<Plan, { kind: "run" }>) {
        const env = { ...process.env, [STACKS_DIR_VARIABLE]: plan.session.dir };
        let prior = "";
        if (plan.argv.includes("@prior")) {
            // What --against compares with: a saved plan of the same stack.
            const stack = plan.argv[plan.argv.indexOf("--stack") + 1];
            const saved = await run(["npm", "run", "--silent", "plan", "--", "--stack", stack, "--json"], PROJECT_DIR, env);
            assert.strictEqual(saved.code, 0, saved.err);
            prior = path.join(plan.session.dir, `${stack}.plan.json`);
            fs.writeFileSync(prior, saved.out);
        }
        if (plan.argv.includes("@session/export") && !fs.existsSync(path.join(plan.session.dir, "export"))) {
            writeIncident(INCIDENTS.find((i) => i.name === "failure-burst")!, path.join(plan.session.dir, "export"));
        }
        return run(located(plan.argv, plan.session, prior), path.join(PROJECT_DIR, shown.cwd), env);
    }

    /** The arguments with the session's files in place. */
    const located = (argv: readonly string[], session: Session, prior: string) =>
        argv.map((a) =>
            a === "@prior" ? prior : a === "@session" ? session.dir : a.startsWith("@session/") ? path.join(session.dir, a.slice(9)) : a,
        );

    it("are each run, made by the test as the Pulumi CLI would, or listed with why they can't run here", () => {
        assert.deepStrictEqual(planningErrors, []);
        assert.ok(plans.length > 30, `found ${plans.length} commands`);
        const stale = NOT_RUN.filter((r) => !used.has(r)).map((r) => String(r.match));
        assert.deepStrictEqual(stale, [], "NOT_RUN rows no document needs any more");
        assert.ok(runs.size >= 10, `${runs.size} commands to run`);
    });

    for (const [key, { shown, plan }] of runs) {
        const where = `${shown.doc}:${shown.line}`;
        if (plan.kind === "run") {
            it(`runs \`${shown.text}\` (${where}) as shown`, async () => {
                const { code, out, err } = await resultOf(key);
                assert.strictEqual(code, 0, `${key}: exit ${code}\n${err}\n${out.slice(-3000)}`);
                assert.doesNotMatch(err, /^(error|internal error):/m, err);
            });
        } else {
            it(`runs \`${shown.text}\` (${where}) as shown against the fake tenant`, async () => {
                const args = located(plan.argv, plan.session, "");
                const argv = args.includes("--") ? args.slice(args.indexOf("--") + 1) : [];
                const saved = process.env[STACKS_DIR_VARIABLE];
                process.env[STACKS_DIR_VARIABLE] = plan.session.dir;
                try {
                    const stackFlag = argv.findIndex((a) => a === "--stack" || a === "-s");
                    const stack = stackFlag >= 0 ? argv[stackFlag + 1] : "prod";
                    const settings = parseSettings(projectSettings(readStackConfig(stack).config, projectName()), stack);
                    const { code, out, err } = await withFakeTenant(settings, emptyTenant(), (endpoints) => {
                        const command: Command = plan.argv.includes("verify") ? verifyCommand(endpoints) : discoverCommand(endpoints);
                        return runIn(command, argv, shown.stdin ?? "");
                    });
                    // An empty tenant: verify and discover report what is missing (exit 1), nothing about the command line.
                    assert.ok(code === 0 || code === 1, `${key}: exit ${code}\n${err}${out}`);
                    assert.strictEqual(err, "");
                    assert.ok(out.length > 0);
                } finally {
                    process.env[STACKS_DIR_VARIABLE] = saved;
                }
            });
        }
    }
});
