/**
 * Type tokens the policies match, with their aliases: matching by token keeps the pack free of
 * azure-native (a very large package) and covers the dynamic resources this program defines.
 */
const TYPES = {
    workspace: ["azure-native:operationalinsights:Workspace"],
    table: ["azure-native:operationalinsights:Table"],
    tableRetention: ["pulumi-nodejs:dynamic:TableRetention"],
    diagnosticSetting: ["azure-native:aadiam:DiagnosticSetting"],
    scheduledQueryRule: ["azure-native:monitor:ScheduledQueryRule", "azure-native:insights:ScheduledQueryRule"],
    actionGroup: ["azure-native:monitor:ActionGroup", "azure-native:insights:ActionGroup"],
    workbook: ["azure-native:applicationinsights:Workbook", "azure-native:insights:Workbook"],
    registration: ["pulumi-nodejs:dynamic:ResourceProviderRegistration"],
} as const;

/** Whether `type` is one of the tokens of a kind. */
export function isType(type: string, kind: keyof typeof TYPES): boolean {
    return (TYPES[kind] as readonly string[]).includes(type);
}
