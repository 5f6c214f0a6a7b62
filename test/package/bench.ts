/**
 * For `npm run bench`: the tarball's size, and the wall time of packing it, installing it into an
 * empty project (`npm install <tarball>`, the npm cache `npm ci` filled) and running that project's
 * program through the offline engine. Prints one line of JSON.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createConsumer, evaluateConsumer, packProject } from "./consumer";

(async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-bench-"));
    try {
        const started = Date.now();
        const packed = packProject(work);
        const packedAt = Date.now();
        const consumer = path.join(work, "consumer");
        createConsumer(consumer, packed.tarball);
        const installedAt = Date.now();
        const { resources } = await evaluateConsumer(consumer);
        const done = Date.now();
        console.log(
            JSON.stringify({
                tarballBytes: packed.bytes,
                resources: resources.length,
                packMs: packedAt - started,
                installMs: installedAt - packedAt,
                evaluateMs: done - installedAt,
                totalMs: done - started,
            }),
        );
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
})();
