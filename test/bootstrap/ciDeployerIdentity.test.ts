import * as assert from "node:assert";
import { parseBootstrapSettings } from "../../bootstrap/config";
import { type Evaluation, evaluateStack, evaluateStackWith, type RecordedResource } from "../../tools/offline/recorder";
import { BOOTSTRAP_DIR } from "../../tools/stackFiles";

const BOOTSTRAP = BOOTSTRAP_DIR;
const SUB = "/subscriptions/2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b";
/** Azure's built-in role and Entra directory role IDs, as Microsoft documents them. */
const OWNER_ROLE_ID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CONTRIBUTOR_ROLE_ID = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const SECURITY_ADMINISTRATOR_ROLE_ID = "194ae4cb-b126-40b2-bd5b-6091b380977d";
const AADIAM_SCOPE = "/providers/Microsoft.aadiam";
const of = (e: Evaluation, type: string): RecordedResource[] => e.resources.filter((r) => r.type === type);

const bootstrapWith = (changes: Record<string, string>) => evaluateStackWith("contoso", changes, { programDir: BOOTSTRAP });

/** Role assignments as "role at scope", custom roles by their name. */
function assignments(e: Evaluation): string[] {
    const roles = new Map(
        of(e, "azure-native:authorization:RoleDefinition").map((r) => [
            `${r.inputs.scope}/providers/Microsoft.Authorization/roleDefinitions/${r.inputs.roleDefinitionId}`,
            String(r.inputs.roleName),
        ]),
    );
    return of(e, "azure-native:authorization:RoleAssignment")
        .map(
            (a) =>
                `${roles.get(String(a.inputs.roleDefinitionId)) ?? String(a.inputs.roleDefinitionId).split("/").pop()} at ${a.inputs.scope}`,
        )
        .sort();
}

