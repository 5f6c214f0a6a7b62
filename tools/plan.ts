/**
 * The offline plan: `npm run plan -- --stack dev [--json]`. Evaluates the program for a stack's
 * config under recording mocks (no Azure login, no Pulumi CLI) and prints what `pulumi up` would
 * create, then runs the policy pack over it. A mandatory policy violation exits 1, invalid settings 2.
 */
import {
    type Command,
    type CommandSpec,
    EXIT_CODES,
    parseFlags,
    readUserFile,
    requireFile,
    parseUserJson,
    requireFolder,
    runAsMain,
    stackOf,
    UsageError,
    CONFIG_FILE_FLAG,
} from "./cli";
import type { PlannedChange } from "./offline/planDiff";
import type { Verdict } from "./offline/policyCheck";
import type { Evaluation, RecordedResource } from "./offline/recorder";

// The engine, the SDKs and the policy pack are loaded once the command line is read (`await
// import`, `require`), never with this module: `--help` and a wrong flag answer at once.

interface PlanArgs {
    readonly stack: string;
    readonly json: boolean;
    /** `bootstrap` plans the CI bootstrap program instead of the main one. */
    readonly project: "main" | "bootstrap";
    /** A stack file other than `Pulumi.<stack>.yaml` (as `pulumi --config-file`). */
    readonly configFile?: string;
    /** A previous plan (`--json`) or state file to compare with. */
    readonly against?: string;
    /** What `esc env open <org>/<project>/<env>` printed for the stack's Pulumi ESC environment (a JSON file). */
    readonly environmentValues?: string;
    /** Plan every stack (of `stacksDir`, else the project's) with one summary. */
    readonly all: boolean;
    readonly stacksDir?: string;
}

const SPEC: CommandSpec<"stack" | "project" | "config-file" | "against" | "stacks-dir" | "environment-values", "json" | "all"> = {
    usage: "npm run plan -- [--stack <name> | --all [--stacks-dir <dir>]] [--config-file <file>] [--environment-values <esc.json>] [--against <plan.json|state.json>] [--project main|bootstrap] [--json]",
    about: [
        "The offline plan: runs the program for a stack's settings as `pulumi preview` does, without the Pulumi CLI",
        "or Azure, prints what `pulumi up` would create, then the policy pack's findings. Exits 1 on a mandatory",
        "policy violation or, with --against, a change that loses logs; 2 when the command line or a setting is wrong.",
    ].join("\n"),
    values: {
        stack: { arg: "<name>", help: "The stack to plan (Pulumi.<name>.yaml). Defaults to dev, or contoso with --project bootstrap." },
        "config-file": CONFIG_FILE_FLAG,
        "environment-values": {
            arg: "<esc.json>",
            help: "What esc env open printed for the stack's ESC environment, merged as the CLI does.",
        },
        against: {
            arg: "<plan.json|state.json>",
            help: "A saved plan --json or state file: list what changes, ⚠ on a change that loses logs.",
        },
        project: { arg: "main|bootstrap", help: "The program to plan. Defaults to main." },
        "stacks-dir": { arg: "<dir>", help: "With --all: the folder of the stack files. Defaults to the project's." },
    },
    switches: {
        json: "Print every resource's inputs and options, and the findings, as JSON.",
        all: "Plan every stack, one row each; any failing stack exits 1.",
    },
};

export function parseArgs(argv: readonly string[]): PlanArgs {
    const { values, switches } = parseFlags(argv, SPEC);
    const project = values.project ?? "main";
    if (project !== "main" && project !== "bootstrap") {
        throw new UsageError(`--project is main or bootstrap (got ${project})`);
    }
    if (switches.all && (values.stack || values["config-file"] || values.against || project !== "main")) {
        throw new UsageError(
            `--all plans every stack of the main program: it takes no --stack, --config-file, --against or --project; usage: ${SPEC.usage}`,
        );
    }
    if (values["stacks-dir"] && !switches.all) {
        throw new UsageError(`--stacks-dir goes with --all; usage: ${SPEC.usage}`);
    }
    return {
        stack: stackOf(values, SPEC.usage) ?? (project === "main" ? "dev" : "contoso"),
        json: switches.json,
        project,
        ...(values["config-file"] ? { configFile: values["config-file"] } : {}),
        ...(values.against ? { against: values.against } : {}),
        ...(values["environment-values"] ? { environmentValues: values["environment-values"] } : {}),
        all: switches.all,
        ...(values["stacks-dir"] ? { stacksDir: values["stacks-dir"] } : {}),
    };
}

