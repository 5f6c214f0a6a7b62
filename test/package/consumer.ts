/**
 * The npm package as a platform team gets it: `npm pack` of this project (prepack builds dist/),
 * installed with `npm install <tarball>` into an empty Pulumi project whose program uses the
 * components, then that program run through the offline engine. Shared by package.test.ts and
 * `npm run bench`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Evaluation, evaluateStack } from "../../tools/offline/recorder";

export const PROJECT_DIR = path.join(__dirname, "..", "..");

/** This project's package.json. */
export const MANIFEST: {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
} = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));

/**
 * The environment for a child npm: without the variables an enclosing `npm test` or `npm run` hands
 * its scripts (npm_package_*, npm_lifecycle_*, this project's npm_config_*), which would make the
 * child act on this project; where npm keeps its cache and which registry it asks are kept.
 */
export function npmEnv(): NodeJS.ProcessEnv {
    const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig"]);
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
}

/** Runs npm in `cwd`; its standard output, or an error with the end of what it printed. */
export function npm(args: readonly string[], cwd: string): string {
    try {
        return execFileSync("npm", args, { cwd, env: npmEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string; message: string };
        const said = `${err.stderr ?? ""}${err.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
        throw new Error(`npm ${args.join(" ")} in ${cwd} failed:\n${said || err.message}`);
    }
}

/** The installs' flags: the npm cache `npm ci` filled answers, the registry only for what it lacks. */
export const INSTALL_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund"] as const;

/** A packed tarball and what npm says it holds. */
export interface PackedPackage {
    readonly tarball: string;
    /** Size of the tarball, in bytes. */
    readonly bytes: number;
    /** Paths of the files in it, relative to the package. */
    readonly files: readonly string[];
    /** The copy of the project it was packed from, with dist/ built, this checkout's node_modules linked in. */
    readonly projectCopy: string;
}

/**
 * Packs this project as a release is packed, from a copy of it (everything but node_modules, .git,
 * dist/ and bin/, with this checkout's node_modules linked in), so prepack's build never rewrites
 * the dist/ other tests are reading.
 */
export function packProject(workDir: string): PackedPackage {
    const projectCopy = path.join(workDir, "project");
    const skipped = new Set(["node_modules", ".git", "dist", "bin"]);
    fs.cpSync(PROJECT_DIR, projectCopy, {
        recursive: true,
        filter: (src) =>
            path
                .relative(PROJECT_DIR, src)
                .split(path.sep)
                .every((part) => !skipped.has(part)),
    });
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(projectCopy, "node_modules"), "dir");
    const out = path.join(workDir, "tarball");
    fs.mkdirSync(out);
    const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", out], projectCopy)) as Array<{
        filename: string;
        files: Array<{ path: string }>;
    }>;
    const tarball = path.join(out, packed.filename);
    return { tarball, bytes: fs.statSync(tarball).size, files: packed.files.map((f) => f.path), projectCopy };
}

/** The consumer's project and stack. */
export const CONSUMER_PROJECT = "platform-identity";
export const CONSUMER_STACK = "test";

/**
 * The program of the consumer: its own resource group, the component with explicit args (some of
 * them outputs of that group), through both package entries.
 */
export const CONSUMER_PROGRAM = `import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { ALERT_RULE_IDS } from "entra-provisioning-logs";
import { ProvisioningLogging, type ProvisioningLoggingArgs } from "entra-provisioning-logs/components";

const config = new pulumi.Config();
const group = new resources.ResourceGroup("identity", { resourceGroupName: "rg-identity-logs", location: "westeurope" });
const args: ProvisioningLoggingArgs = {
    instanceName: pulumi.getStack(),
    tenantId: config.require("tenantId"),
    subscriptionId: config.require("subscriptionId"),
    location: group.location,
    resourceGroupName: group.name,
    createResourceGroup: false,
    workspaceName: "log-identity-logs",
    retentionInDays: 90,
    protectData: true,
    diagnosticSettingName: "identity-provisioning-logs",
    alerts: { team: { emails: ["identity-team@contoso.com"] } },
};
const logging = new ProvisioningLogging("identity-logs", args);

export const workspaceId = logging.logs.workspaceId;
export const ruleIds: readonly string[] = ALERT_RULE_IDS;
`;

/** The consumer's IDs. */
export const CONSUMER_TENANT = "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f";
export const CONSUMER_SUBSCRIPTION = "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e";

/**
 * An empty Pulumi TypeScript project as `pulumi new azure-typescript` lays it out (package.json and
 * tsconfig.json as in pulumi/templates, azure-typescript/ and typescript/; versions pinned to this
 * project's, which the npm cache holds), the program above, a stack file, and the tarball installed.
 */
export function createConsumer(dir: string, tarball: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
    write(
        "package.json",
        `${JSON.stringify(
            {
                name: CONSUMER_PROJECT,
                main: "index.ts",
                devDependencies: {
                    "@types/node": MANIFEST.devDependencies["@types/node"],
                    typescript: MANIFEST.devDependencies.typescript,
                },
                dependencies: {
                    "@pulumi/azure-native": MANIFEST.dependencies["@pulumi/azure-native"],
                    "@pulumi/pulumi": MANIFEST.dependencies["@pulumi/pulumi"],
                },
            },
            null,
            4,
        )}\n`,
    );
    write(
        "tsconfig.json",
        `${JSON.stringify(
            {
                compilerOptions: {
                    strict: true,
                    outDir: "bin",
                    target: "es2020",
                    module: "nodenext",
                    moduleResolution: "nodenext",
                    sourceMap: true,
                    experimentalDecorators: true,
                    pretty: true,
                    noFallthroughCasesInSwitch: true,
                    noImplicitReturns: true,
                    forceConsistentCasingInFileNames: true,
                },
                files: ["index.ts"],
            },
            null,
            4,
        )}\n`,
    );
    write("Pulumi.yaml", `name: ${CONSUMER_PROJECT}\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n`);
    write(
        `Pulumi.${CONSUMER_STACK}.yaml`,
        `config:\n  ${CONSUMER_PROJECT}:tenantId: ${CONSUMER_TENANT}\n  ${CONSUMER_PROJECT}:subscriptionId: ${CONSUMER_SUBSCRIPTION}\n`,
    );
    write("index.ts", CONSUMER_PROGRAM);
    npm(["install", tarball, ...INSTALL_FLAGS], dir);
}

/**
 * The consumer's program as `pulumi up` runs it, through the offline engine: Pulumi's runner from the
 * consumer's own @pulumi/pulumi, the dynamic resources' providers serialized from the installed
 * package, every resource given a fake ID and outputs.
 */
export function evaluateConsumer(dir: string): Promise<Evaluation> {
    return evaluateStack(CONSUMER_STACK, { programDir: dir, configFile: path.join(dir, `Pulumi.${CONSUMER_STACK}.yaml`), cache: false });
}
