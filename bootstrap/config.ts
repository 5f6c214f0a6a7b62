import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GUID_PATTERN } from "../components/azure/armFacts";
import { z } from "zod";
import {
    derivedName,
    projectConfigFrom,
    projectConfigSchema,
    runtimeConfig,
    type StackConfigInput,
    validateSettings,
} from "../program/settingsValidation";
import type { ConfigSource, NameRule } from "../program/settingsValidation";

/** The bootstrap's validated settings; the only place it reads `pulumi.Config`. */
export interface BootstrapSettings {
    readonly stack: string;
    readonly tenantId: string;
    readonly subscriptionId: string;
    /** owner/name */
    readonly githubRepository: string;
    readonly githubEnvironments: readonly string[];
    readonly githubBranches: readonly string[];
    readonly applicationName: string;
    /** An existing group the deployments are limited to; undefined when they create their own. */
    readonly monitoringResourceGroup: string | undefined;
    readonly assignSecurityAdministrator: boolean;
}

/** An application's display name: at most 120 characters (Entra ID). */
const APPLICATION_NAME: NameRule = { pattern: /^.{1,120}$/, maxLength: 120, keep: /./ };

/** Entra ID allows at most 20 federated credentials per application. */
const MAX_FEDERATED_CREDENTIALS = 20;

const guid = z.string().regex(GUID_PATTERN, { error: "must be a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47" });

const schema = z
    .strictObject({
        tenantId: guid,
        subscriptionId: guid,
        githubRepository: z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9_.-]{1,100}$/, {
            error: "must be a GitHub repository as owner/name, e.g. contoso/identity-monitoring",
        }),
        githubEnvironments: z.array(
            z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, { error: "must be a GitHub environment name of letters, digits, '-', '_' or '.'" }),
        ),
        githubBranches: z.array(
            z
                .string()
                .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]{1,255}(?<!\/)$/, { error: "must be a branch name such as main or release/1.0" }),
        ),
        applicationName: z.string().max(120, { error: "must be at most 120 characters" }),
        monitoringResourceGroup: z.string().refine((s) => s === "" || (/^[-\w.()]{1,90}$/.test(s) && !s.endsWith(".")), {
            error: "must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with '.'",
        }),
        assignSecurityAdministrator: z.boolean(),
    })
    .refine((c) => c.githubEnvironments.length + c.githubBranches.length > 0, {
        error: "and githubBranches must name at least one environment or branch, or CI can't log in",
        path: ["githubEnvironments"],
    })
    .refine((c) => c.githubEnvironments.length + c.githubBranches.length <= MAX_FEDERATED_CREDENTIALS, {
        error: `and githubBranches together must name at most ${MAX_FEDERATED_CREDENTIALS} (Entra's limit of federated credentials per application)`,
        path: ["githubEnvironments"],
    });

const declarations = () => projectConfigSchema(path.join(__dirname, "Pulumi.yaml"));

/** Validates the bootstrap's raw settings; one-line ConfigError on the first problem. `source` as for the main program's settings. */
export function parseBootstrapSettings(raw: Readonly<Record<string, string>>, stack: string, source: ConfigSource = {}): BootstrapSettings {
    const c = validateSettings(raw, declarations(), schema, source);
    return {
        stack,
        tenantId: c.tenantId.toLowerCase(),
        subscriptionId: c.subscriptionId.toLowerCase(),
        githubRepository: c.githubRepository,
        githubEnvironments: c.githubEnvironments,
        githubBranches: c.githubBranches,
        applicationName: derivedName(c.applicationName, "ci-entra-provisioning-logs", stack, "applicationName", APPLICATION_NAME),
        monitoringResourceGroup: c.monitoringResourceGroup || undefined,
        assignSecurityAdministrator: c.assignSecurityAdministrator,
    };
}

/** The bootstrap's settings from a stack's whole config (see settingsFromConfig in program/settings.ts). Pure. */
export function bootstrapSettingsFromConfig(input: StackConfigInput, project: string, stack: string): BootstrapSettings {
    const { raw, source } = projectConfigFrom(input, project, Object.keys(declarations()));
    return parseBootstrapSettings(raw, stack, source);
}

export function loadBootstrapSettings(): BootstrapSettings {
    return bootstrapSettingsFromConfig(runtimeConfig(), pulumi.getProject(), pulumi.getStack());
}
