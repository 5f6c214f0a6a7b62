import * as pulumi from "@pulumi/pulumi";
import * as aadiam from "@pulumi/azure-native/aadiam";
import { userError } from "./support/userError";
import { PROVISIONING_LOGS_CATEGORY } from "./azure/armFacts";

/** Inputs of {@link TenantDiagnosticSetting}. */
export interface TenantDiagnosticSettingArgs {
    /** Required. Name of the tenant-level diagnostic setting (unique in the tenant). */
    readonly settingName: pulumi.Input<string>;
    /** Required. ARM resource ID of the Log Analytics workspace to send logs to. */
    readonly workspaceId: pulumi.Input<string>;
    /**
     * Optional. Extra Entra log categories to send besides ProvisioningLogs, e.g. `AuditLogs`
     * (quarantine of a provisioning job is only logged there). Defaults to none.
     */
    readonly extraCategories?: readonly string[];
    /**
     * Optional. Destinations besides the workspace (an event hub, a storage account). Defaults to
     * none. An adopted setting must list every one it has today.
     */
    readonly destinations?: DiagnosticSettingDestinations;
    /**
     * Optional. The setting `settingName` already exists (e.g. made in the portal): adopt it with
     * Pulumi's `import` resource option instead of creating another. Since pulumi/pulumi#19339 the
     * engine imports the live setting and then updates it to these inputs
     * (pulumi.com/docs/iac/concepts/resources/options/import: "the import will succeed, and the
     * resource will then be modified to reflect the inputs in your Pulumi program"), so an input
     * left out would be removed: the component first reads the live setting
     * (`aadiam.getDiagnosticSetting`) and refuses, with one line, to adopt one that sends a category
     * not in `extraCategories`, to another workspace, or to a destination not in `destinations`.
     * Categories the live setting lists as disabled are dropped from it: nothing it sends changes.
     * The adopted setting is kept in the tenant when the stack is destroyed (`retainOnDelete`): it
     * was there before. With a Pulumi CLI older than that change, an import whose inputs differ
     * fails instead ("inputs to import do not match the existing resource"), changing nothing.
     * A refusal fails the setting's registration; the outputs that wait on it then fail too, and
     * Pulumi prints those as well. For the refusal alone, await the exported `checkAdoptable` before
     * building the component, as this project's own program (index.ts) does. Defaults to false: the
     * setting is created.
     */
    readonly adopt?: boolean;
}

/** Where a tenant diagnostic setting sends logs besides a Log Analytics workspace (Microsoft.Aadiam 2017-04-01, DiagnosticSettings). */
export interface DiagnosticSettingDestinations {
    /** Resource ID of a storage account. */
    readonly storageAccountId?: string;
    /** Resource ID of an event hub namespace's (or event hub's) authorization rule. */
    readonly eventHubAuthorizationRuleId?: string;
    /** Name of the event hub; the namespace's default when left out. */
    readonly eventHubName?: string;
    /** Service bus rule ID, kept by ARM for backwards compatibility. */
    readonly serviceBusRuleId?: string;
}

/**
 * The import ID of a tenant diagnostic setting: its ARM ID, `/providers/microsoft.aadiam/diagnosticSettings/{name}`
 * (the path of DiagnosticSettings_Get in azure-rest-api-specs, Microsoft.Aadiam stable 2017-04-01).
 */
export function diagnosticSettingImportId(settingName: string): string {
    return `/providers/microsoft.aadiam/diagnosticSettings/${settingName}`;
}

/**
 * The tenant-level Entra ID diagnostic setting (`microsoft.aadiam/diagnosticSettings`) that streams
 * ProvisioningLogs, and any extra categories, to the workspace: created, or an existing one adopted
 * (see {@link TenantDiagnosticSettingArgs.adopt}). Pass a `dependsOn` on the microsoft.insights
 * registration: ARM refuses the setting on an unregistered subscription.
 */
export class TenantDiagnosticSetting extends pulumi.ComponentResource {
    /** The diagnostic setting. */
    public readonly setting: aadiam.DiagnosticSetting;
    /** Its name in the tenant. */
    public readonly settingName: pulumi.Output<string>;
    /** The categories it sends, ProvisioningLogs first. */
    public readonly categories: string[];
    /** The setting existed before and is adopted (imported), not created. */
    public readonly adopted: boolean;

    constructor(name: string, args: TenantDiagnosticSettingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:TenantDiagnosticSetting", name, {}, opts);
        // Children wait for whatever the component waits for (a component's dependsOn alone doesn't hold them back).
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };

        // Entra compares categories without regard to case: one entry each, ProvisioningLogs first.
        this.categories = [PROVISIONING_LOGS_CATEGORY, ...(args.extraCategories ?? [])].filter(
            (c, i, all) => all.findIndex((d) => d.toLowerCase() === c.toLowerCase()) === i,
        );
        this.adopted = args.adopt ?? false;
        // The SDK's Category enum lacks ProvisioningLogs, so the category is a plain string.
        // New settings reject a retention policy; retention lives in the workspace instead.
        const logs = this.categories.map((category) => ({ category, enabled: true, retentionPolicy: { enabled: false, days: 0 } }));
        const destinations = args.destinations ?? {};
        this.setting = new aadiam.DiagnosticSetting(
            `${name}-setting`,
            { name: args.settingName, workspaceId: args.workspaceId, ...destinations, logs },
            this.adopted
                ? {
                      ...childOpts,
                      // Registered only once the check passes that adopting it drops nothing; a failed check
                      // is the run's one error line (an error in an input's value would carry a prefix).
                      // The SDK gathers dependencies from an output whatever it holds (runtime/resource.ts, gatherExplicitDependencies).
                      dependsOn: adoptionChecked(this, name, args, this.categories, destinations).apply(
                          () => opts?.dependsOn ?? [],
                      ) as pulumi.Input<pulumi.Input<pulumi.Resource>[]>,
                      import: diagnosticSettingImportId(knownName(name, args.settingName)),
                      retainOnDelete: true,
                  }
                : childOpts,
        );
        this.settingName = this.setting.name;
        this.registerOutputs({ setting: this.setting, settingName: this.settingName });
    }
}

