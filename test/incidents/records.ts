/**
 * Rows of the three tables the alert rules read, in the export format `npm run replay -- --logs <dir>`
 * reads: one object per row as `az monitor log-analytics query -o json` prints it (column name →
 * value; datetimes ISO 8601 with Z; dynamic and JSON-bearing columns as JSON text), plus
 * `_TimeReceived`, the moment the row became queryable (TimeGenerated + the incident's ingestion delay).
 * Every row carries every column of its table in tools/offline/kql/tables.json, as a query's result does.
 *
 * Sources of the shapes (what is assumed is said where it is used):
 * - AADProvisioningLogs columns and types: tools/offline/kql/tables.json (Azure-Sentinel CustomTables,
 *   Learn's table reference). JSON-bearing columns are strings whose property names Learn's sample
 *   queries read: `ServicePrincipal.Id`/`.Name`, `SourceIdentity.Id`, `SourceIdentity.identityType`,
 *   `SourceIdentity.details`, `ProvisioningSteps.[-1].name`, `ProvisioningSteps.[2].description`
 *   (MicrosoftDocs/entra-docs docs/identity/app-provisioning/application-provisioning-log-analytics.md,
 *   commit 0596ed5741a1a56ff693666af21ef27e34386453); `SourceIdentity.details.UserPrincipalName`
 *   (microsoft/Application-Insights-Workbooks, Workbooks/Azure Active Directory TroubleShooting/Provisioning/
 *   ProvisioningAnalysis.workbook, commit 1809727e9a8562f30220494fd846e9a3423b8ede); compact JSON
 *   (`"identityType":"User"`, Learn's AADProvisioningLogs sample queries parse the text that way).
 * - Provisioning step names and types, the skip wording and the SCIM identity types follow a live Graph
 *   provisioningObjectSummary record (EntryImportUpdate/import, EntryImport/matching,
 *   EntrySynchronizationScoping/scoping, EntrySynchronizationSkip/export); the export steps' names
 *   (EntryExportAdd, EntryExportUpdate, …) follow that pattern and are assumed.
 * - AuditLogs: tables.json (Learn's table reference); ProvisioningManagement activities from
 *   MicrosoftDocs/entra-docs docs/identity/monitoring-health/reference-audit-activities.md (commit
 *   092dd5c10f0a9862e46feda3d47f705ea1586303); LoggedByService "Account Provisioning" and Ids
 *   "Sync_<CorrelationId>_<5 chars>_<number>" from the Get-MgAuditLogDirectoryAudit output in
 *   docs/identity/multi-tenant-organizations/cross-tenant-synchronization-configure-graph.md.
 * - _LogOperation: MicrosoftDocs/azure-monitor-docs articles/azure-monitor/logs/monitor-workspace.md
 *   (commit c34bb2246f2c0741d5b4d3182daf163c8b1967eb).
 */
import type { Random } from "./random";

export type Row = Record<string, unknown>;

/** The tables an incident exports, by their name in queries. */
export const INCIDENT_TABLES = ["AADProvisioningLogs", "AuditLogs", "_LogOperation"] as const;
export type IncidentTable = (typeof INCIDENT_TABLES)[number];

/** The export file of each table: `_LogOperation` is a function, so its file drops the underscore. */
export const EXPORT_FILES: Readonly<Record<IncidentTable, string>> = {
    AADProvisioningLogs: "AADProvisioningLogs.json",
    AuditLogs: "AuditLogs.json",
    _LogOperation: "LogOperation.json",
};

/** The tenant and workspace every incident happens in (fixed, so rows are comparable across incidents). */
export const TENANT = {
    /** Entra tenant (AADTenantId). */
    id: "8b3c5e2a-1f4d-4c6b-9a7e-2d5f8c1b3e6a",
    /** Log Analytics workspace id (the TenantId column). */
    workspaceId: "0f4e9c2d-7a1b-4e3c-8d5f-6b2a9c1e7d40",
    resourceId:
        "/subscriptions/6d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a/resourcegroups/rg-entra-logs/providers/microsoft.operationalinsights/workspaces/law-entra-logs",
    domain: "contoso.com",
} as const;

/** An application with a provisioning job. */
export interface App {
    /** The service principal's display name: ServicePrincipal.Name, which the rules report as App. */
    readonly name: string;
    readonly servicePrincipalId: string;
    readonly jobId: string;
    /** Users in the job's scope. */
    readonly users: number;
    /** Cross-tenant sync writes Entra users; SCIM apps write SCIM users. */
    readonly target: "scim" | "entra";
    /** Prefix of this app's user object ids (a UUID without its last 12 hex digits). */
    readonly userIdPrefix: string;
}