/** The engine's mark for a value only `pulumi up` knows (tools/engine/loopbackEngine.ts). */
function unknownMark(): string {
    return (require("./engine/loopbackEngine") as typeof import("./engine/loopbackEngine")).UNKNOWN;
}

/** What `pulumi up` does with a resource: create it, adopt an existing one (`import`), or only read one it never manages (`get`). */
export function actionOf(r: RecordedResource): "create" | "import" | "read" {
    return r.readId !== undefined ? "read" : r.importId !== undefined ? "import" : "create";
}

/** Destinations of a tenant diagnostic setting besides its workspace, as a reviewer reads them. */
const DESTINATION_LABELS: Readonly<Record<string, string>> = {
    storageAccountId: "storage account",
    eventHubAuthorizationRuleId: "event hub rule",
    eventHubName: "event hub",
    serviceBusRuleId: "service bus rule",
};

/** The few inputs that tell a reviewer what a resource will do. */
function keySettings(r: RecordedResource): string {
    const i = r.inputs as Record<string, any>;
    const UNKNOWN = unknownMark();
    if (r.readId !== undefined) {
        return `existing ${r.readId}: used as it is, never changed or deleted by this stack`;
    }
    switch (r.type) {
        case "azure-native:resources:ResourceGroup":
            return `${i.resourceGroupName} in ${i.location}`;
        case "azure-native:operationalinsights:Workspace":
            return [
                `${i.workspaceName} in ${i.location}`,
                `sku ${i.sku?.name}`,
                `retention ${i.retentionInDays} d`,
                i.workspaceCapping ? `daily cap ${i.workspaceCapping.dailyQuotaGb} GB` : "no daily cap",
                `local auth ${i.features?.disableLocalAuth ? "disabled" : "enabled"}`,
            ].join(", ");
        case "pulumi-nodejs:dynamic:TableRetention":
            return `${i.tableName}: interactive ${i.retentionInDays} d, total ${i.totalRetentionInDays} d`;
        case "pulumi-nodejs:dynamic:ResourceProviderRegistration":
            return `register ${i.namespace} on ${i.subscriptionId}, wait up to ${i.timeoutMinutes} min`;
        case "azure-native:monitor:ActionGroup": {
            const kinds = ["emailReceivers", "smsReceivers", "armRoleReceivers", "webhookReceivers", "logicAppReceivers"]
                .map((k) => [k.replace("Receivers", ""), (i[k] ?? []).length] as const)
                .filter(([, n]) => n > 0)
                .map(([k, n]) => `${n} ${k}`);
            return `${i.actionGroupName} (${i.groupShortName}): ${kinds.join(", ")}`;
        }
        case "azure-native:monitor:ScheduledQueryRule": {
            const c = i.criteria?.allOf?.[0] ?? {};
            const split = (c.dimensions ?? []).map((d: { name: string }) => d.name).join("+");
            return (
                `${i.ruleName}: sev ${i.severity}, ${c.metricMeasureColumn ?? "rows"} ${c.operator} ${c.threshold}, ` +
                `window ${i.windowSize} every ${i.evaluationFrequency}${split ? `, per ${split}` : ""}, ${(i.actions?.actionGroups ?? []).length} action group(s)`
            );
        }
        case "azure-native:applicationinsights:Workbook":
            return `${i.displayName} (${i.resourceName}), ${i.serializedData === UNKNOWN ? "content" : `${JSON.parse(i.serializedData).items.length} items`}`;
        case "azure-native:operationalinsights:QueryPack":
            return `${i.queryPackName} in ${i.location}`;
        case "azure-native:operationalinsights:Query":
            return String(i.displayName);
        case "azure-native:portal:Dashboard":
            return `${i.dashboardName}: ${(i.properties?.lenses?.[0]?.parts ?? []).length} parts`;
        case "azuread:index/applicationRegistration:ApplicationRegistration":
            return `${i.displayName}, sign-in ${i.signInAudience}`;
        case "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential":
            return `${i.subject}`;
        case "azure-native:authorization:RoleDefinition":
            return `${i.roleName}: ${(i.permissions?.[0]?.actions ?? []).join(", ")}`;
        case "azure-native:authorization:RoleAssignment":
            return `${String(i.roleDefinitionId).split("/").pop()} at ${i.scope}`;
        case "azure-native:aadiam:DiagnosticSetting": {
            const others = Object.keys(DESTINATION_LABELS)
                .filter((k) => i[k])
                .map((k) => `${DESTINATION_LABELS[k]} ${String(i[k]).split("/").pop()}`);
            return [
                `${i.name}: ${(i.logs ?? []).map((l: { category: string }) => l.category).join(", ")} → workspace${others.length > 0 ? `, ${others.join(", ")}` : ""}`,
                ...(r.importId ? [`adopts the existing setting ${r.importId}, keeping what it sends`] : []),
            ].join("; ");
        }
        default:
            return "";
    }
}

