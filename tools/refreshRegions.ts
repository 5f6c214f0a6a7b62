/**
 * Refreshes one cloud's region list in program/azureRegions.json from the output of
 * `az account list-locations -o json` (run with that cloud selected: `az cloud set --name <cloud>`):
 *
 *   npm run refresh:regions -- --from locations.json [--cloud AzureCloud] [--source "<where the file came from>"]
 *
 * No network: it reads the given file. Physical regions are kept (logical ones such as `europe` or
 * `global` can't hold a workspace); the other clouds' lists stay as they are. A list that drops a
 * region a stack file uses, or more than a tenth of the cloud's regions, is refused unless
 * `--allow-dropped-regions` is given: a partial file once replaced 64 regions with 1, after which
 * prod no longer planned.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AZURE_CLOUDS } from "../components/azure/providerConfig";
import type { AzureCloud, AzureRegion, RegionData } from "../program/regions";
import { type Command, type CommandSpec, EXIT_CODES, parseFlags, readUserFile, runAsMain, UsageError } from "./cli";
import { BOOTSTRAP_DIR, PROJECT_DIR, readStackConfig, stackNames, stacksDir } from "./stackFiles";

/** program/azureRegions.json (not regions.json: Node would load it for `require("./regions")`). */
export const REGIONS_FILE = path.join(__dirname, "..", "program", "azureRegions.json");

/**
 * The share of a cloud's regions a refresh may drop unasked: Azure retires regions one at a time,
 * so dropping more means the file is more likely partial (a filtered or cut-short output).
 */
export const MAX_DROPPED_SHARE = 0.1;

// The cloud list comes from where it is defined, not through program/regions (which loads the
// settings' validation and its SDKs): `--help` answers at once.

const SPEC: CommandSpec<"from" | "cloud" | "source", "allow-dropped-regions"> = {
    usage: 'npm run refresh:regions -- --from <az account list-locations -o json output> [--cloud AzureCloud] [--source "<text>"] [--allow-dropped-regions]',
    about: [
        "Rewrites one cloud's region list in program/azureRegions.json from what `az account list-locations -o json`",
        "printed with that cloud selected. No network: it reads the file. Other clouds' lists stay as they are.",
    ].join("\n"),
    values: {
        from: { arg: "<file>", help: "The output of az account list-locations -o json." },
        cloud: { arg: "<cloud>", help: `The cloud the list is of: ${AZURE_CLOUDS.join(", ")}. Defaults to AzureCloud.` },
        source: { arg: '"<text>"', help: "Where the list came from, kept in the file. Defaults to the file's name and today's date." },
    },
    switches: {
        "allow-dropped-regions": `Write a list that drops regions a stack file uses, or more than ${MAX_DROPPED_SHARE * 100}% of the cloud's regions.`,
    },
};

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

/**
 * The regions the stack files use, each with its stacks: every `*:location` (the program's
 * `location`, the provider's `azure-native:location`) of the main program's and the bootstrap's
 * stack files, where the tools read them (the project folders, or ENTRA_LOGS_STACKS_DIR).
 */
export function regionsInUse(): Map<string, string[]> {
    const used = new Map<string, string[]>();
    for (const [programDir, prefix] of [
        [PROJECT_DIR, ""],
        [BOOTSTRAP_DIR, "bootstrap/"],
    ] as const) {
        const dir = stacksDir(programDir);
        if (!fs.existsSync(dir)) {
            continue;
        }
        for (const stack of stackNames(dir)) {
            for (const [key, value] of Object.entries(readStackConfig(stack, { dir }).config)) {
                if (key.endsWith(":location")) {
                    used.set(value, [...(used.get(value) ?? []), `${prefix}${stack}`]);
                }
            }
        }
    }
    return used;
}

/** The first names of a long list, and how many more. */
function some(names: readonly string[], shown = 10): string {
    return names.length > shown ? `${names.slice(0, shown).join(", ")} and ${names.length - shown} more` : names.join(", ");
}

