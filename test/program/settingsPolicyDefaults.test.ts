import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICIES } from "../../policies/policies";
import { PROJECT_DIR } from "../../tools/stackFiles";

/** policies/config/default.json: what a stack without its own policies/config/<stack>.json is checked with. */
describe("stack settings: the default policy config", () => {
    const config = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "config", "default.json"), "utf8")) as Record<
        string,
        unknown
    >;

    it("makes every policy advisory", () => {
        assert.strictEqual(config.all, "advisory");
        for (const [name, value] of Object.entries(config).filter(([n]) => n !== "all")) {
            assert.ok(
                typeof value !== "string" && !(value as { enforcementLevel?: unknown }).enforcementLevel,
                `${name} sets no enforcement level of its own`,
            );
        }
    });

    it("names only policies of the pack, with their documented minimums and protection recommended", () => {
        const policies = new Map(POLICIES.map((p) => [p.name, p]));
        for (const [name, value] of Object.entries(config).filter(([n]) => n !== "all")) {
            const policy = policies.get(name);
            assert.ok(policy, `${name} is a policy of the pack`);
            const schema = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
            for (const [key, given] of Object.entries(value as Record<string, unknown>)) {
                assert.ok(key in schema, `${name}.${key} is in the policy's config schema`);
                if (key === "requireProtection") {
                    // protectData is on by default: a stack that opts out hears about it, as advice.
                    assert.strictEqual(given, true);
                } else {
                    assert.strictEqual(given, schema[key].default, `${name}.${key} is the documented minimum`);
                }
            }
        }
    });
});