/** A preview's unknowns, as `pulumi preview` shows them. */
function shown(text: string): string {
    const UNKNOWN = unknownMark();
    return text.replaceAll(`"${UNKNOWN}"`, KNOWN_AFTER_UP).replaceAll(UNKNOWN, KNOWN_AFTER_UP);
}

const KNOWN_AFTER_UP = "(known after up)";

function renderTable(
    evaluation: Evaluation,
    verdicts?: readonly Verdict[],
    changes?: readonly PlannedChange[],
    policyConfigFile?: string,
): string {
    const { renderChanges } = require("./offline/planDiff") as typeof import("./offline/planDiff");
    const { renderVerdicts } = require("./offline/policyCheck") as typeof import("./offline/policyCheck");
    const custom = [...evaluation.resources.filter((r) => r.custom), ...evaluation.reads].sort((a, b) => a.urn.localeCompare(b.urn));
    const rows = custom.map((r) => [
        actionOf(r),
        r.type,
        r.name,
        shown([keySettings(r), r.protect ? "protected" : "", r.retainOnDelete ? "retained on delete" : ""].filter(Boolean).join("; ")),
    ]);
    const header = ["ACTION", "TYPE", "NAME", "KEY SETTINGS"];
    const widths = [0, 1, 2].map((c) => Math.max(header[c].length, ...rows.map((row) => row[c].length)));
    const line = (row: string[]) =>
        `${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2].padEnd(widths[2])}  ${row[3]}`.trimEnd();
    const count = (action: ReturnType<typeof actionOf>) => custom.filter((r) => actionOf(r) === action).length;
    const adopted = [
        count("import") > 0 ? `import ${count("import")} existing` : "",
        count("read") > 0 ? `read ${count("read")} it does not manage` : "",
    ].filter(Boolean);
    const existingWorkspace = custom.find((r) => r.readId !== undefined && r.type === "azure-native:operationalinsights:Workspace");
    const outputs = Object.entries(evaluation.outputs).map(([k, v]) => `  ${k}: ${shown(typeof v === "string" ? v : JSON.stringify(v))}`);
    return [
        changes === undefined
            ? `Offline plan for stack ${evaluation.stack}: pulumi up would create ${count("create")} resources${adopted.length > 0 ? `, ${adopted.join(" and ")}` : ""}.`
            : `Offline plan for stack ${evaluation.stack}: ${rows.length} resources; what changes against the previous deployment is listed below.`,
        ...(existingWorkspace
            ? [
                  `Workspace: the existing ${existingWorkspace.readId}, not managed by this stack: pulumi up and pulumi destroy never change or delete it${
                      custom.some((r) => r.type === "pulumi-nodejs:dynamic:TableRetention")
                          ? "; only the AADProvisioningLogs retention is set (manageExistingWorkspaceRetention)"
                          : ", nor its retention"
                  }.`,
              ]
            : []),
        "",
        line(header),
        ...rows.map(line),
        "",
        "Outputs:",
        ...outputs,
        "",
        ...(changes === undefined ? [] : [...renderChanges(changes), ""]),
        ...(verdicts === undefined ? [] : [...renderVerdicts(verdicts), policyConfigLine(evaluation.stack, policyConfigFile), ""]),
        ...((evaluation.environments ?? []).length > 0
            ? [
                  `Imports Pulumi ESC environments ${(evaluation.environments ?? []).join(", ")}: ${
                      evaluation.environmentValuesGiven
                          ? "their pulumiConfig was merged under the stack's own values from --environment-values, as the CLI merges it."
                          : "their values are not read offline, so the keys they set took their Pulumi.yaml defaults here; give them with --environment-values <file> (what esc env open <org>/<project>/<env> prints)."
                  }`,
              ]
            : []),
        ...(evaluation.encrypted.length > 0
            ? [`Encrypted in the stack file, so left out offline (their defaults were used): ${evaluation.encrypted.join(", ")}.`]
            : []),
        "Not checked offline: the credentials' tenant and subscription (assumed to be the stack's), and anything only Azure knows.",
        ...custom
            .filter((r) => r.importId !== undefined || r.readId !== undefined)
            .map((r) =>
                r.readId !== undefined
                    ? `Not checked offline: that ${r.readId} exists in the tenant (npm run discover lists the workspaces; pulumi preview reads it).`
                    : `Not checked offline: that ${r.importId} sends exactly what the stack lists (assumed here; pulumi preview reads it and refuses to adopt one that sends more).`,
            ),
    ].join("\n");
}

