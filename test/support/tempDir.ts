import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Runs `fn` with a new folder in the temp dir, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-test-"));
    try {
        return await fn(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