/** The name of a setting to adopt: Pulumi's `import` option takes a known ID, not an output. */
function knownName(name: string, settingName: pulumi.Input<string>): string {
    if (typeof settingName !== "string") {
        throw new Error(
            `TenantDiagnosticSetting ${name}: adopting a setting needs its name as a plain string (Pulumi's import option takes a known ID)`,
        );
    }
    return settingName;
}

/** What the stack declares for an adopted setting. */
export interface DeclaredSetting {
    readonly name: string;
    readonly workspaceId: string;
    readonly categories: readonly string[];
    readonly destinations: DiagnosticSettingDestinations;
}

/** The last segment of an ARM ID: the resource's name. */
const nameOf = (id: string) => id.split("/").pop() || id;

/**
 * Why adopting the live setting with the declared inputs would drop something it does today, in
 * one line; undefined when nothing would be dropped. The import updates the live setting to the
 * declared inputs (see {@link TenantDiagnosticSettingArgs.adopt}): a category left out stops being
 * sent, and a workspace or destination left out stops receiving logs. Adding is fine; ProvisioningLogs
 * is always declared. Categories and IDs compare without regard to case, as ARM compares them.
 * @internal Exported for tests.
 */
export function adoptionProblem(live: aadiam.GetDiagnosticSettingResult, declared: DeclaredSetting): string | undefined {
    const setting = `tenant diagnostic setting ${declared.name}`;
    const liveWorkspace = live.workspaceId || undefined;
    if (liveWorkspace && liveWorkspace.toLowerCase() !== declared.workspaceId.toLowerCase()) {
        return (
            `${setting} sends its logs to workspace ${nameOf(liveWorkspace)}, not to this stack's ${nameOf(declared.workspaceId)}: adopting it would move them all; ` +
            `use that workspace (existingWorkspaceId ${liveWorkspace}) or adopt another setting`
        );
    }
    const listed = new Set(declared.categories.map((c) => c.toLowerCase()));
    const dropped = (live.logs ?? [])
        .filter((l) => l.enabled && l.category && !listed.has(l.category.toLowerCase()))
        .map((l) => String(l.category));
    if (dropped.length > 0) {
        const them = dropped.length === 1 ? "it" : "them";
        return (
            `${setting} sends ${dropped.join(", ")}, which the stack does not list: adopting it would stop sending ${them}; ` +
            `add ${them} to diagnosticLogCategories (npm run discover prints the settings to adopt it as it is)`
        );
    }
    for (const key of ["storageAccountId", "eventHubAuthorizationRuleId", "eventHubName", "serviceBusRuleId"] as const) {
        const value = live[key];
        if (value && value.toLowerCase() !== (declared.destinations[key] ?? "").toLowerCase()) {
            return `${setting} also sends to ${key} ${value}, which the stack does not list: adopting it would stop that; add ${key}=${value} to diagnosticSettingDestinations`;
        }
    }
    return undefined;
}

/** One line for a failed read of the setting to adopt, by what the provider answered. */
function readFailure(name: string, e: Error): string {
    const first = String(e.message ?? e).split("\n")[0];
    if (/\b404\b|NotFound/i.test(first)) {
        return `tenant diagnostic setting ${name} does not exist, so it cannot be adopted: check its name (npm run discover lists the tenant's settings)`;
    }
    if (/\b403\b|AuthorizationFailed|Forbidden/i.test(first)) {
        return `not allowed to read tenant diagnostic setting ${name} to adopt it: the identity needs microsoft.aadiam/diagnosticSettings/read, a role at scope /providers/Microsoft.aadiam`;
    }
    return `could not read tenant diagnostic setting ${name} to adopt it: ${first}`;
}

/**
 * Reads the live setting and resolves once adopting it with the declared inputs drops nothing;
 * otherwise fails with one line. A `RunError` is what Pulumi prints as its message alone, without a
 * stack trace (@pulumi/pulumi, cmd/run: "Always hide the stack for RunErrors").
 */
function adoptionChecked(
    parent: pulumi.Resource,
    component: string,
    args: TenantDiagnosticSettingArgs,
    categories: readonly string[],
    destinations: DiagnosticSettingDestinations,
): pulumi.Output<void> {
    const name = knownName(component, args.settingName);
    return pulumi.output(args.workspaceId).apply((workspaceId) => checkAdoptable({ name, workspaceId, categories, destinations }, parent));
}

/**
 * Reads the live setting and resolves once adopting it as `declared` drops nothing; otherwise
 * rejects with one line. A program can await it before building anything, so the line is the run's
 * error as it is (an error inside a resource's options reaches the engine wrapped in the name of
 * the property being serialized).
 */
export async function checkAdoptable(declared: DeclaredSetting, parent?: pulumi.Resource): Promise<void> {
    let live: aadiam.GetDiagnosticSettingResult;
    try {
        live = await aadiam.getDiagnosticSetting({ name: declared.name }, parent ? { parent } : {});
    } catch (e) {
        throw userError(readFailure(declared.name, e as Error));
    }
    const problem = adoptionProblem(live, declared);
    if (problem) {
        throw userError(problem);
    }
}
