import * as assert from "node:assert";
import { applicationinsightsWorkbookConfigureIdentity as policy } from "../../../policies/applicationinsights/workbookConfigureIdentity";
import { resource, violations } from "../harness";

const workbook = (change: Record<string, unknown> = {}) =>
    resource("azure-native:applicationinsights:Workbook", {
        resourceName: "c9187d8b-c9c4-59b6-bd6f-6bbb09110728",
        serializedData: JSON.stringify({ version: "Notebook/1.0", items: [] }),
        ...change,
    });

describe("applicationinsights-workbook-configure-identity", () => {
    it("passes when the name is a lower-case GUID and the JSON is Notebook/1.0", async () => {
        assert.deepStrictEqual(await violations(policy, [workbook()]), []);
    });

    it("fails when the name is not a GUID", async () => {
        assert.deepStrictEqual(await violations(policy, [workbook({ resourceName: "provisioning-overview" })]), [
            "Workbook name must be a lower-case GUID (found provisioning-overview); derive one with stableGuid().",
        ]);
    });

    it("fails when the name has upper-case letters", async () => {
        assert.strictEqual((await violations(policy, [workbook({ resourceName: "C9187D8B-C9C4-59B6-BD6F-6BBB09110728" })])).length, 1);
    });

    it("fails when serializedData is not JSON", async () => {
        assert.deepStrictEqual(await violations(policy, [workbook({ serializedData: "{items:" })]), [
            'Workbook serializedData must be valid JSON (found text that does not parse, starting "{items:"); fix the workbook file.',
        ]);
    });

    it("fails when the JSON is not gallery format", async () => {
        assert.deepStrictEqual(await violations(policy, [workbook({ serializedData: JSON.stringify({ version: "KqlItem/1.0" }) })]), [
            'Workbook serializedData must be gallery JSON with version "Notebook/1.0" and items (found version "KqlItem/1.0").',
        ]);
    });
});
