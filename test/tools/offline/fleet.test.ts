import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, planCommand } from "../../../tools/plan";
import { runIn } from "../../support/command";
import { withTempDir } from "../../support/tempDir";
import { EXAMPLE_STACKS_DIR } from "../../support/exampleStacks";

const dev = () => fs.readFileSync(path.join(EXAMPLE_STACKS_DIR, "Pulumi.dev.yaml"), "utf8");

describe("the offline plan of a fleet of stacks", () => {
    it("plans every stack of the project in one run, with one summary", async () => {
        const { code, out } = await runIn(planCommand, ["--all"]);
        assert.strictEqual(code, 0);
        assert.strictEqual(
            out,
            [
                "Offline plan of 2 stacks: every stack passes.",
                "",
                "STACK  RESOURCES  FINDINGS  RESULT",
                "dev    30         0         ok",
                "prod   32         0         ok",
                "",
            ].join("\n"),
        );
    });

    it("goes on past a failing stack, names its problem, and exits 1", async () => {
        const { code, out } = await withTempDir((dir) => {
            fs.writeFileSync(path.join(dir, "Pulumi.tenant-a.yaml"), dev());
            fs.writeFileSync(path.join(dir, "Pulumi.tenant-b.yaml"), dev().replace("retentionInDays: 30", "retentionInDays: 7"));
            fs.writeFileSync(path.join(dir, "Pulumi.tenant-c.yaml"), dev());
            return runIn(planCommand, ["--all", "--stacks-dir", dir]);
        });
        assert.strictEqual(code, 1);
        assert.deepStrictEqual(out.split("\n").slice(0, 6), [
            "Offline plan of 3 stacks: 1 failing.",
            "",
            "STACK     RESOURCES  FINDINGS  RESULT",
            "tenant-a  30         1         ok",
            "tenant-b  -          -         FAIL `retentionInDays` must be between 30 and 730 (got 7)",
            "tenant-c  30         1         ok",
        ]);
    });

    it("takes --all alone, not with a single stack's options", () => {
        assert.throws(() => parseArgs(["--all", "--stack", "dev"]), {
            message: /^--all plans every stack of the main program: it takes no --stack, --config-file, --against or --project; usage: /,
        });
        assert.throws(() => parseArgs(["--stacks-dir", "x"]), { message: /^--stacks-dir goes with --all; usage: / });
    });
});