/** Which policy config the check used, and why when it is the defaults. */
function policyConfigLine(stack: string, file: string | undefined): string {
    return file?.endsWith("default.json")
        ? `Policy config: ${file} (the documented defaults: there is no policies/config/${stack}.json).`
        : `Policy config: ${file}.`;
}

export function renderJson(
    evaluation: Evaluation,
    verdicts: readonly Verdict[] = [],
    changes?: readonly PlannedChange[],
    policyConfigFile?: string,
): string {
    return JSON.stringify(
        {
            stack: evaluation.stack,
            // A preview: what only `pulumi up` knows is this value, the engine's own mark for an unknown.
            unknown: unknownMark(),
            resources: evaluation.resources.map((r) => ({
                type: r.type,
                name: r.name,
                urn: r.urn,
                parent: r.parent,
                custom: r.custom,
                protect: r.protect,
                retainOnDelete: r.retainOnDelete,
                dependsOn: r.dependsOn,
                propertyDependencies: r.propertyDependencies,
                additionalSecretOutputs: r.additionalSecretOutputs,
                ...(r.importId !== undefined ? { import: r.importId } : {}),
                inputs: r.inputs,
            })),
            // Apart from `resources`, which policies check: a resource only read is never analyzed.
            ...(evaluation.reads.length > 0
                ? {
                      reads: evaluation.reads.map((r) => ({
                          type: r.type,
                          name: r.name,
                          urn: r.urn,
                          parent: r.parent,
                          read: r.readId,
                          state: r.inputs,
                      })),
                  }
                : {}),
            outputs: evaluation.outputs,
            policy: verdicts,
            ...(policyConfigFile ? { policyConfigFile } : {}),
            ...(changes ? { changes } : {}),
        },
        null,
        2,
    );
}

