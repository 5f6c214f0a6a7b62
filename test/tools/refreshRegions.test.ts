import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RegionData } from "../../program/regions";
import { STACKS_DIR_VARIABLE } from "../../tools/stackFiles";
import { droppedRegionsProblem, REGIONS_FILE, refreshRegionsCommandOn, regionsInUse } from "../../tools/refreshRegions";
import { runIn } from "../support/command";
import { withTempDir } from "../support/tempDir";

const data = JSON.parse(fs.readFileSync(REGIONS_FILE, "utf8")) as RegionData;
const publicRegions = data.clouds.AzureCloud.regions;

/** `az account list-locations -o json` output listing these regions. */
function listed(regions: ReadonlyArray<{ name: string; displayName: string }>): string {
    return JSON.stringify(regions.map((r) => ({ ...r, metadata: { regionType: "Physical" } })));
}

/**
 * Runs `npm run refresh:regions` with `argv` (`--from` given the listing of `regions`) on a copy of
 * program/azureRegions.json; resolves with what it printed and the copy afterwards.
 */
function refresh(regions: ReadonlyArray<{ name: string; displayName: string }>, ...argv: string[]) {
    return withTempDir(async (dir) => {
        const regionsFile = path.join(dir, "azureRegions.json");
        fs.copyFileSync(REGIONS_FILE, regionsFile);
        const from = path.join(dir, "locations.json");
        fs.writeFileSync(from, listed(regions));
        const result = await runIn(refreshRegionsCommandOn(regionsFile), ["--from", from, ...argv]);
        const after = JSON.parse(fs.readFileSync(regionsFile, "utf8")) as RegionData;
        return { ...result, from, after };
    });
}

const without = (...names: string[]) => publicRegions.filter((r) => !names.includes(r.name));

describe("npm run refresh:regions, given a list that drops regions", () => {
    it("knows which regions the example stacks use", () => {
        assert.deepStrictEqual(
            regionsInUse(),
            new Map([
                ["westeurope", ["dev"]],
                ["northeurope", ["prod"]],
            ]),
        );
    });

    it("refuses a partial list in one line naming what it drops and the stacks that use it, and writes nothing", async () => {
        const { code, out, err, from, after } = await refresh([{ name: "eastus", displayName: "East US" }]);
        const dropped = publicRegions.map((r) => r.name).filter((n) => n !== "eastus");
        assert.deepStrictEqual(
            { code, out, err },
            {
                code: 2,
                out: "",
                err:
                    `error: --from ${from} drops ${publicRegions.length - 1} of AzureCloud's ${publicRegions.length} regions, more than 10% ` +
                    `(${dropped.slice(0, 10).join(", ")} and ${dropped.length - 10} more); ` +
                    "northeurope is used by prod, westeurope is used by dev, which would no longer plan. " +
                    "Is it the whole output of az account list-locations -o json with AzureCloud selected? --allow-dropped-regions writes it anyway\n",
            },
        );
        assert.deepStrictEqual(after, data);
    });

    it("refuses to drop even one region a stack uses", async () => {
        const { code, err, from, after } = await refresh(without("northeurope"));
        assert.strictEqual(code, 2);
        assert.strictEqual(
            err,
            `error: --from ${from} drops 1 of AzureCloud's ${publicRegions.length} regions (northeurope); northeurope is used by prod, which would no longer plan. ` +
                "Is it the whole output of az account list-locations -o json with AzureCloud selected? --allow-dropped-regions writes it anyway\n",
        );
        assert.deepStrictEqual(after, data);
    });

    it("refuses to drop more than a tenth of a cloud's regions no stack uses, and takes a tenth", () => {
        const unused = publicRegions.map((r) => r.name).filter((n) => n !== "westeurope" && n !== "northeurope");
        const tenth = Math.floor(publicRegions.length / 10);
        const inUse = regionsInUse();
        const keep = (dropped: readonly string[]) => publicRegions.filter((r) => !dropped.includes(r.name));
        assert.strictEqual(droppedRegionsProblem(data, "AzureCloud", keep(unused.slice(0, tenth)), inUse, "f.json"), undefined);
        assert.match(
            droppedRegionsProblem(data, "AzureCloud", keep(unused.slice(0, tenth + 1)), inUse, "f.json") ?? "",
            new RegExp(`^--from f\\.json drops ${tenth + 1} of AzureCloud's ${publicRegions.length} regions, more than 10% \\(`),
        );
    });

    it("writes a list that adds regions and drops a few no stack uses, and says what changed", async () => {
        const { code, out, err, after } = await refresh(
            [...without("brazilsoutheast", "jioindiacentral"), { name: "mexicocentral2", displayName: "Mexico Central 2" }],
            "--source",
            "test",
        );
        assert.deepStrictEqual({ code, err }, { code: 0, err: "" });
        assert.match(
            out,
            /^AzureCloud: 61 regions written to .*azureRegions\.json \(1 added: mexicocentral2; 2 dropped: brazilsoutheast, jioindiacentral\)\n$/,
        );
        assert.deepStrictEqual(
            after.clouds.AzureCloud.regions.map((r) => r.name),
            [...without("brazilsoutheast", "jioindiacentral").map((r) => r.name), "mexicocentral2"].sort(),
        );
        assert.deepStrictEqual(after.clouds.AzureUSGovernment, data.clouds.AzureUSGovernment);
    });

    it("writes a list that drops regions in use when told to, warning which stacks won't plan", async () => {
        const { code, out, err, after } = await refresh(without("northeurope"), "--allow-dropped-regions", "--source", "test");
        assert.strictEqual(code, 0);
        assert.match(out, /\(0 added; 1 dropped: northeurope\)\n$/);
        assert.strictEqual(
            err,
            "warning: northeurope is no longer a region of AzureCloud; the stacks using it won't plan until their location changes: prod\n",
        );
        assert.strictEqual(after.clouds.AzureCloud.regions.length, publicRegions.length - 1);
    });

    it("reads the regions in use from the stack files the tools read, the bootstrap's included", async () => {
        await withTempDir(async (dir) => {
            fs.mkdirSync(path.join(dir, "bootstrap"));
            fs.writeFileSync(path.join(dir, "Pulumi.tenant-a.yaml"), "config:\n  entra-provisioning-logs:location: swedencentral\n");
            fs.writeFileSync(path.join(dir, "Pulumi.tenant-b.yaml"), "config:\n  entra-provisioning-logs:location: swedencentral\n");
            fs.writeFileSync(path.join(dir, "bootstrap", "Pulumi.contoso.yaml"), "config:\n  azure-native:location: uksouth\n");
            const saved = process.env[STACKS_DIR_VARIABLE];
            process.env[STACKS_DIR_VARIABLE] = dir;
            try {
                assert.deepStrictEqual(
                    regionsInUse(),
                    new Map([
                        ["swedencentral", ["tenant-a", "tenant-b"]],
                        ["uksouth", ["bootstrap/contoso"]],
                    ]),
                );
            } finally {
                process.env[STACKS_DIR_VARIABLE] = saved;
            }
        });
    });
});