/**
 * An app, its ids drawn from a stream seeded by its name (the same app has the same ids in every
 * incident). JobId is "<template>.<tenant id without dashes>.<job guid>", as a live record shows
 * ("scim.4b8c18bd2f9f4227af559f1061cf9c32.4ba261ce-…"); Learn's samples write the middle part with
 * dashes ("scim.73f0883f-d67d-….5ef3be57-…", "Azure2Azure.73f0883f-….…").
 */
export function makeApp(name: string, users: number, target: App["target"], rng: Random): App {
    const template = target === "entra" ? "Azure2Azure" : "scim";
    return {
        name,
        servicePrincipalId: rng.uuid(),
        jobId: `${template}.${TENANT.id.replace(/-/g, "")}.${rng.uuid()}`,
        users,
        target,
        userIdPrefix: rng.uuid().slice(0, 24),
    };
}

/** What one provisioning event did; "Skip" is the other/Skipped event of a change that needs no export. */
export type Change = "Create" | "Update" | "Disable" | "Delete" | "Skip";

/** An error the target system returned. */
export interface Failure {
    /** ResultSignature: the error code. */
    readonly code: string;
    /** ResultDescription: the reason. */
    readonly reason: string;
}

/**
 * Documented error codes. InvalidLookupReference: ServiceNow rejects a value missing from its reference
 * table (entra-docs docs/identity/saas-apps/servicenow-provisioning-tutorial.md, "Troubleshooting tips",
 * commit 0039785a54a793f81c37269d3c26b2c56caad568). SystemForCrossDomainIdentityManagementBadResponse: a
 * SCIM endpoint answered with an error (the Workday inbound tutorial's troubleshooting table quotes it);
 * used here for an unreachable or unauthorised target, the exact code Entra logs then is not documented.
 * EntryJoiningPropertyValueIsMissing: the matching attribute has no value (ServiceNow tutorial, same place).
 */
export const FAILURES = {
    lookup: {
        code: "InvalidLookupReference",
        reason: "Failed to update User in ServiceNow; the value 'LA' of attribute 'location' is not present in the reference table.",
    },
    scimError: {
        code: "SystemForCrossDomainIdentityManagementBadResponse",
        reason: "The SCIM endpoint of the application answered with an error (HTTP 401 Unauthorized).",
    },
    outage: {
        code: "SystemForCrossDomainIdentityManagementBadResponse",
        reason: "The SCIM endpoint of the application answered with an error (HTTP 503 Service Unavailable).",
    },
    joining: {
        code: "EntryJoiningPropertyValueIsMissing",
        reason: "The matching attribute 'mail' has no value for this user, so the user can't be matched in the target system.",
    },
} as const satisfies Record<string, Failure>;

/** One provisioning event: one row of AADProvisioningLogs. */
export interface ProvisioningEvent {
    readonly app: App;
    /** TimeGenerated, ms since the epoch. */
    readonly at: number;
    /** When it became queryable, ms since the epoch. */
    readonly received: number;
    readonly cycleId: string;
    readonly change: Change;
    /** The user in the app's scope (index). */
    readonly user: number;
    readonly failure?: Failure;
}

const ACTIONS: Readonly<Record<Change, readonly [action: string, provisioningAction: string]>> = {
    Create: ["Create", "create"],
    Update: ["Update", "update"],
    Disable: ["Disable", "disable"],
    Delete: ["Delete", "delete"],
    Skip: ["Other", "other"],
};

const EXPORT_STEP: Readonly<Record<Exclude<Change, "Skip">, string>> = {
    Create: "EntryExportAdd",
    Update: "EntryExportUpdate",
    Disable: "EntryExportUpdateSoftDelete",
    Delete: "EntryExportDelete",
};

const IMPORT_KIND: Readonly<Record<Change, string>> = {
    Create: "Add",
    Update: "Update",
    Disable: "Update",
    Delete: "Delete",
    Skip: "Update",
};

export function iso(ms: number): string {
    return new Date(ms).toISOString();
}

