import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/stackFiles";

/** A file's text after its opening doc comment, which says which copy it is. */
function body(file: string): string {
    const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
    return text.slice(text.indexOf("*/") + 2);
}

describe("the Azure facts the policy pack keeps for itself", () => {
    it("are the components' own, line for line", () => {
        assert.strictEqual(body("policies/armFacts.ts"), body("components/azure/armFacts.ts"));
    });
});
