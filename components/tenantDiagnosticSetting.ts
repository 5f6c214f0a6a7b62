import * as pulumi from "@pulumi/pulumi";
import * as aadiam from "@pulumi/azure-native/aadiam";
import { PROVISIONING_LOGS_CATEGORY } from "entra-provisioning-logs-policies/armFacts";


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
}

/**
 * The tenant-level Entra ID diagnostic setting (`microsoft.aadiam/diagnosticSettings`) that streams
 * ProvisioningLogs, and any extra categories, to the workspace. Pass a `dependsOn` on the
 * microsoft.insights registration: ARM refuses the setting on an unregistered subscription.
 */
export class TenantDiagnosticSetting extends pulumi.ComponentResource {
    /** The diagnostic setting. */
    public readonly setting: aadiam.DiagnosticSetting;
    /** Its name in the tenant. */
    public readonly settingName: pulumi.Output<string>;
    /** The categories it sends, ProvisioningLogs first. */
    public readonly categories: string[];

    constructor(name: string, args: TenantDiagnosticSettingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:monitoring:TenantDiagnosticSetting", name, {}, opts);
        // Children wait for whatever the component waits for (a component's dependsOn alone doesn't hold them back).
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };

        this.categories = [PROVISIONING_LOGS_CATEGORY, ...(args.extraCategories ?? []).filter((c) => c !== PROVISIONING_LOGS_CATEGORY)];
        this.setting = new aadiam.DiagnosticSetting(
            `${name}-setting`,
            {
                name: args.settingName,
                workspaceId: args.workspaceId,
                // The SDK's Category enum lacks ProvisioningLogs, so the category is a plain string.
                // New settings reject a retention policy; retention lives in the workspace instead.
                logs: this.categories.map((category) => ({
                    category,
                    enabled: true,
                    retentionPolicy: { enabled: false, days: 0 },
                })),
            },
            childOpts,
        );
        this.settingName = this.setting.name;
        this.registerOutputs({ setting: this.setting, settingName: this.settingName });
    }
}
