/**
 * Refreshes one cloud's region list in program/azureRegions.json from the output of
 * `az account list-locations -o json` (run with that cloud selected: `az cloud set --name <cloud>`):
 *
 *   npx ts-node --transpile-only tools/refreshRegions.ts --from locations.json [--cloud AzureCloud] [--source "<where the file came from>"]
 *
 * No network: it reads the given file. Physical regions are kept (logical ones such as `europe` or
 * `global` can't hold a workspace); the other clouds' lists stay as they are.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AZURE_CLOUDS, type AzureCloud, type AzureRegion, type RegionData } from "../program/regions";
import { type Command, EXIT_CODES, parseFlags, readUserFile, runAsMain, UsageError } from "./cli";

/** program/azureRegions.json (not regions.json: Node would load it for `require("./regions")`). */
export const REGIONS_FILE = path.join(__dirname, "..", "program", "azureRegions.json");

const USAGE =
    'npx ts-node --transpile-only tools/refreshRegions.ts --from <az account list-locations -o json output> [--cloud AzureCloud] [--source "<text>"]';

/** One entry of `az account list-locations -o json` (the ARM Subscriptions - List Locations response). */
interface ListedLocation {
    readonly name?: unknown;
    readonly displayName?: unknown;
    readonly metadata?: { readonly regionType?: unknown };
}

/** The regions in `az account list-locations -o json` output, sorted by name; throws UsageError on anything else. */
export function regionsFromListLocations(json: string, file: string): AzureRegion[] {
    let listed: unknown;
    try {
        listed = JSON.parse(json);
    } catch {
        throw new UsageError(`${file} is not JSON: run \`az account list-locations -o json > ${file}\``);
    }
    if (!Array.isArray(listed)) {
        throw new UsageError(`${file} is not a list of locations: run \`az account list-locations -o json > ${file}\``);
    }
    const regions = (listed as ListedLocation[])
        // Without metadata (older CLIs) every listed location is taken as physical.
        .filter((l) => l.metadata?.regionType === undefined || l.metadata.regionType === "Physical")
        .map((l, i) => {
            if (typeof l.name !== "string" || !/^[a-z0-9]+$/.test(l.name) || typeof l.displayName !== "string") {
                throw new UsageError(`${file} entry ${i} has no lower-case name and display name: is it az account list-locations output?`);
            }
            return { name: l.name, displayName: l.displayName };
        });
    if (regions.length === 0) {
        throw new UsageError(`${file} lists no physical region`);
    }
    return regions.sort((a, b) => a.name.localeCompare(b.name));
}

/** `data` with `cloud`'s regions and source replaced. */
export function refreshRegions(data: RegionData, cloud: AzureCloud, regions: readonly AzureRegion[], source: string): RegionData {
    return { ...data, clouds: { ...data.clouds, [cloud]: { source, regions } } };
}

/** azureRegions.json as written: one region per line, so a refresh reads as a short diff. */
export function renderRegions(data: RegionData): string {
    const cloud = (c: AzureCloud) =>
        `    ${JSON.stringify(c)}: {\n` +
        `      "source": ${JSON.stringify(data.clouds[c].source)},\n` +
        `      "regions": [\n${data.clouds[c].regions.map((r) => `        ${JSON.stringify(r)}`).join(",\n")}\n      ]\n    }`;
    return `{\n  "about": ${JSON.stringify(data.about)},\n  "clouds": {\n${AZURE_CLOUDS.map(cloud).join(",\n")}\n  }\n}\n`;
}

export const refreshRegionsCommand: Command = async (argv, io) => {
    const { values } = parseFlags(argv, { values: ["from", "cloud", "source"], switches: [], usage: USAGE });
    if (!values.from) {
        throw new UsageError(`--from is required; usage: ${USAGE}`);
    }
    const cloud = (values.cloud ?? "AzureCloud") as AzureCloud;
    if (!AZURE_CLOUDS.includes(cloud)) {
        throw new UsageError(`--cloud is one of ${AZURE_CLOUDS.join(", ")} (got ${values.cloud})`);
    }
    const regions = regionsFromListLocations(readUserFile(values.from, "--from"), values.from);
    const source =
        values.source ??
        `az account list-locations -o json (${path.basename(values.from)}, ${new Date().toISOString().slice(0, 10)}), physical regions`;
    const data = JSON.parse(fs.readFileSync(REGIONS_FILE, "utf8")) as RegionData;
    fs.writeFileSync(REGIONS_FILE, renderRegions(refreshRegions(data, cloud, regions, source)));
    io.out(`${cloud}: ${regions.length} regions written to ${path.relative(process.cwd(), REGIONS_FILE)}`);
    return EXIT_CODES.ok;
};

if (require.main === module) {
    runAsMain(refreshRegionsCommand);
}
