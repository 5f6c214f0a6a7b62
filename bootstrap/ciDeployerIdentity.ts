import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as authorization from "@pulumi/azure-native/authorization";
import { BUILT_IN_ROLE_IDS } from "../components/azure/armFacts";
import { stableGuid } from "../components/support/naming";

/** GitHub Actions' OIDC issuer and the audience Entra ID expects for federated credentials. */
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
const FEDERATION_AUDIENCE = "api://AzureADTokenExchange";

/**
 * Built-in role Contributor, used only at scope /providers/Microsoft.aadiam: a service principal
 * can write tenant diagnostic settings (microsoft.aadiam/diagnosticSettings/write) only through an
 * Azure role at that scope — a directory role alone gets 403 (Azure/azure-rest-api-specs#11085;
 * the azurerm / Pulumi Classic AadDiagnosticSetting docs). Custom roles can't be assigned there.
 */
export const CONTRIBUTOR_ROLE_ID = BUILT_IN_ROLE_IDS.Contributor;
/** Entra built-in directory role Security Administrator (template ID), the alternative some tenants prefer. */
export const SECURITY_ADMINISTRATOR_ROLE_ID = "194ae4cb-b126-40b2-bd5b-6091b380977d";
export const AADIAM_SCOPE = "/providers/Microsoft.aadiam";

/**
 * What registering resource providers needs: `<namespace>/register/action` at subscription scope
 * ("The scope for registration is always the subscription", Microsoft's resource-providers doc),
 * plus reading the subscription and its groups, and creating a group when the stacks do.
 */
function providerActions(createsResourceGroup: boolean): string[] {
    return [
        "Microsoft.Insights/register/action",
        "Microsoft.OperationalInsights/register/action",
        "Microsoft.Portal/register/action",
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        ...(createsResourceGroup ? ["Microsoft.Resources/subscriptions/resourceGroups/write"] : []),
    ];
}

/**
 * Exactly the resource types entra-provisioning-logs manages — workspace (and its tables), query
 * packs, log search alerts, action groups, workbooks, dashboards — instead of Contributor, which
 * would also allow every other resource type.
 */
export const MONITORING_ACTIONS: readonly string[] = [
    "Microsoft.Authorization/*/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.OperationalInsights/workspaces/*",
    "Microsoft.OperationalInsights/queryPacks/*",
    "Microsoft.Insights/scheduledQueryRules/*",
    "Microsoft.Insights/actionGroups/*",
    "Microsoft.Insights/workbooks/*",
    "Microsoft.Portal/dashboards/*",
];

/** Inputs of {@link CiDeployerIdentity}. */
export interface CiDeployerIdentityArgs {
    /** Required. Stack name; role and assignment GUIDs derive from it. */
    readonly stack: string;
    readonly tenantId: string;
    readonly subscriptionId: string;
    /** Required. Display name of the app registration. */
    readonly applicationName: string;
    /** Required. GitHub repository as owner/name. */
    readonly githubRepository: string;
    /** Optional. Environments whose jobs may log in. */
    readonly githubEnvironments?: readonly string[];
    /** Optional. Branches whose jobs may log in without an environment. */
    readonly githubBranches?: readonly string[];
    /** Optional. Existing group the monitoring rights are limited to; without it they apply at the subscription. */
    readonly monitoringResourceGroup?: string;
    /** Optional. Also assign the Security Administrator directory role. Defaults to false. */
    readonly assignSecurityAdministrator?: boolean;
}

/** The federated credentials' subjects, by credential name. */
function federatedSubjects(
    args: Pick<CiDeployerIdentityArgs, "githubRepository" | "githubEnvironments" | "githubBranches">,
): Record<string, string> {
    const repo = args.githubRepository;
    const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "-");
    return Object.fromEntries([
        ...(args.githubEnvironments ?? []).map((env) => [`github-environment-${safe(env)}`, `repo:${repo}:environment:${env}`]),
        ...(args.githubBranches ?? []).map((branch) => [`github-branch-${safe(branch)}`, `repo:${repo}:ref:refs/heads/${branch}`]),
    ]);
}

