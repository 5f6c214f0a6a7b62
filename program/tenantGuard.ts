import { ConfigError, type Settings } from "./settings";

/**
 * The identity the azure-native provider runs as (its `getClientConfig`). Its tenant and
 * subscription are checked here, before anything is registered; its client and object IDs by the
 * dynamic resources, whose own token must be this identity's before they write
 * (components/dynamic/azureNativeIdentity.ts, components/azure/credential.ts `identityMismatch`).
 */
export interface ClientIdentity {
    readonly tenantId: string;
    readonly subscriptionId: string;
}

/**
 * Each stack is one tenant: refuse to run with credentials of another tenant or subscription, so
 * `pulumi up` can never enable logging, or send audit logs, somewhere nobody meant.
 */
export function assertSameTenant(settings: Pick<Settings, "tenantId" | "subscriptionId" | "stack">, client: ClientIdentity): void {
    if (client.tenantId.toLowerCase() !== settings.tenantId.toLowerCase()) {
        throw new ConfigError(
            `\`tenantId\` of stack ${settings.stack} is ${settings.tenantId} but the Azure credentials belong to tenant ${client.tenantId}; ` +
                `log in to the right tenant (az login --tenant ${settings.tenantId}, or ARM_TENANT_ID) and run again`,
        );
    }
    if (client.subscriptionId.toLowerCase() !== settings.subscriptionId.toLowerCase()) {
        throw new ConfigError(
            `\`subscriptionId\` of stack ${settings.stack} is ${settings.subscriptionId} but the azure-native provider would deploy to subscription ${client.subscriptionId}; ` +
                `select it (az account set --subscription ${settings.subscriptionId}, or ARM_SUBSCRIPTION_ID) and run again`,
        );
    }
}
