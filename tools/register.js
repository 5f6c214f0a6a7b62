/**
 * The offline tools' TypeScript loader: `node -r ./tools/register.js tools/plan.ts` (the npm scripts
 * `plan`, `check:kql`, `check:policy`, `verify` and `bench`, and the KQL check's analyzer thread).
 *
 * Like `ts-node --transpile-only`, it strips the types file by file without type-checking them
 * (`npm test` type-checks), but with SWC's native transpiler, ready in milliseconds: warming up the
 * TypeScript compiler and mapping every stack trace Pulumi takes through source maps was 40% of the
 * offline plan's time under ts-node. `pulumi up` still runs the program with ts-node, as mocha does.
 *
 * The JavaScript keeps the semantics tsconfig.json gives the program: CommonJS with esModuleInterop,
 * ES2022 with class fields defined on the instance (`useDefineForClassFields`, the default for that
 * target), imports used only as types elided. test/tools/register.test.ts holds tsconfig.json to these
 * settings and the offline plan to the one ts-node gives.
 *
 * No source maps are made while loading (they cost on every run); the stack trace of an internal
 * error is mapped back to the TypeScript when it is printed (tools/cli.ts), and under
 * `node --enable-source-maps` every file carries its map. Nothing is cached on disk.
 */

const fs = require("node:fs");
const swc = require("@swc/core");

/** SWC's settings for tsconfig.json's. */
const OPTIONS = {
    swcrc: false,
    configFile: false,
    jsc: {
        parser: { syntax: "typescript", tsx: false },
        target: "es2022",
        transform: { useDefineForClassFields: true },
    },
    module: { type: "commonjs", importInterop: "swc" },
};

/** The TypeScript of each file loaded, to make its source map when a stack trace needs it. */
const sources = new Map();

function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    sources.set(filename, source);
    const { code } = swc.transformSync(source, { ...OPTIONS, filename, sourceMaps: process.sourceMapsEnabled ? "inline" : false });
    module._compile(code, filename);
}

/** `stack` with the positions in files this loader compiled given in their TypeScript, as ts-node gives them. */
function mapStackTrace(stack) {
    if (process.sourceMapsEnabled || require.extensions[".ts"] !== loadTypeScript) {
        return stack; // Node, or another loader, maps them already.
    }
    const { SourceMap } = require("node:module");
    const maps = new Map();
    return stack.replace(/([^\s(]+\.ts):(\d+):(\d+)/g, (position, file, line, column) => {
        if (!sources.has(file)) {
            return position;
        }
        if (!maps.has(file)) {
            const { map } = swc.transformSync(sources.get(file), { ...OPTIONS, filename: file, sourceMaps: true });
            maps.set(file, new SourceMap(JSON.parse(map)));
        }
        const entry = maps.get(file).findEntry(Number(line) - 1, Number(column) - 1);
        return entry.originalLine === undefined ? position : `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
}

require.extensions[".ts"] = loadTypeScript;
globalThis[Symbol.for("entra-provisioning-logs.mapStackTrace")] = mapStackTrace;

module.exports = { OPTIONS };