/**
 * Why `regions` (read from `file`) may not replace `cloud`'s list in `data`, in one line naming the
 * regions dropped and the stacks using them; undefined when it may: it drops no region in use and at
 * most {@link MAX_DROPPED_SHARE} of the list.
 */
export function droppedRegionsProblem(
    data: RegionData,
    cloud: AzureCloud,
    regions: readonly AzureRegion[],
    inUse: ReadonlyMap<string, readonly string[]>,
    file: string,
): string | undefined {
    const listed = new Set(regions.map((r) => r.name));
    const current = data.clouds[cloud].regions.map((r) => r.name);
    const dropped = current.filter((name) => !listed.has(name));
    const used = dropped.filter((name) => inUse.has(name));
    const tooMany = dropped.length > current.length * MAX_DROPPED_SHARE;
    if (used.length === 0 && !tooMany) {
        return undefined;
    }
    const inUseClause =
        used.length === 0
            ? ""
            : `; ${used.map((name) => `${name} is used by ${inUse.get(name)?.join(", ")}`).join(", ")}, which would no longer plan`;
    return (
        `--from ${file} drops ${dropped.length} of ${cloud}'s ${current.length} regions` +
        `${tooMany ? `, more than ${MAX_DROPPED_SHARE * 100}%` : ""} (${some(dropped)})${inUseClause}. ` +
        `Is it the whole output of az account list-locations -o json with ${cloud} selected? --allow-dropped-regions writes it anyway`
    );
}

/** @internal The command writing `regionsFile`: the tests give it a copy of program/azureRegions.json. */
export function refreshRegionsCommandOn(regionsFile: string): Command {
    return (argv, io) => refreshRegionsIn(regionsFile, argv, io);
}

export const refreshRegionsCommand: Command = (argv, io) => refreshRegionsIn(REGIONS_FILE, argv, io);

async function refreshRegionsIn(regionsFile: string, argv: readonly string[], io: Parameters<Command>[1]): Promise<number> {
    const { values, switches } = parseFlags(argv, SPEC);
    if (!values.from) {
        throw new UsageError(`--from is required; usage: ${SPEC.usage}`);
    }
    const cloud = (values.cloud ?? "AzureCloud") as AzureCloud;
    if (!AZURE_CLOUDS.includes(cloud)) {
        throw new UsageError(`--cloud is one of ${AZURE_CLOUDS.join(", ")} (got ${values.cloud})`);
    }
    const regions = regionsFromListLocations(readUserFile(values.from, "--from"), values.from);
    const source =
        values.source ??
        `az account list-locations -o json (${path.basename(values.from)}, ${new Date().toISOString().slice(0, 10)}), physical regions`;
    const data = JSON.parse(fs.readFileSync(regionsFile, "utf8")) as RegionData;
    const inUse = regionsInUse();
    const problem = droppedRegionsProblem(data, cloud, regions, inUse, values.from);
    if (problem && !switches["allow-dropped-regions"]) {
        throw new UsageError(problem);
    }
    const before = new Set(data.clouds[cloud].regions.map((r) => r.name));
    const added = regions.filter((r) => !before.has(r.name)).map((r) => r.name);
    const dropped = [...before].filter((name) => !regions.some((r) => r.name === name));
    fs.writeFileSync(regionsFile, renderRegions(refreshRegions(data, cloud, regions, source)));
    io.out(
        `${cloud}: ${regions.length} regions written to ${path.relative(process.cwd(), regionsFile)}` +
            ` (${added.length} added${added.length > 0 ? `: ${some(added)}` : ""}; ${dropped.length} dropped${dropped.length > 0 ? `: ${some(dropped)}` : ""})`,
    );
    for (const name of dropped.filter((n) => inUse.has(n))) {
        io.err(
            `warning: ${name} is no longer a region of ${cloud}; the stacks using it won't plan until their location changes: ${inUse.get(name)?.join(", ")}`,
        );
    }
    return EXIT_CODES.ok;
}

if (require.main === module) {
    runAsMain(refreshRegionsCommand);
}
