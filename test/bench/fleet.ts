/**
 * Child process: `plan --all` over N generated stacks (copies of the dev stack with their own names),
 * in one process. Prints the wall time of the first stack and of each further one, and peak RSS.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planFleet } from "../../tools/offline/fleet";
import { EXAMPLE_STACKS_DIR } from "../support/exampleStacks";

(async () => {
    const count = Number(process.argv[2] ?? 20);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-fleet-"));
    try {
        const dev = fs.readFileSync(path.join(EXAMPLE_STACKS_DIR, "Pulumi.dev.yaml"), "utf8");
        for (let i = 1; i <= count; i++) {
            fs.writeFileSync(path.join(dir, `Pulumi.t${String(i).padStart(2, "0")}.yaml`), dev);
        }
        const started = process.hrtime.bigint();
        const rows = await planFleet(dir);
        const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
        process.stdout.write(
            `${JSON.stringify({
                stacks: rows.length,
                ok: rows.filter((r) => r.ok).length,
                wallMs,
                peakRssMb: process.resourceUsage().maxRSS / 1024,
            })}\n`,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
})();
