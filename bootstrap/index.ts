import * as authorization from "@pulumi/azure-native/authorization";
import { ConfigError } from "../program/settingsValidation";
import { assertSameTenant } from "../program/tenantGuard";
import { CiDeployerIdentity } from "./ciDeployerIdentity";
import { loadBootstrapSettings } from "./config";
import { userError } from "../components/support/userError";

/**
 * Once per tenant, by an administrator: the CI deployer identity. Its outputs are the values the
 * CI workflow needs (ARM_CLIENT_ID, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID, ARM_USE_OIDC).
 */
export = async () => {
    try {
        const settings = loadBootstrapSettings();
        assertSameTenant(settings, await authorization.getClientConfig());
        const identity = new CiDeployerIdentity("ci-deployer", settings);
        return {
            clientId: identity.clientId,
            tenantId: settings.tenantId,
            subscriptionId: settings.subscriptionId,
            ciVariables: {
                ARM_CLIENT_ID: identity.clientId,
                ARM_TENANT_ID: settings.tenantId,
                ARM_SUBSCRIPTION_ID: settings.subscriptionId,
                ARM_USE_OIDC: "true",
            },
        };
    } catch (e) {
        throw e instanceof ConfigError ? userError(e.message) : e;
    }
};