/** The AADProvisioningLogs row of an event. `rng` draws its ids and duration. */
export function provisioningRow(event: ProvisioningEvent, rng: Random): Row {
    const { app, change, failure } = event;
    const [action, provisioningAction] = ACTIONS[change];
    const resultType = failure ? "Failure" : change === "Skip" ? "Skipped" : "Success";
    const status = resultType.toLowerCase();
    const userId = `${app.userIdPrefix}${event.user.toString(16).padStart(12, "0")}`;
    const upn = `user${event.user}@${TENANT.domain}`;
    const displayName = `User ${event.user}`;
    const changeId = rng.uuid();
    // The user's id in the target: an Entra object id for cross-tenant sync, the app's own id (a short
    // token, as the live record's "ffsdj2g8zwtfkd") for SCIM apps.
    const targetId =
        app.target === "entra"
            ? `${app.servicePrincipalId.slice(0, 24)}${event.user.toString(16).padStart(12, "0")}`
            : `${app.userIdPrefix.slice(0, 6)}${event.user.toString(36).padStart(8, "0")}`;
    const steps: object[] = [
        {
            name: `EntryImport${IMPORT_KIND[change]}`,
            provisioningStepType: "import",
            status: "success",
            description: `Received User '${userId}' change of type (${IMPORT_KIND[change]}) from Microsoft Entra ID`,
            details: {},
        },
        {
            name: "EntrySynchronizationScoping",
            provisioningStepType: "scoping",
            status: "success",
            description: "Determine if User in scope by evaluating against each scoping filter",
            details: {},
        },
        {
            name: "EntryImport",
            provisioningStepType: "matching",
            status: "success",
            description: `Retrieved '${upn}' from ${app.name}`,
            details: {},
        },
        change === "Skip"
            ? {
                  name: "EntrySynchronizationSkip",
                  provisioningStepType: "export",
                  status: "skipped",
                  description: `The state of the entry in both the source and target systems already match. No change to the User '${userId}' currently needs to be made.`,
                  details: {},
              }
            : {
                  name: EXPORT_STEP[change],
                  provisioningStepType: "export",
                  status: failure ? "failure" : "success",
                  description: failure
                      ? failure.reason
                      : `User '${upn}' was ${change === "Create" ? "created" : change === "Delete" ? "deleted" : "updated"} in ${app.name}`,
                  details: {},
              },
    ];
    // Graph's provisioningStatusInfo (status, errorInformation: errorCode, reason, errorCategory, …);
    // the same property names in Log Analytics are assumed.
    const statusInfo = JSON.stringify({
        status,
        errorInformation: failure
            ? {
                  errorCode: failure.code,
                  reason: failure.reason,
                  additionalDetails: "",
                  errorCategory: "nonServiceFailure",
                  recommendedAction: "",
              }
            : null,
    });
    const row: Row = {
        TenantId: TENANT.workspaceId,
        AADTenantId: TENANT.id,
        TimeGenerated: iso(event.at),
        OperationName: "Provisioning activity",
        OperationVersion: "1.0",
        Category: "ProvisioningLogs",
        ResultType: resultType,
        ResultSignature: failure ? failure.code : "",
        ResultDescription: failure ? failure.reason : "",
        DurationMs: rng.int(120, 2400),
        CorrelationId: changeId,
        Action: action,
        ChangeId: changeId,
        CycleId: event.cycleId,
        Id: rng.uuid(),
        // Assumed: Graph's initiatedBy (displayName, id, initiatorType) under Log Analytics' Id/Name.
        InitiatedBy: JSON.stringify({ Id: "", Name: "Azure AD Provisioning Service", initiatorType: "system" }),
        JobId: app.jobId,
        ModifiedProperties:
            change === "Update" && !failure
                ? JSON.stringify([{ displayName: "department", oldValue: '["Sales"]', newValue: '["Marketing"]' }])
                : "[]",
        ProvisioningSteps: JSON.stringify(steps),
        ServicePrincipal: JSON.stringify({ Id: app.servicePrincipalId, Name: app.name }),
        SourceIdentity: JSON.stringify({
            Id: userId,
            Name: displayName,
            identityType: "User",
            details: { UserPrincipalName: upn, DisplayName: displayName, odatatype: "User" },
        }),
        // Assumed: the systems carry Id/Name/details like the identities.
        SourceSystem: JSON.stringify({ Id: "e156568c-b65b-40a1-82ca-8afd5500c140", Name: "Microsoft Entra ID", details: {} }),
        StatusInfo: JSON.stringify({ status }),
        TargetIdentity: JSON.stringify({
            Id: targetId,
            Name: change === "Create" && failure ? "" : displayName,
            identityType: app.target === "entra" ? "User" : "urn:ietf:params:scim:schemas:core:2.0:User",
            details: {},
        }),
        TargetSystem: JSON.stringify({
            Id: app.servicePrincipalId,
            Name: app.target === "entra" ? "Microsoft Entra ID (target tenant)" : app.name,
            details: { ServicePrincipalId: app.servicePrincipalId, ServicePrincipalDisplayName: app.name },
        }),
        ProvisioningAction: provisioningAction,
        ProvisioningStatusInfo: statusInfo,
        Type: "AADProvisioningLogs",
        _BilledSize: 0,
        _IsBillable: "True",
        _TimeReceived: iso(event.received),
    };
    row._BilledSize = billedSize(row);
    return row;
}

