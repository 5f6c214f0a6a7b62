import * as assert from "node:assert";
import { FAULTS, runFaultTable } from "../../bench/faults";

describe("the fault table (npm run bench)", function () {
    this.timeout(120_000);

    it("handles every fault ARM can throw at the program's own calls, and no call runs past its deadline", async () => {
        const result = await runFaultTable();
        assert.deepStrictEqual(result, { tried: FAULTS.length, handled: FAULTS.length, worstMsPastDeadline: 0, unhandled: [] });
        assert.ok(FAULTS.length >= 20, `${FAULTS.length} faults`);
    });
});
