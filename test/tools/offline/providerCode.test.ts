import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { evaluateStack } from "../../../tools/offline/recorder";

describe("an evaluation without the dynamic providers' code (the KQL check's)", function () {
    this.timeout(120_000);

    for (const stack of ["dev", "prod"]) {
        it(`records every resource of the ${stack} stack, inputs, options and outputs, as a full evaluation does`, async () => {
            const light = await evaluateStack(stack, { serializeDynamicProviders: false, cache: false });
            const full = await evaluateStack(stack, { cache: false });
            assert.ok(
                light.resources.some((r) => r.type.startsWith("pulumi-nodejs:dynamic:")),
                "the stack has dynamic resources",
            );
            assert.deepStrictEqual(light, full);
        });
    }

    it("leaves Pulumi's serialization as it was", async () => {
        await evaluateStack("dev", { serializeDynamicProviders: false, cache: false });
        const answer = 42;
        assert.match((await pulumi.runtime.serializeFunction(() => answer)).text, /42/);
    });
});
