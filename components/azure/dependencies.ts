import * as fs from "node:fs";
import * as path from "node:path";

/**
 * How the dynamic providers load this package's npm dependencies (`@azure/identity`,
 * `@azure/core-rest-pipeline`, `@azure/core-lro`) wherever the package is installed.
 *
 * Pulumi runs a dynamic provider from the text `pulumi.runtime.serializeFunction` makes of it, in
 * `@pulumi/pulumi/cmd/dynamic-provider`, which compiles that text with require-from-string: a bare
 * `require("@azure/identity")` in it resolves from the program's folder, not from this package. After
 * a linked install (`npm install ../entra-provisioning-logs`) the package's dependencies are not
 * there at all; after npm nested a copy under node_modules/entra-provisioning-logs/node_modules for a
 * version conflict, the program's own other version is found instead.
 *
 * The text is also kept in the stack's state (a later refresh or delete runs it), possibly on another
 * machine than the one that wrote it: CI after a laptop. So a dependency is looked for, in order:
 * 1. from this package's folder as the program that serialized the provider saw it: the same install,
 *    so the same versions, even when nested or linked;
 * 2. from this package as installed in the program's folder on this machine, when 1's path does not
 *    exist here (the state was written elsewhere);
 * 3. by its bare name from the program's folder, as Pulumi would: a program that is this package's
 *    own checkout (this repository's program) rather than an install of it, e.g. at another path.
 *
 * Each module a provider captures says `deploymentOnlyModule`: Pulumi's serializer then copies it into
 * the provider text as it does the program's own files, instead of writing `require()` of the module's
 * path under node_modules, which the package's `exports` don't offer (and which would tie the state's
 * text to whatever version is installed when it runs).
 */
export const deploymentOnlyModule = true;

/** This package's folder (components/azure or dist/azure, two levels down); the serialized text carries it as a literal. */
const PACKAGE_DIR = path.resolve(__dirname, "..", "..");

/** This package's name, to find it from the program's folder where PACKAGE_DIR is not this machine's. */
const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")).name;

/** Loads the npm package `name`, a dependency of this package, from where this package is installed (see above). */
export function requireDependency<T>(name: string): T {
    // Node's modules required here, not imported at the top: the serialized text then requires them by name.
    const fs: typeof import("fs") = require("node:fs");
    const path: typeof import("path") = require("node:path");
    // Only where the package is: resolving from a folder that does not exist would still search its
    // parents and Node's global folders, and could find anything.
    const bases = fs.existsSync(path.join(PACKAGE_DIR, "package.json")) ? [PACKAGE_DIR] : [];
    try {
        bases.push(path.dirname(require.resolve(`${PACKAGE_NAME}/package.json`, { paths: [process.cwd()] })));
    } catch {
        // Not installed in the program's folder under its name: the program is this package's own checkout.
    }
    bases.push(process.cwd());
    for (const base of bases) {
        let file: string;
        try {
            file = require.resolve(name, { paths: [base] });
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
                continue;
            }
            throw e;
        }
        return require(file) as T;
    }
    throw new Error(
        `${PACKAGE_NAME} needs ${name}, which can't be found from ${[...new Set(bases)].join(", ")}: run npm install in the program's folder`,
    );
}