describe("the CI deployer bootstrap", () => {
    let contoso: Evaluation;
    /**
     * The stack with every optional piece changed at once: the existing monitoring group (role
     * definitions and assignments), the federated credentials and the directory role touch
     * resources of their own, so one evaluation serves the three tests below.
     */
    let varied: Evaluation;
    before(async () => {
        [contoso, varied] = await Promise.all([
            evaluateStack("contoso", { programDir: BOOTSTRAP }),
            bootstrapWith({
                monitoringResourceGroup: "rg-identity-audit-prod",
                githubBranches: '["release/1.0"]',
                githubEnvironments: "[]",
                assignSecurityAdministrator: "true",
            }),
        ]);
    });

    it("assigns exactly the least-privilege roles at their scopes", () => {
        assert.deepStrictEqual(assignments(contoso), [
            `Entra provisioning logs CI: manage provisioning-logs monitoring resources (contoso) at ${SUB}`,
            `Entra provisioning logs CI: register resource providers (contoso) at ${SUB}`,
            `${CONTRIBUTOR_ROLE_ID} at ${AADIAM_SCOPE}`,
        ]);
        for (const a of of(contoso, "azure-native:authorization:RoleAssignment")) {
            assert.strictEqual(a.inputs.principalType, "ServicePrincipal");
            const role = String(a.inputs.roleDefinitionId);
            assert.ok(!role.endsWith(OWNER_ROLE_ID), "no Owner");
            assert.ok(
                !(role.endsWith(CONTRIBUTOR_ROLE_ID) && a.inputs.scope !== AADIAM_SCOPE),
                "Contributor only at /providers/Microsoft.aadiam",
            );
        }
    });

    it("defines custom roles with exactly the actions the deployment needs, assignable only in the subscription", () => {
        const roles = Object.fromEntries(of(contoso, "azure-native:authorization:RoleDefinition").map((r) => [r.name, r.inputs as any]));
        assert.deepStrictEqual(roles["ci-deployer-providers-role"].permissions, [
            {
                actions: [
                    "Microsoft.Insights/register/action",
                    "Microsoft.OperationalInsights/register/action",
                    "Microsoft.Portal/register/action",
                    "Microsoft.Resources/subscriptions/read",
                    "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Microsoft.Resources/subscriptions/resourceGroups/write",
                ],
                notActions: [],
            },
        ]);
        assert.deepStrictEqual(roles["ci-deployer-monitoring-role"].permissions, [
            {
                actions: [
                    "Microsoft.Authorization/*/read",
                    "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Microsoft.OperationalInsights/workspaces/*",
                    "Microsoft.OperationalInsights/queryPacks/*",
                    "Microsoft.Insights/scheduledQueryRules/*",
                    "Microsoft.Insights/actionGroups/*",
                    "Microsoft.Insights/workbooks/*",
                    "Microsoft.Portal/dashboards/*",
                ],
                notActions: [],
            },
        ]);
        for (const r of Object.values(roles)) {
            assert.deepStrictEqual([r.assignableScopes, r.roleType], [[SUB], "CustomRole"]);
            assert.ok(!r.permissions[0].actions.includes("*"), "no wildcard over all actions");
        }
    });

    it("limits the monitoring rights to an existing group, and drops creating groups, when one is given", () => {
        const e = varied;
        assert.ok(
            assignments(e).includes(
                `Entra provisioning logs CI: manage provisioning-logs monitoring resources (contoso) at ${SUB}/resourceGroups/rg-identity-audit-prod`,
            ),
        );
        const providers = of(e, "azure-native:authorization:RoleDefinition").find((r) => r.name === "ci-deployer-providers-role")!
            .inputs as any;
        assert.ok(!providers.permissions[0].actions.includes("Microsoft.Resources/subscriptions/resourceGroups/write"));
    });

    it("federates GitHub environments and branches, and nothing else", () => {
        const creds = of(contoso, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential").map(
            (c) => c.inputs as any,
        );
        assert.deepStrictEqual(creds.map((c) => [c.displayName, c.subject]).sort(), [
            ["github-branch-main", "repo:contoso/identity-monitoring:ref:refs/heads/main"],
            ["github-environment-dev", "repo:contoso/identity-monitoring:environment:dev"],
            ["github-environment-dev-preview", "repo:contoso/identity-monitoring:environment:dev-preview"],
            ["github-environment-prod", "repo:contoso/identity-monitoring:environment:prod"],
            ["github-environment-prod-preview", "repo:contoso/identity-monitoring:environment:prod-preview"],
        ]);
        for (const c of creds) {
            assert.deepStrictEqual(
                [c.issuer, c.audiences],
                ["https://token.actions.githubusercontent.com", ["api://AzureADTokenExchange"]],
            );
        }
    });

    it("names a branch credential safely and keeps the branch exact in the subject", () => {
        const e = varied;
        assert.deepStrictEqual(
            of(e, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential").map((c) => [
                c.inputs.displayName,
                c.inputs.subject,
            ]),
            [["github-branch-release-1-0", "repo:contoso/identity-monitoring:ref:refs/heads/release/1.0"]],
        );
    });

    it("never creates a secret, password or certificate credential", () => {
        const credentialTypes = contoso.resources.map((r) => r.type).filter((t) => /Password|Certificate|Secret/i.test(t));
        assert.deepStrictEqual(credentialTypes, []);
        assert.ok(!JSON.stringify(contoso.resources.map((r) => r.inputs)).match(/password|secret/i));
    });

    it("assigns the Security Administrator directory role only when asked", () => {
        assert.deepStrictEqual(of(contoso, "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"), []);
        const e = varied;
        const [role] = of(e, "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment");
        assert.strictEqual(role.inputs.roleId, SECURITY_ADMINISTRATOR_ROLE_ID);
    });

    it("outputs exactly what the CI workflow needs", () => {
        // The client ID the recording mocks give the app registration ci-deployer-app (a hash of its name):
        // its service principal and the output must both carry it.
        const appClientId = "1cdfdd4b-ef4a-c056-3eca-93ad4c8549bb";
        assert.strictEqual(of(contoso, "azuread:index/servicePrincipal:ServicePrincipal")[0].inputs.clientId, appClientId);
        assert.deepStrictEqual(contoso.outputs.ciVariables, {
            ARM_CLIENT_ID: appClientId,
            ARM_TENANT_ID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            ARM_SUBSCRIPTION_ID: "2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b",
            ARM_USE_OIDC: "true",
        });
    });

    it("refuses another tenant's credentials before creating anything", async () => {
        const sink: RecordedResource[] = [];
        await assert.rejects(
            evaluateStack("contoso", { programDir: BOOTSTRAP, identity: { tenantId: "11111111-1111-1111-1111-111111111111" }, sink }),
            {
                message:
                    "`tenantId` of stack contoso is 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d but the Azure credentials belong to tenant 11111111-1111-1111-1111-111111111111; " +
                    "log in to the right tenant (az login --tenant 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d, or ARM_TENANT_ID) and run again",
            },
        );
        assert.deepStrictEqual(sink, []);
    });

    describe("configuration", () => {
        const base = {
            tenantId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            subscriptionId: "2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b",
            githubRepository: "contoso/identity-monitoring",
        };
        const cases: Array<[string, Record<string, string>, string]> = [
            [
                "a repository without an owner",
                { ...base, githubRepository: "identity-monitoring" },
                '`githubRepository` must be a GitHub repository as owner/name, e.g. contoso/identity-monitoring (got "identity-monitoring")',
            ],
            [
                "a repository given as a URL",
                { ...base, githubRepository: "https://github.com/contoso/x" },
                '`githubRepository` must be a GitHub repository as owner/name, e.g. contoso/identity-monitoring (got "https://github.com/contoso/x")',
            ],
            [
                "an environment with a space",
                { ...base, githubEnvironments: '["dev", "pre prod"]' },
                "`githubEnvironments[1]` must be a GitHub environment name of letters, digits, '-', '_' or '.' (got \"pre prod\")",
            ],
            [
                "a branch that starts with a slash",
                { ...base, githubBranches: '["/main"]' },
                '`githubBranches[0]` must be a branch name such as main or release/1.0 (got "/main")',
            ],
            [
                "a subscription that is not a GUID",
                { ...base, subscriptionId: "prod" },
                '`subscriptionId` must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 (got "prod")',
            ],
            [
                "nothing to federate",
                { ...base, githubEnvironments: "[]" },
                "`githubEnvironments` and githubBranches must name at least one environment or branch, or CI can't log in (got [])",
            ],
            [
                "more federated credentials than Entra allows",
                { ...base, githubEnvironments: JSON.stringify(Array.from({ length: 21 }, (_, i) => `env${i}`)) },
                `\`githubEnvironments\` and githubBranches together must name at most 20 (Entra's limit of federated credentials per application) (got ${JSON.stringify(Array.from({ length: 21 }, (_, i) => `env${i}`))})`,
            ],
            [
                "a missing repository",
                { tenantId: base.tenantId, subscriptionId: base.subscriptionId },
                "`githubRepository` is required: set it with `pulumi config set githubRepository <value>`",
            ],
        ];
        for (const [what, raw, message] of cases) {
            it(`rejects ${what} with one line naming the setting`, () => {
                assert.throws(() => parseBootstrapSettings(raw, "contoso"), { name: "ConfigError", message });
            });
        }
    });
});