/**
 * The identity CI deploys with, in one tenant: an app registration and its service principal,
 * federated with GitHub Actions (no client secret or password, ever), holding least-privilege
 * Azure roles: provider registration on the subscription, the monitoring resource types on the
 * group (or subscription), and tenant diagnostic settings at /providers/Microsoft.aadiam.
 */
export class CiDeployerIdentity extends pulumi.ComponentResource {
    public readonly application: azuread.ApplicationRegistration;
    public readonly servicePrincipal: azuread.ServicePrincipal;
    /** ARM_CLIENT_ID for CI. */
    public readonly clientId: pulumi.Output<string>;

    constructor(name: string, args: CiDeployerIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("entra-provisioning-logs:bootstrap:CiDeployerIdentity", name, {}, opts);
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        const subscription = `/subscriptions/${args.subscriptionId}`;

        this.application = new azuread.ApplicationRegistration(
            `${name}-app`,
            {
                displayName: args.applicationName,
                description: `CI deployer of entra-provisioning-logs (${args.githubRepository})`,
                signInAudience: "AzureADMyOrg",
            },
            childOpts,
        );
        this.servicePrincipal = new azuread.ServicePrincipal(`${name}-sp`, { clientId: this.application.clientId }, childOpts);
        this.clientId = this.application.clientId;

        for (const [credential, subject] of Object.entries(federatedSubjects(args))) {
            new azuread.ApplicationFederatedIdentityCredential(
                `${name}-${credential}`,
                {
                    applicationId: this.application.id,
                    displayName: credential,
                    issuer: GITHUB_ISSUER,
                    subject,
                    audiences: [FEDERATION_AUDIENCE],
                },
                childOpts,
            );
        }

        const customRole = (suffix: string, title: string, actions: readonly string[]) =>
            new authorization.RoleDefinition(
                `${name}-${suffix}-role`,
                {
                    roleDefinitionId: stableGuid(args.stack, args.subscriptionId, "role", suffix),
                    roleName: `Entra provisioning logs CI: ${title} (${args.stack})`,
                    description: `Least rights the entra-provisioning-logs CI deployer needs: ${title}.`,
                    roleType: "CustomRole",
                    scope: subscription,
                    assignableScopes: [subscription],
                    permissions: [{ actions: [...actions], notActions: [] }],
                },
                childOpts,
            );
        const assign = (suffix: string, roleDefinitionId: pulumi.Input<string>, scope: string) =>
            new authorization.RoleAssignment(
                `${name}-${suffix}`,
                {
                    roleAssignmentName: stableGuid(args.stack, args.subscriptionId, "assignment", suffix),
                    principalId: this.servicePrincipal.objectId,
                    principalType: "ServicePrincipal",
                    roleDefinitionId,
                    scope,
                },
                childOpts,
            );

        const providers = customRole(
            "providers",
            "register resource providers",
            providerActions(args.monitoringResourceGroup === undefined),
        );
        assign("providers-assignment", providers.id, subscription);
        const monitoring = customRole("monitoring", "manage provisioning-logs monitoring resources", MONITORING_ACTIONS);
        assign(
            "monitoring-assignment",
            monitoring.id,
            args.monitoringResourceGroup ? `${subscription}/resourceGroups/${args.monitoringResourceGroup}` : subscription,
        );
        assign("aadiam-assignment", `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR_ROLE_ID}`, AADIAM_SCOPE);

        if (args.assignSecurityAdministrator) {
            new azuread.DirectoryRoleAssignment(
                `${name}-security-administrator`,
                { roleId: SECURITY_ADMINISTRATOR_ROLE_ID, principalObjectId: this.servicePrincipal.objectId },
                childOpts,
            );
        }
        this.registerOutputs({ application: this.application, servicePrincipal: this.servicePrincipal, clientId: this.clientId });
    }
}
