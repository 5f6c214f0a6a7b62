import * as assert from "node:assert";
import { runCase, runSettingsTable, SETTINGS_CASES } from "../bench/settings";

/** Every configuration in the table, one change from a valid base (test/bench/settings.ts). */
describe("stack settings, one change at a time", () => {
    it("has at least 80 invalid and 25 valid configurations", () => {
        assert.ok(SETTINGS_CASES.filter((c) => c.rejects !== undefined).length >= 80);
        assert.ok(SETTINGS_CASES.filter((c) => c.rejects === undefined).length >= 25);
        assert.strictEqual(new Set(SETTINGS_CASES.map((c) => c.name)).size, SETTINGS_CASES.length, "every case has its own name");
    });

    for (const c of SETTINGS_CASES) {
        if (c.rejects !== undefined) {
            const message = c.rejects;
            it(c.name, () => {
                assert.throws(() => runCase(c), { name: "ConfigError", message });
                assert.ok(!message.includes("\n") && message.length <= 300, `one line of at most 300 characters (${message.length})`);
            });
        } else {
            it(c.name, () => {
                const settings = runCase(c);
                for (const [key, value] of Object.entries(c.expect ?? {})) {
                    assert.deepStrictEqual(settings[key as keyof typeof settings], value, key);
                }
            });
        }
    }

    it("counts the whole table for the benchmark: every invalid one rejected in one line, no valid one rejected", () => {
        const invalid = SETTINGS_CASES.filter((c) => c.rejects !== undefined).length;
        assert.deepStrictEqual(runSettingsTable(), {
            tried: SETTINGS_CASES.length,
            rejectedInOneLine: invalid,
            wronglyAccepted: 0,
            wronglyRejected: 0,
        });
    });

    it("counts a wrongly accepted and a wrongly rejected configuration as such", () => {
        const valid = SETTINGS_CASES.find((c) => c.rejects === undefined)!;
        assert.deepStrictEqual(
            runSettingsTable([
                { ...valid, rejects: "anything" },
                { ...valid, set: { "entra-provisioning-logs:retentionInDays": "7" } },
            ]),
            {
                tried: 2,
                rejectedInOneLine: 0,
                wronglyAccepted: 1,
                wronglyRejected: 1,
            },
        );
    });
});
