import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const PROJECT_DIR = path.join(__dirname, "..", "..");

/** Newest modification time of the files under `dir` (recursively) that `keep` accepts, in ms; 0 when none. */
function newest(dir: string, keep: (file: string) => boolean): number {
    let latest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
        const file = path.join(entry.parentPath, entry.name);
        if (entry.isFile() && keep(file)) {
            latest = Math.max(latest, fs.statSync(file).mtimeMs);
        }
    }
    return latest;
}

/**
 * dist/ as `npm run build` makes it, which the package entry points name: built again when a source
 * under components/ or the build's tsconfig is newer, so a test through the entry point never runs
 * yesterday's build. `npm test` builds first, so there this only checks.
 */
export function ensurePackageBuilt(): void {
    const built = path.join(PROJECT_DIR, "dist", "index.js");
    const sources = Math.max(
        newest(path.join(PROJECT_DIR, "components"), (f) => f.endsWith(".ts")),
        ...["tsconfig.json", "tsconfig.build.json"].map((f) => fs.statSync(path.join(PROJECT_DIR, f)).mtimeMs),
    );
    if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) {
        execFileSync("npm", ["run", "build"], { cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "pipe"] });
    }
}
