import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { verifyCommand } from "../../tools/verify";
import { runIn } from "../support/command";
import { devSettings, healthyTenant, withFakeTenant } from "../support/fakeTenant";
import { withTempDir } from "../support/tempDir";
import { EXAMPLE_STACKS_DIR } from "../support/exampleStacks";

const s = devSettings();
const dev = () => fs.readFileSync(path.join(EXAMPLE_STACKS_DIR, "Pulumi.dev.yaml"), "utf8");

/** verify --all over the stack files `files` (name → text), against a fake tenant where the dev stack is healthy. */
async function verifyAll(files: Record<string, string>): Promise<{ code: number; out: string }> {
    return withFakeTenant(s, healthyTenant(s), (endpoints) =>
        withTempDir(async (dir) => {
            for (const [stack, text] of Object.entries(files)) {
                fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
            }
            const { code, out } = await runIn(verifyCommand(endpoints), ["--all", "--stacks-dir", dir]);
            return { code, out };
        }),
    );
}

describe("verify of a fleet of stacks", () => {
    it("checks every stack with one summary row each, and exits 0 when all pass", async () => {
        const { code, out } = await verifyAll({ dev: dev() });
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(out.split("\n").slice(0, 4), [
            "verify of 1 stacks: every stack passes.",
            "",
            "STACK  OK  WARN  FAIL  FIRST FAILURE",
            "dev    15  0     0",
        ]);
    });

    it("goes on past a stack whose settings are wrong, names the problem, and exits 1", async () => {
        const { code, out } = await verifyAll({ dev: dev(), broken: dev().replace("retentionInDays: 30", "retentionInDays: 7") });
        assert.strictEqual(code, 1);
        assert.deepStrictEqual(out.split("\n").slice(0, 5), [
            "verify of 2 stacks: 1 failing.",
            "",
            "STACK   OK  WARN  FAIL  FIRST FAILURE",
            "broken  0   0     1     `retentionInDays` must be between 30 and 730 (got 7)",
            "dev     15  0     0",
        ]);
    });

    it("takes --all alone, not with one stack's options", async () => {
        const { code, err } = await runIn(verifyCommand(), ["--all", "--stack", "dev"]);
        assert.strictEqual(code, 2);
        assert.match(
            err,
            /^error: --all verifies every stack from its settings: it takes no --stack, --config-file, --outputs or --state; usage: /,
        );
    });
});
