import { AZURE_CLOUDS, CLOUDS } from "../components/azure/cloud";
import type { AzureCloud } from "../components/azure/cloud";
import data from "./azureRegions.json";
import { ConfigError, editDistance } from "./settingsValidation";

/**
 * Azure region names (ARM location names such as `westeurope`) per cloud, kept as data in
 * azureRegions.json with the source of each cloud's list; `tools/refreshRegions.ts` rewrites a cloud's
 * list from `az account list-locations -o json` output.
 */

/** The clouds, named as `az cloud list` names them; their endpoints are in azure/cloud.ts. */
export { AZURE_CLOUDS };
export type { AzureCloud };

/** Display names of the clouds, for messages. */
export const CLOUD_NAMES: Readonly<Record<AzureCloud, string>> = Object.fromEntries(
    AZURE_CLOUDS.map((c) => [c, CLOUDS[c].displayName]),
) as Record<AzureCloud, string>;

export interface AzureRegion {
    /** The programmatic name, e.g. `westeurope`. */
    readonly name: string;
    /** e.g. `West Europe`. */
    readonly displayName: string;
}

/** The data file's shape: each cloud's regions and where the list comes from. */
export interface RegionData {
    readonly about: string;
    readonly clouds: Readonly<Record<AzureCloud, { readonly source: string; readonly regions: readonly AzureRegion[] }>>;
}

const REGIONS: RegionData = data;

/** The regions of a cloud. */
export function regionsOf(cloud: AzureCloud): readonly AzureRegion[] {
    return REGIONS.clouds[cloud].regions;
}

/** The cloud a region name belongs to, if any. */
export function cloudOf(name: string): AzureCloud | undefined {
    return AZURE_CLOUDS.find((cloud) => regionsOf(cloud).some((r) => r.name === name));
}

/** How far a text may be from a region name to be suggested. */
const SUGGESTION_DISTANCE = 3;

/**
 * What is wrong with `location` as a region of `cloud`, as the rest of a one-line message after
 * the setting's name; undefined when it is one. Suggests the closest name: display names
 * (`West Europe`) and typos (`westeuropa`) alike.
 */
export function locationProblem(location: string, cloud: AzureCloud): string | undefined {
    const names = regionsOf(cloud).map((r) => r.name);
    if (names.includes(location)) {
        return undefined;
    }
    const elsewhere = cloudOf(location);
    if (elsewhere) {
        return `must be a region of ${CLOUD_NAMES[cloud]}; ${location} is a region of ${CLOUD_NAMES[elsewhere]}`;
    }
    const normalized = location.toLowerCase().replace(/[\s_-]+/g, "");
    let best: { name: string; distance: number } | undefined;
    for (const name of names) {
        const distance = editDistance(normalized, name, SUGGESTION_DISTANCE);
        if (distance <= SUGGESTION_DISTANCE && (best === undefined || distance < best.distance)) {
            best = { name, distance };
        }
    }
    return best
        ? `must be the name of a region of ${CLOUD_NAMES[cloud]}; did you mean ${best.name}?`
        : `must be the name of a region of ${CLOUD_NAMES[cloud]}, such as westeurope, as \`az account list-locations -o table\` lists them`;
}

/**
 * Refuses a `location` that is not a region of `cloud` (the cloud `azure-native:environment` selects,
 * see azure/cloud.ts `chooseCloud`) with one line naming the setting, the rule and the value, e.g.
 * `` `location` must be a region of Azure Government; westeurope is a region of the Azure public cloud (got "westeurope") ``.
 */
export function validateRegion(location: string, cloud: AzureCloud, setting = "location"): void {
    const problem = locationProblem(location, cloud);
    if (problem) {
        throw new ConfigError(`\`${setting}\` ${problem} (got ${JSON.stringify(location)})`);
    }
}