/** The ProvisioningManagement activities the incidents use (all in reference-audit-activities.md). */
export type ProvisioningActivity =
    | "Quarantine"
    | "Disable/pause provisioning configuration"
    | "Enable/start provisioning configuration"
    | "Enable/restart provisioning configuration"
    | "Update provisioning setting or credentials";

/** One ProvisioningManagement audit event about an app's provisioning job. */
export interface AuditEvent {
    readonly app: App;
    readonly at: number;
    readonly received: number;
    readonly activity: ProvisioningActivity;
    /** An admin (UPN) or the provisioning service. */
    readonly by: { readonly admin: string } | "service";
    readonly description?: string;
}

/**
 * The AuditLogs row of an audit event. TargetResources is the job's service principal: Microsoft's
 * Provisioning Analysis workbook ("Quarantine history", "Operations by job") mv-expands TargetResources,
 * keeps the elements whose id is not empty and reads id (= ServicePrincipal.Id of the provisioning logs)
 * and displayName (ProvisioningAnalysis.workbook, commit 1809727e9a8562f30220494fd846e9a3423b8ede).
 * Assumed, no real Quarantine record found: it is the only element (quarantine.kql reads element 0), with
 * type "ServicePrincipal" as directoryAudit targetResources of service principals carry it. The reason of
 * a quarantine follows "Error:" in ResultDescription, as that workbook parses it; the rest of the text is assumed.
 */
export function auditRow(event: AuditEvent, rng: Random): Row {
    const correlationId = rng.uuid();
    const initiatedBy =
        event.by === "service"
            ? { app: { appId: null, displayName: "Azure AD Provisioning Service", servicePrincipalId: null, servicePrincipalName: null } }
            : { user: { id: rng.uuid(), displayName: null, userPrincipalName: event.by.admin, ipAddress: "203.0.113.24" } };
    const row: Row = {
        AADOperationType: event.activity === "Quarantine" ? "Other" : "Update",
        AADTenantId: TENANT.id,
        ActivityDateTime: iso(event.at),
        ActivityDisplayName: event.activity,
        AdditionalDetails: "[]",
        _BilledSize: 0,
        Category: "ProvisioningManagement",
        CorrelationId: correlationId,
        DurationMs: 0,
        Id: `Sync_${correlationId}_${rng.uuid().slice(0, 5).toUpperCase()}_${rng.int(100_000_000, 999_999_999)}`,
        Identity: event.by === "service" ? "Azure AD Provisioning Service" : event.by.admin,
        InitiatedBy: JSON.stringify(initiatedBy),
        _IsBillable: "False",
        Level: "4",
        Location: "",
        LoggedByService: "Account Provisioning",
        OperationName: event.activity,
        OperationVersion: "1.0",
        Resource: "Microsoft.aadiam",
        ResourceGroup: "Microsoft.aadiam",
        ResourceId: `/tenants/${TENANT.id}/providers/Microsoft.aadiam`,
        ResourceProvider: "Microsoft.aadiam",
        Result: "success",
        ResultDescription: event.description ?? "",
        ResultReason: "",
        ResultSignature: "None",
        ResultType: "",
        SourceSystem: "Azure AD",
        TargetResources: JSON.stringify([
            {
                id: event.app.servicePrincipalId,
                displayName: event.app.name,
                type: "ServicePrincipal",
                modifiedProperties: [],
            },
        ]),
        TimeGenerated: iso(event.at),
        Type: "AuditLogs",
        TenantId: TENANT.workspaceId,
        _TimeReceived: iso(event.received),
    };
    row._BilledSize = billedSize(row);
    return row;
}

/** The workspace reaching its daily cap. */
export interface CapEvent {
    readonly at: number;
    readonly received: number;
}

/**
 * The `_LogOperation` row of a daily-cap hit: Category "Ingestion", Operation "Data collection Status",
 * Level "Warning" (the page's alert example) and the Detail it quotes for "Data collection stopped".
 * The page also names a "Data collection resumed" event but documents neither its Detail nor its
 * Level, so none is made.
 */
export function logOperationRow(event: CapEvent, rng: Random): Row {
    return {
        TimeGenerated: iso(event.at),
        Category: "Ingestion",
        Operation: "Data collection Status",
        Level: "Warning",
        Detail: "Data collection stopped due to daily limit of free data reached. Ingestion status = OverQuota",
        _ResourceId: TENANT.resourceId,
        Computer: "",
        CorrelationId: rng.uuid(),
        _TimeReceived: iso(event.received),
    };
}

/** _BilledSize: the record's size in bytes, approximated by its text (cheap: the bench makes millions). */
function billedSize(row: Row): number {
    let size = 0;
    for (const value of Object.values(row)) {
        size += typeof value === "string" ? value.length : 8;
    }
    return size;
}