/** `npm run plan`. */
export const planCommand: Command = async (argv, io) => {
    const args = parseArgs(argv);
    // What the command line names must exist before anything loads.
    for (const [file, flag] of [
        [args.configFile, "--config-file"],
        [args.against, "--against"],
        [args.environmentValues, "--environment-values"],
    ] as const) {
        if (file !== undefined) {
            requireFile(file, flag);
        }
    }
    if (args.stacksDir !== undefined) {
        requireFolder(args.stacksDir, "--stacks-dir");
    }
    if (args.all) {
        const { fleetExitCode, planFleet, renderFleet } = await import("./offline/fleet");
        const rows = await planFleet(args.stacksDir);
        io.out(args.json ? JSON.stringify({ stacks: rows }, null, 2) : renderFleet(rows));
        return fleetExitCode(rows);
    }
    const [{ BOOTSTRAP_DIR, PROJECT_DIR }, { diffAgainst, losesLogs, readPrior }, policy, { evaluateStack }] = await Promise.all([
        import("./stackFiles"),
        import("./offline/planDiff"),
        import("./offline/policyCheck"),
        import("./offline/recorder"),
    ]);
    const programDir = args.project === "main" ? PROJECT_DIR : BOOTSTRAP_DIR;
    // A preview, as `pulumi preview` runs it: what only `pulumi up` learns is "known after up". The
    // policy pack (with this stack's config, policies/config/<stack>.json; it governs the
    // provisioning-logs stacks, not the bootstrap) checks the resources as `pulumi up` registers
    // them, IDs known: a preview skips the policies that read what only `pulumi up` knows.
    const prior = args.against ? readPrior(readAgainst(args.against), args.against) : undefined;
    const stackOptions = {
        programDir,
        configFile: args.configFile,
        // Merged under the stack's own values, as the CLI merges the environment's pulumiConfig.
        ...(args.environmentValues ? { environmentValues: readEnvironmentValues(args.environmentValues) } : {}),
    };
    const [evaluation, update] = await Promise.all([
        evaluateStack(args.stack, { ...stackOptions, dryRun: true }),
        args.project === "main" || prior ? evaluateStack(args.stack, stackOptions) : undefined,
        // The pack starts (and its config is checked, as the CLI does first) while the program runs.
        args.project === "main"
            ? policy.preparePolicyCheck(policy.stackPolicyConfig(args.stack), { configFile: policy.stackPolicyConfigFile(args.stack) })
            : undefined,
    ]);
    const verdicts =
        args.project === "main" && update
            ? await policy.checkPolicies(update.resources, policy.stackPolicyConfig(args.stack), {
                  configFile: policy.stackPolicyConfigFile(args.stack),
              })
            : undefined;
    // Against a deployment, what `pulumi up` would register (its IDs known, as the previous one's were).
    const changes = prior && update ? diffAgainst(prior, [...update.resources, ...update.reads]) : undefined;
    const policyConfigFile = args.project === "main" ? policy.stackPolicyConfigFile(args.stack) : undefined;
    io.out(
        args.json
            ? renderJson(evaluation, verdicts, changes, policyConfigFile)
            : renderTable(evaluation, verdicts, changes, policyConfigFile),
    );
    return (verdicts && policy.failed(verdicts)) || (changes && losesLogs(changes)) ? EXIT_CODES.findings : EXIT_CODES.ok;
};

/**
 * An --environment-values file's text, once it is known to parse: a syntax error names the file
 * (the engine's reader, tools/engine/cliConfig.ts, is given only its text).
 */
function readEnvironmentValues(file: string): string {
    const text = readUserFile(file, "--environment-values");
    (require("./stackFiles") as typeof import("./stackFiles")).loadUserYaml(text, file);
    return text;
}

/** A saved plan or state file's text, once it is known to be JSON: a syntax error names the file, line and column. */
function readAgainst(file: string): string {
    const text = readUserFile(file, "--against");
    parseUserJson(text, file, "--against takes a saved npm run plan -- --json, or a state file (pulumi stack export)");
    return text;
}

if (require.main === module) {
    runAsMain(planCommand);
}
