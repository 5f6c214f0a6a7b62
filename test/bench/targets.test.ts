import * as assert from "node:assert";
import { formatFigure, Targets } from "./targets";

describe("the bench's targets", () => {
    it("marks a figure met when it is within its limit, the limit itself included", () => {
        const t = new Targets();
        assert.strictEqual(t.target("reads", 12, 12, ""), "12 (target ≤ 12: met)");
        assert.strictEqual(t.target("plan against the SDKs", 2.5, 3, "×"), "2.50× (target ≤ 3.00×: met)");
        assert.deepStrictEqual(t.missed, []);
        assert.strictEqual(t.exitCode(), 0);
    });

    it("marks a figure missed when it is past its limit", () => {
        const t = new Targets();
        assert.strictEqual(t.target("KQL full check, wall", 2345.6, 2000, "ms", "<"), "2346 ms (target < 2000 ms: missed)");
        assert.strictEqual(t.target("KQL full check at its limit", 2000, 2000, "ms", "<"), "2000 ms (target < 2000 ms: missed)");
        assert.strictEqual(t.target("calls after the deadline", 1, 0, "", "="), "1 (target = 0: missed)");
        assert.strictEqual(t.target("faults handled", 9, 10, "", "≥"), "9 (target ≥ 10: missed)");
        assert.strictEqual(t.exitCode(), 1);
    });

    it("ends with how many targets were met and each missed one, so --check can exit 1", () => {
        const t = new Targets();
        t.target("reads", 3, 12, "");
        t.target("detection delay", 16.04, 15, "s");
        t.target("peak memory", 1.2, 1.5, "×");
        assert.deepStrictEqual(t.summary(), ["Targets: 2 of 3 met, 1 missed:", "  missed: detection delay: 16.0 s (target ≤ 15.0 s)"]);
        assert.strictEqual(t.exitCode(), 1);

        const clean = new Targets();
        clean.target("reads", 3, 12, "");
        assert.deepStrictEqual(clean.summary(), ["Targets: 1 of 1 met."]);
        assert.strictEqual(clean.exitCode(), 0);
    });

    it("prints each unit as the bench reads it", () => {
        assert.strictEqual(formatFigure(1234.4, "ms"), "1234 ms");
        assert.strictEqual(formatFigure(387.9, "MB"), "388 MB");
        assert.strictEqual(formatFigure(0, "s"), "0.0 s");
        assert.strictEqual(formatFigure(1.234, "×"), "1.23×");
        assert.strictEqual(formatFigure(7, ""), "7");
        assert.strictEqual(formatFigure(0.5, ""), "0.50");
    });
});
