import * as assert from "node:assert";
import { CLIENT_FAULTS, FAULTS, runFaultTable } from "../../bench/faults";

describe("the fault table (npm run bench)", function () {
    this.timeout(120_000);

    it("handles every fault ARM can throw at the program's own calls, and no call runs past its deadline", async () => {
        const result = await runFaultTable();
        const { worstMsToNonTransientMessage, ...rest } = result;
        const tried = FAULTS.length + CLIENT_FAULTS.length;
        assert.deepStrictEqual(rest, { tried, handled: tried, worstMsPastDeadline: 0, unhandled: [] });
        // A failure no retry fixes ends in a message at once, but for a token request that never answers: one request timeout (60 s).
        assert.strictEqual(worstMsToNonTransientMessage, 60_000);
        assert.ok([...FAULTS, ...CLIENT_FAULTS].filter((f) => f.nonTransient).length >= 8);
        assert.ok(FAULTS.length >= 20, `${FAULTS.length} faults`);
    });
});
