import * as assert from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { ALERT_RULE_IDS } from "../../components/support/alertCatalog";
import type { Evaluation, RecordedResource } from "../../tools/offline/recorder";
import { PROVIDER_KEY, startDynamicProviderHost } from "../../tools/engine/dynamicProviderHost";
import { type ArmHandler, armError, FakeArm, fakeToken } from "../support/fakeArm";
import {
    CONSUMER_PROJECT,
    createConsumer,
    evaluateConsumer,
    INSTALL_FLAGS,
    MANIFEST,
    npm,
    type PackedPackage,
    PROJECT_DIR,
    packProject,
} from "./consumer";

/**
 * What a platform team gets from a release: the tarball `npm pack` makes, installed with
 * `npm install <tarball>` into an empty Pulumi project (only the registry, here the npm cache `npm ci`
 * filled), its program type-checked against the shipped declarations and run through Pulumi's runner;
 * then the dynamic providers, serialized in that project, run in its dynamic-provider process however
 * npm laid the package out. Slow (packing, installs): the timing is `npm run bench`'s.
 */
describe("the npm package, packed and installed in an empty Pulumi project", function () {
    this.timeout(20 * 60_000);
    let work: string;
    let packed: PackedPackage;
    let consumer: string;
    /** The package as installed in the consumer. */
    let installed: string;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-package-"));
        packed = packProject(work);
        consumer = path.join(work, "consumer");
        createConsumer(consumer, packed.tarball);
        installed = path.join(consumer, "node_modules", MANIFEST.name);
    });

    after(() => {
        if (work) {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it("ships the compiled JavaScript with its declarations, the queries and workbooks, and no tests, stacks, CI, tools or sources, in at most 1 MB", () => {
        const shipped = new Set(packed.files);
        for (const [folder, ending] of [
            ["queries", ".kql"],
            ["workbooks", ".workbook.json"],
        ]) {
            for (const file of fs.readdirSync(path.join(PROJECT_DIR, folder)).filter((f) => f.endsWith(ending))) {
                assert.ok(shipped.has(`${folder}/${file}`), `${folder}/${file} is in the tarball`);
            }
        }
        for (const file of ["dist/index.js", "dist/index.d.ts", "package.json", "README.md", "LICENSE", "CHANGELOG.md"]) {
            assert.ok(shipped.has(file), `${file} is in the tarball`);
        }
        const unexpected = packed.files.filter(
            (f) =>
                !/^dist\/.+\.(js|d\.ts)$/.test(f) &&
                !/^queries\/[^/]+\.kql$/.test(f) &&
                !/^workbooks\/[^/]+\.workbook\.json$/.test(f) &&
                !["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(f),
        );
        assert.deepStrictEqual(unexpected, []);
        assert.ok(!packed.files.some((f) => /^(test|tools|program|policies|bootstrap|examples|docs|\.github|\.ci)\//.test(f)));
        assert.ok(!packed.files.some((f) => /(^|\/)Pulumi\.[^/]*\.yaml$/.test(f)));
        assert.ok(packed.bytes <= 1_000_000, `the tarball is ${packed.bytes} bytes`);
    });

    it("depends on exactly the npm packages its compiled JavaScript loads, none of them a workspace package", () => {
        const loaded = new Set<string>();
        for (const entry of fs.readdirSync(path.join(installed, "dist"), { recursive: true, withFileTypes: true })) {
            if (!entry.isFile() || !entry.name.endsWith(".js")) {
                continue;
            }
            const code = fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8");
            // require("x") as tsc writes imports, and requireDependency("x") in the dynamic providers (components/azure/dependencies.ts).
            for (const [, module] of code.matchAll(/(?:\brequire|\brequireDependency\)?)\("([^"]+)"\)/g)) {
                if (!module.startsWith(".") && !module.startsWith("node:") && !builtinModules.includes(module)) {
                    loaded.add(module.startsWith("@") ? module.split("/").slice(0, 2).join("/") : module.split("/")[0]);
                }
            }
        }
        const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
        assert.deepStrictEqual(Object.keys(manifest.dependencies).sort(), [...loaded].sort());
        assert.ok(loaded.has("@azure/identity") && loaded.has("@pulumi/azure-native"), [...loaded].join(", "));
        const workspaces = (MANIFEST as { workspaces?: string[] }).workspaces ?? [];
        assert.ok(workspaces.length > 0);
        for (const workspace of workspaces) {
            const name = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, workspace, "package.json"), "utf8")).name as string;
            assert.ok(!(name in manifest.dependencies), `${name} is no dependency`);
            assert.ok(!fs.existsSync(path.join(consumer, "node_modules", name)), `${name} is not installed`);
        }
    });

    it("compiles to JavaScript that the TypeScript 3.8.3 vendored by Pulumi parses, as Pulumi's serializer does without the program's own TypeScript", () => {
        const ts: typeof import("typescript") = require(
            path.join(consumer, "node_modules", "@pulumi", "pulumi", "vendor", "typescript@3.8.3", "typescript.js"),
        );
        const problems: string[] = [];
        for (const entry of fs.readdirSync(path.join(installed, "dist"), { recursive: true, withFileTypes: true })) {
            if (entry.isFile() && entry.name.endsWith(".js")) {
                const file = path.join(entry.parentPath, entry.name);
                const { diagnostics } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
                    fileName: file,
                    reportDiagnostics: true,
                    compilerOptions: { allowJs: true },
                });
                for (const d of diagnostics ?? []) {
                    problems.push(`${path.relative(installed, file)}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
                }
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("type-checks a program against the shipped declarations, with today's and the older Pulumi TypeScript settings", () => {
        const tsc = path.join(consumer, "node_modules", "typescript", "bin", "tsc");
        const check = (...flags: string[]) => {
            try {
                execFileSync(process.execPath, [tsc, "--noEmit", "-p", ".", ...flags], { cwd: consumer, encoding: "utf8", stdio: "pipe" });
            } catch (e) {
                assert.fail(`tsc ${flags.join(" ")}: ${(e as { stdout?: string }).stdout}`);
            }
        };
        // pulumi/templates typescript/tsconfig.json: nodenext, declarations checked too (no skipLibCheck).
        check();
        // Programs made from the older template (commonjs, node resolution) find the types through typesVersions.
        check("--module", "commonjs", "--moduleResolution", "node");
    });

    describe("its program, run as pulumi up runs it", () => {
        let evaluation: Evaluation;
        const custom = (type: string) => evaluation.resources.filter((r: RecordedResource) => r.custom && r.type === type);
        before(async () => {
            evaluation = await evaluateConsumer(consumer);
        });

        it("registers the component's resources under the program's names beside its own, the dynamic resources' providers serialized from the installed package", () => {
            const names = evaluation.resources.filter((r) => r.custom).map((r) => r.name);
            assert.deepStrictEqual(
                names.filter((n) => !n.startsWith("identity-logs-")),
                ["identity"],
            );
            const [group] = custom("azure-native:resources:ResourceGroup");
            const [workspace] = custom("azure-native:operationalinsights:Workspace");
            assert.deepStrictEqual(workspace.propertyDependencies.resourceGroupName, [group.urn]);
            assert.strictEqual(workspace.inputs.retentionInDays, 90);
            assert.strictEqual(custom("azure-native:aadiam:DiagnosticSetting")[0].inputs.name, "identity-provisioning-logs");
            for (const type of ["TableRetention", "WorkspaceRetentionGuard", "ResourceProviderRegistration"]) {
                assert.ok(custom(`pulumi-nodejs:dynamic:${type}`).length > 0, type);
            }
            assert.deepStrictEqual(evaluation.outputs.ruleIds, [...ALERT_RULE_IDS]);
        });

        it("deploys the queries and workbooks shipped in the package, read from where it is installed", () => {
            const queries = custom("azure-native:operationalinsights:Query");
            assert.ok(queries.length >= 10, `${queries.length} saved queries`);
            for (const query of queries) {
                const file = path.join(installed, "queries", `${query.name.replace("identity-logs-queries-", "")}.kql`);
                assert.strictEqual(query.inputs.body, fs.readFileSync(file, "utf8"), query.name);
            }
            const workbooks = custom("azure-native:applicationinsights:Workbook");
            assert.deepStrictEqual(
                workbooks.map((w) => `${w.name.replace("identity-logs-workbooks-", "")}.workbook.json`).sort(),
                fs.readdirSync(path.join(installed, "workbooks")).sort(),
            );
            for (const workbook of workbooks) {
                assert.strictEqual(JSON.parse(String(workbook.inputs.serializedData)).version, "Notebook/1.0", workbook.name);
            }
        });
    });

    /**
     * A serialized provider runs in the program's dynamic-provider process, whose working directory is
     * the program's folder. Each case serializes the table retention's provider in the consumer as its
     * program would, then runs it in that process twice: once against a loopback ARM that answers the
     * PATCH with a long-running operation (@azure/core-rest-pipeline and @azure/core-lro), once with the
     * azure-native credential settings of a CI job without its OIDC token (@azure/identity, which fails
     * only after it is loaded).
     */
    describe("its dynamic providers, run in the program's dynamic-provider process however npm laid the package out", () => {
        let arm: FakeArm;
        const sub = "7d1e4b9a-2c3f-4a5b-9e8d-0000000000a1";
        const table = `/subscriptions/${sub}/resourceGroups/rg-identity-logs/providers/Microsoft.OperationalInsights/workspaces/log-identity-logs/tables/AADProvisioningLogs`;
        const inputs = {
            subscriptionId: sub,
            resourceGroupName: "rg-identity-logs",
            workspaceName: "log-identity-logs",
            tableName: "AADProvisioningLogs",
            retentionInDays: 90,
            totalRetentionInDays: 730,
        };

        before(async () => {
            let retention: Record<string, unknown> = { retentionInDays: 30, totalRetentionInDays: 30 };
            const handler: ArmHandler = (req) => {
                if (req.method === "PATCH" && req.path === table) {
                    retention = (req.body as { properties: Record<string, unknown> }).properties;
                    return {
                        status: 202,
                        headers: {
                            "azure-asyncoperation": `${arm.endpoint}/subscriptions/${sub}/providers/Microsoft.OperationalInsights/locations/westeurope/operationStatuses/op1?api-version=2023-09-01`,
                            "retry-after": "1",
                        },
                    };
                }
                if (req.path.endsWith("/operationStatuses/op1")) {
                    return { status: 200, body: { status: "Succeeded" } };
                }
                if (req.method === "GET" && req.path === table) {
                    return {
                        status: 200,
                        body: { id: table, name: "AADProvisioningLogs", properties: { ...retention, plan: "Analytics" } },
                    };
                }
                return { status: 404, body: armError("NotFound", req.path) };
            };
            arm = await FakeArm.start(handler);
        });

        after(async () => {
            await arm?.close();
        });

        /** The providers' texts, serialized by a script in `program` with that folder's @pulumi/pulumi and the package as installed there. */
        function serializeIn(program: string): { arm: string; azureNative: string } {
            const script = path.join(program, "serialize-providers.js");
            fs.writeFileSync(
                script,
                `const path = require("node:path");
const pulumi = require("@pulumi/pulumi");
// The provider's factory is not exported: found in the package's dist/ beside the entry point.
const dist = path.dirname(require.resolve(${JSON.stringify(MANIFEST.name)}));
const { createTableRetentionProvider } = require(path.join(dist, "dynamic", "tableRetention.js"));
const [endpoint, token, trustedCa] = process.argv.slice(2);
// Waits take no time; an object, not a variable, so that every serialized method shares it.
const time = { now: 0 };
const clock = {
    now: () => time.now,
    sleep: async (ms) => { time.now += ms; },
    timer: (ms, fire) => { const id = setTimeout(fire, ms); return () => clearTimeout(id); },
};
const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600000 }) };
const text = async (provider) => (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
(async () => {
    console.log(JSON.stringify({
        arm: await text(createTableRetentionProvider({ endpoint, credential, trustedCa, clock })),
        azureNative: await text(createTableRetentionProvider()),
    }));
})();
`,
            );
            try {
                const out = execFileSync(process.execPath, [script, arm.endpoint, fakeToken(), arm.ca], {
                    cwd: program,
                    encoding: "utf8",
                    stdio: "pipe",
                });
                return JSON.parse(out);
            } catch (e) {
                // Pulumi's serializer says what it could not serialize, and why, in its first lines.
                assert.fail(
                    `serializing in ${program} failed: ${String((e as { stderr?: string }).stderr)
                        .trim()
                        .split("\n")
                        .slice(0, 15)
                        .join("\n")}`,
                );
            }
        }

        /** Check, then Create, of the table's retention in `program`'s dynamic-provider process: the outputs, or the provider's error. */
        async function createIn(program: string, provider: string, env: Record<string, string> = {}): Promise<string> {
            const host = await startDynamicProviderHost({ config: {}, cwd: program, env: { PATH: process.env.PATH, ...env } });
            try {
                await host.configure();
                const news = { ...inputs, [PROVIDER_KEY]: provider };
                const urn = `urn:pulumi:test::${CONSUMER_PROJECT}::pulumi-nodejs:dynamic:Resource::retention`;
                const checked = await host.check(urn, {}, news);
                const { properties } = await host.create(urn, checked.inputs);
                return `created ${properties.retentionInDays}/${properties.totalRetentionInDays} days`;
            } catch (e) {
                return (e as Error).message;
            } finally {
                await host.close();
            }
        }

        /** Both runs in `program` of `texts`: the long-running PATCH succeeds, and the credential fails for want of a token, not of a module. */
        async function assertLoadsItsModules(program: string, texts: { arm: string; azureNative: string }): Promise<void> {
            assert.strictEqual(await createIn(program, texts.arm), "created 90/730 days");
            const ci = { ARM_USE_OIDC: "true", ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c" };
            assert.match(
                await createIn(program, texts.azureNative, ci),
                /failed before reaching ARM: ARM_USE_OIDC is true but no OIDC token is available/,
            );
        }

        it("loads them from the program's node_modules when npm put them there", async () => {
            assert.ok(fs.existsSync(path.join(consumer, "node_modules", "@azure", "identity")));
            await assertLoadsItsModules(consumer, serializeIn(consumer));
        });

        describe("when the program depends on other versions of @azure/identity and @azure/core-lro, so npm nests the package's own", () => {
            before(() => {
                // Stand-ins for the program's own versions: loading one fails the run.
                for (const name of ["identity", "core-lro"]) {
                    const dir = path.join(consumer, "own", name);
                    fs.mkdirSync(dir, { recursive: true });
                    fs.writeFileSync(
                        path.join(dir, "package.json"),
                        JSON.stringify({ name: `@azure/${name}`, version: "0.0.1", main: "index.js" }),
                    );
                    fs.writeFileSync(
                        path.join(dir, "index.js"),
                        `throw new Error("the program's own @azure/${name} was loaded instead of the package's");\n`,
                    );
                }
                npm(["install", "./own/identity", "./own/core-lro", ...INSTALL_FLAGS], consumer);
                for (const name of ["identity", "core-lro"]) {
                    const nested = path.join(installed, "node_modules", "@azure", name, "package.json");
                    assert.strictEqual(
                        JSON.parse(fs.readFileSync(nested, "utf8")).version,
                        MANIFEST.dependencies[`@azure/${name}`],
                        nested,
                    );
                }
            });

            it("loads the package's own versions, nested under it", async () => {
                await assertLoadsItsModules(consumer, serializeIn(consumer));
            });

            it("loads them from the package as installed on this machine when the text in the state was written on another", async () => {
                const texts = serializeIn(consumer);
                // The same project checked out elsewhere (a CI runner after a laptop): the folder the text names is gone.
                const elsewhere = path.join(work, "ci-checkout");
                fs.renameSync(consumer, elsewhere);
                try {
                    assert.ok(texts.arm.includes(JSON.stringify(installed)), "the text names where the package was installed");
                    await assertLoadsItsModules(elsewhere, texts);
                } finally {
                    fs.renameSync(elsewhere, consumer);
                }
            });
        });

        it("loads them from the package's own node_modules when the program links it (npm install <folder>) and has neither them nor TypeScript", async () => {
            // Without TypeScript of its own, the program's Pulumi parses the provider's code with the 3.8.3 it vendors.
            // The packed copy of the project, dist/ built and its node_modules in place, as a checkout after npm ci is.
            const linking = path.join(work, "linking");
            fs.mkdirSync(linking);
            fs.writeFileSync(path.join(linking, "Pulumi.yaml"), "name: linking\nruntime: nodejs\n");
            fs.writeFileSync(
                path.join(linking, "package.json"),
                JSON.stringify({ name: "linking", dependencies: { "@pulumi/pulumi": MANIFEST.dependencies["@pulumi/pulumi"] } }),
            );
            npm(["install", packed.projectCopy, ...INSTALL_FLAGS], linking);
            assert.ok(fs.lstatSync(path.join(linking, "node_modules", MANIFEST.name)).isSymbolicLink());
            assert.ok(!fs.existsSync(path.join(linking, "node_modules", "@azure", "identity")), "the program has no @azure/identity");
            await assertLoadsItsModules(linking, serializeIn(linking));
        });
    });
});
