import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { planCommand } from "../../../tools/plan";
import { PROJECT_DIR, stackNames } from "../../../tools/stackFiles";
import { runIn } from "../../support/command";
import { withTempDir } from "../../support/tempDir";

/**
 * Every stack the project ships plans through Pulumi's own runner with its config as the CLI hands
 * it over (tools/engine): defaults merged, bare keys, ESC values, a Government cloud.
 */
const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "stacks");

/** Pulumi.yaml's defaults, written out as a stack file would set them. */
function everyDefault(): Record<string, unknown> {
    const project = yaml.load(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { default?: unknown }>;
    };
    return Object.fromEntries(
        Object.entries(project.config)
            .filter(([, d]) => d.default !== undefined)
            .map(([k, d]) => [`entra-provisioning-logs:${k}`, d.default]),
    );
}

describe("stacks planned with the config the Pulumi CLI delivers", function () {
    this.timeout(180_000);

    // The project's own stacks (Pulumi.<stack>.yaml here) are planned, each from its stack file as the
    // CLI hands it over, by test/tools/offline/fleet.test.ts (npm run plan -- --all: exit 0, every
    // stack ok) and previewed by test/tools/plan.test.ts and test/tools/register.test.ts.
    for (const stack of stackNames(FIXTURES).filter((s) => s !== "example")) {
        it(`plans the ${stack} stack of ${path.relative(PROJECT_DIR, FIXTURES)}`, async () => {
            const { code, err } = await runIn(planCommand, [
                "--stack",
                stack,
                "--config-file",
                path.join(FIXTURES, `Pulumi.${stack}.yaml`),
            ]);
            assert.strictEqual(err, "");
            assert.ok(code === 0 || code === 1, `exit ${code}`);
        });
    }

    it("plans the brownfield stack with every default of Pulumi.yaml written out, as the CLI would hand them over anyway", async () => {
        const central = yaml.load(fs.readFileSync(path.join(FIXTURES, "Pulumi.central.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        const { code, out, err } = await withTempDir((d) => {
            const file = path.join(d, "Pulumi.central.yaml");
            fs.writeFileSync(file, yaml.dump({ config: { ...everyDefault(), ...central.config } }));
            return runIn(planCommand, ["--stack", "central", "--config-file", file]);
        });
        assert.strictEqual(err, "");
        assert.strictEqual(code, 0);
        assert.match(out, /^read {4}azure-native:operationalinsights:Workspace/m);
    });

    it("reads bare keys as the project's, and merges an ESC environment's pulumiConfig under the stack's own values", async () => {
        const { code, out } = await withTempDir((d) => {
            const file = path.join(d, "Pulumi.fleet.yaml");
            // A bare key (loaders.go, stackConfigNamespacedWithProject) and an environment that sets the rest.
            fs.writeFileSync(file, "environment:\n  - entra-provisioning/fleet-defaults\nconfig:\n  location: westeurope\n");
            const values = path.join(d, "esc.json");
            fs.writeFileSync(
                values,
                JSON.stringify({
                    pulumiConfig: {
                        "entra-provisioning-logs:tenantId": "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
                        "entra-provisioning-logs:subscriptionId": "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
                        "entra-provisioning-logs:location": "northeurope",
                        "entra-provisioning-logs:alertReceivers": ["email fleet@contoso.com"],
                    },
                }),
            );
            return runIn(planCommand, ["--stack", "fleet", "--config-file", file, "--environment-values", values]);
        });
        assert.strictEqual(code, 0);
        // The stack's own location wins over the environment's.
        assert.match(out, /log-entra-provisioning-fleet in westeurope/);
        assert.match(out, /ag-entra-provisioning-fleet-team \(ProvTeam\): 1 email/);
        assert.match(out, /pulumiConfig was merged under the stack's own values from --environment-values/);
    });
});
