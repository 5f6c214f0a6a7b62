import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { AZURE_CLOUDS, cloudOf, locationProblem, type RegionData, regionsOf } from "../../program/regions";
import { readStackConfig, stackNames } from "../../tools/stackFiles";
import { refreshRegions, refreshRegionsCommand, REGIONS_FILE, regionsFromListLocations, renderRegions } from "../../tools/refreshRegions";
import { withTempDir } from "../support/tempDir";

const data = JSON.parse(fs.readFileSync(REGIONS_FILE, "utf8")) as RegionData;

/** A few entries shaped as `az account list-locations -o json` prints them. */
const LISTED = [
    {
        name: "westeurope",
        displayName: "West Europe",
        regionalDisplayName: "(Europe) West Europe",
        metadata: { regionType: "Physical", regionCategory: "Recommended" },
    },
    { name: "europe", displayName: "Europe", regionalDisplayName: "Europe", metadata: { regionType: "Logical", regionCategory: "Other" } },
    {
        name: "eastus",
        displayName: "East US",
        regionalDisplayName: "(US) East US",
        metadata: { regionType: "Physical", regionCategory: "Recommended" },
    },
];

const io = () => {
    const out: string[] = [];
    return { out, io: { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), stdin: () => "" } };
};

describe("stack settings: Azure regions", () => {
    it("cites a source for every cloud's list", () => {
        for (const cloud of AZURE_CLOUDS) {
            assert.ok(data.clouds[cloud].source.length > 20, `${cloud} has a source`);
            assert.ok(regionsOf(cloud).length >= 6, `${cloud} lists its regions`);
        }
        assert.match(
            data.clouds.AzureCloud.source,
            /^Azure\/terraform-azurerm-avm-utl-regions, modules\/cached-data\/locations\.tf\.json at commit [0-9a-f]{40}/,
        );
    });

    it("lists lower-case names, each in one cloud only, sorted", () => {
        const all = AZURE_CLOUDS.flatMap((c) => regionsOf(c).map((r) => r.name));
        assert.strictEqual(new Set(all).size, all.length);
        for (const cloud of AZURE_CLOUDS) {
            const names = regionsOf(cloud).map((r) => r.name);
            assert.deepStrictEqual(names, [...names].sort());
            assert.ok(
                names.every((n) => /^[a-z0-9]+$/.test(n)),
                cloud,
            );
        }
    });

    it("holds the regions of every example stack, in the public cloud", () => {
        for (const stack of stackNames()) {
            const location = readStackConfig(stack).config["entra-provisioning-logs:location"];
            assert.strictEqual(cloudOf(location), "AzureCloud", `${stack}: ${location}`);
        }
    });

    it("marks Government and China regions by cloud, and validates a location against the cloud it is given", () => {
        assert.strictEqual(cloudOf("usgovvirginia"), "AzureUSGovernment");
        assert.strictEqual(cloudOf("chinanorth3"), "AzureChinaCloud");
        assert.strictEqual(locationProblem("usgovvirginia", "AzureUSGovernment"), undefined);
        assert.strictEqual(
            locationProblem("westeurope", "AzureChinaCloud"),
            "must be a region of Azure operated by 21Vianet (China); westeurope is a region of the Azure public cloud",
        );
        assert.strictEqual(
            locationProblem("chinanorht", "AzureChinaCloud"),
            "must be the name of a region of Azure operated by 21Vianet (China); did you mean chinanorth?",
        );
    });

    it("is what the refresh script writes, so a refresh shows only real changes", () => {
        assert.strictEqual(renderRegions(data), fs.readFileSync(REGIONS_FILE, "utf8"));
    });

    it("refreshes one cloud from az account list-locations output, keeping physical regions and the other clouds", () => {
        const regions = regionsFromListLocations(JSON.stringify(LISTED), "locations.json");
        assert.deepStrictEqual(regions, [
            { name: "eastus", displayName: "East US" },
            { name: "westeurope", displayName: "West Europe" },
        ]);
        const refreshed = refreshRegions(data, "AzureCloud", regions, "test");
        assert.deepStrictEqual(refreshed.clouds.AzureCloud, { source: "test", regions });
        assert.deepStrictEqual(refreshed.clouds.AzureUSGovernment, data.clouds.AzureUSGovernment);
        assert.deepStrictEqual(refreshed.clouds.AzureChinaCloud, data.clouds.AzureChinaCloud);
        assert.deepStrictEqual(JSON.parse(renderRegions(refreshed)), refreshed);
    });

    it("refuses a file that is not az account list-locations output, with one line", async () => {
        assert.throws(() => regionsFromListLocations("{", "x.json"), {
            name: "UsageError",
            message: "x.json is not JSON: run `az account list-locations -o json > x.json`",
        });
        assert.throws(() => regionsFromListLocations('{"value":[]}', "x.json"), {
            message: "x.json is not a list of locations: run `az account list-locations -o json > x.json`",
        });
        assert.throws(() => regionsFromListLocations('[{"name":"West Europe","displayName":"West Europe"}]', "x.json"), {
            message: "x.json entry 0 has no lower-case name and display name: is it az account list-locations output?",
        });
        await assert.rejects(refreshRegionsCommand([], io().io), { name: "UsageError", message: /^--from is required; usage: / });
        await assert.rejects(refreshRegionsCommand(["--from", "missing.json", "--cloud", "AzureMoon"], io().io), {
            message: "--cloud is one of AzureCloud, AzureUSGovernment, AzureChinaCloud (got AzureMoon)",
        });
        await withTempDir(async (dir) => {
            const file = path.join(dir, "locations.json");
            fs.writeFileSync(file, JSON.stringify([LISTED[1]]));
            await assert.rejects(refreshRegionsCommand(["--from", file], io().io), { message: `${file} lists no physical region` });
        });
        assert.strictEqual(renderRegions(data), fs.readFileSync(REGIONS_FILE, "utf8"), "the data file is untouched");
    });
});
