import * as assert from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { planCommand } from "../../tools/plan";
import { PROJECT_DIR } from "../../tools/stackFiles";
import { runIn } from "../support/command";

/** `npm run --silent <script> -- <args>`: what it printed and its exit code. */
function npmRun(script: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(
            "npm",
            ["run", "--silent", script, "--", ...args],
            { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024 },
            (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
    );
}

describe("the offline tools' TypeScript loader (tools/register.js)", function () {
    this.timeout(120_000);

    it("stands for the tsconfig.json settings that shape the JavaScript", () => {
        const options = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "tsconfig.json"), "utf8")).compilerOptions;
        const emitted = [
            "target",
            "module",
            "esModuleInterop",
            "useDefineForClassFields",
            "experimentalDecorators",
            "emitDecoratorMetadata",
            "verbatimModuleSyntax",
            "preserveValueImports",
            "importsNotUsedAsValues",
            "importHelpers",
            "jsx",
            "moduleDetection",
        ];
        // Changing one of these in tsconfig.json means changing SWC's settings in tools/register.js to match.
        assert.deepStrictEqual(Object.fromEntries(emitted.filter((k) => k in options).map((k) => [k, options[k]])), {
            target: "es2022",
            module: "commonjs",
            esModuleInterop: true,
        });
        const { OPTIONS } = require(path.join(PROJECT_DIR, "tools", "register.js"));
        assert.deepStrictEqual(
            {
                target: OPTIONS.jsc.target,
                module: OPTIONS.module.type,
                useDefineForClassFields: OPTIONS.jsc.transform.useDefineForClassFields,
                interop: OPTIONS.module.importInterop,
            },
            { target: "es2022", module: "commonjs", useDefineForClassFields: true, interop: "swc" },
        );
    });

    // Mocha runs this process on ts-node, as `pulumi up` runs the program.
    for (const stack of ["dev", "prod"]) {
        it(`gives, through npm run plan, the ${stack} stack's plan that ts-node gives, byte for byte`, async () => {
            const [script, here] = await Promise.all([
                npmRun("plan", ["--stack", stack, "--json"]),
                runIn(planCommand, ["--stack", stack, "--json"]),
            ]);
            assert.strictEqual(here.code, 0, here.err);
            assert.deepStrictEqual({ code: script.code, stderr: script.stderr }, { code: 0, stderr: "" });
            // Larger than one pipe buffer (64 KiB), and still whole through npm's pipe.
            assert.ok(here.out.length > 100_000, `${here.out.length} bytes`);
            assert.ok(script.stdout === here.out, "npm run plan and ts-node print different plans");
            assert.strictEqual(JSON.parse(script.stdout).stack, stack);
        });
    }
});
