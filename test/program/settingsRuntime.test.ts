import type { ProgramError } from "../../tools/engine/loopbackEngine";
import * as assert from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
    checkConfigNamespaces,
    checkStackFileSecrets,
    describe as echo,
    runtimeConfig,
    withEncryptedPlaceholders,
} from "../../program/settingsValidation";
import { evaluate, evaluateStackWith, type RecordedResource } from "../../tools/offline/recorder";
import { projectName, readStackConfig } from "../../tools/stackFiles";

const PROJECT = "entra-provisioning-logs";
const WEBHOOK = "webhook https://hooks.example.net/services/T000/B000/secret-token";

/** Evaluates the dev stack with its config changed as given (qualified keys); resolves to the one-line error, or "ok". */
async function outcome(change: (config: Record<string, string>) => Record<string, string>, secretKeys: string[] = []): Promise<string> {
    const sink: RecordedResource[] = [];
    try {
        await evaluate("dev", change({ ...readStackConfig("dev").config }), { secretKeys, sink });
        return "ok";
    } catch (e) {
        assert.ok((e as ProgramError).userActionable, "a RunError: Pulumi prints it as one line, without a stack trace");
        // Let a registration still in flight land before checking that nothing was registered.
        for (let turn = 0; turn < 10; turn++) {
            await new Promise((r) => setImmediate(r));
        }
        assert.deepStrictEqual(sink, [], "nothing registered");
        return (e as Error).message;
    }
}

describe("stack settings as the Pulumi runtime hands them to the program", () => {
    it("uses the project name the stack files are written for", () => {
        assert.strictEqual(projectName(), PROJECT);
    });

    it("rejects a key in a mistyped namespace before registering anything", async () => {
        assert.strictEqual(
            await outcome((c) => ({ ...c, "entra-provisioning-log:retentionInDays": "365" })),
            "`entra-provisioning-log:retentionInDays` is in namespace entra-provisioning-log, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:retentionInDays`?)",
        );
    });

    it("rejects secret receivers the runtime did not receive as secret, naming the command", async () => {
        await assert.rejects(evaluateStackWith("dev", { alertSecretReceivers: JSON.stringify([WEBHOOK]) }), {
            message:
                "`alertSecretReceivers` holds credentials but is set in plain text (value hidden): run `pulumi config rm alertSecretReceivers`, then `pulumi config set --secret --path 'alertSecretReceivers[0]' '<value>'` for each entry ([0], [1], …)",
        });
        const e = await evaluateStackWith("dev", { alertSecretReceivers: JSON.stringify([WEBHOOK]) }, { secret: ["alertSecretReceivers"] });
        assert.ok(e.resources.length > 0);
    });

    it("reads which keys the runtime received as secret", () => {
        pulumi.runtime.setAllConfig({ [`${PROJECT}:alertSecretReceivers`]: "[]", [`${PROJECT}:location`]: "westeurope" }, [
            `${PROJECT}:alertSecretReceivers`,
        ]);
        assert.deepStrictEqual(runtimeConfig().secretKeys, [`${PROJECT}:alertSecretReceivers`]);
    });

    it("says a required key encrypted in the stack file needs the passphrase, when the offline tools mark it", async () => {
        const message = await outcome((c) => {
            const { [`${PROJECT}:tenantId`]: _tenant, ...rest } = c;
            return withEncryptedPlaceholders(rest, [`${PROJECT}:tenantId`, "azure-native:clientSecret"], PROJECT);
        });
        assert.strictEqual(
            message,
            "`tenantId` is encrypted in the stack file: run with the passphrase (pulumi preview), or set it in plain text (pulumi config set tenantId <value>) for the offline tools, which can't decrypt it",
        );
    });

    describe("a stack the program accepts", () => {
        // One evaluation for both: a check that fired for either would make it fail.
        let accepted: string;
        before(async () => {
            accepted = await outcome((c) =>
                withEncryptedPlaceholders(
                    { ...c, "azure-native:location": "westeurope", "azuread:tenantId": c[`${PROJECT}:tenantId`], "pulumi:tags": "{}" },
                    [`${PROJECT}:alertSecretReceivers`],
                    PROJECT,
                ),
            );
        });

        it("accepts keys of the providers' and Pulumi's namespaces", () => {
            assert.strictEqual(accepted, "ok");
        });

        it("uses the default of an optional key encrypted in the stack file", () => {
            assert.strictEqual(accepted, "ok");
        });
    });
});

describe("config checks the offline tools call", () => {
    it("allows every namespace but the project's look-alikes", () => {
        assert.doesNotThrow(() =>
            checkConfigNamespaces(
                [
                    `${PROJECT}:location`,
                    "azure-native:location",
                    "azuread:tenantId",
                    "pulumi:tags",
                    "entra-provisioning-logs-bootstrap:tenantId",
                    "aws:region",
                ],
                PROJECT,
            ),
        );
        assert.throws(() => checkConfigNamespaces(["entra-provisioning-logz:location"], PROJECT, ["location"]), {
            name: "ConfigError",
            message:
                "`entra-provisioning-logz:location` is in namespace entra-provisioning-logz, not this project's entra-provisioning-logs, so this project never reads it (did you mean `entra-provisioning-logs:location`?)",
        });
    });

    it("finds a plain-text value anywhere under a secret setting of a stack file", () => {
        const secure = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB" };
        assert.doesNotThrow(() =>
            checkStackFileSecrets({ [`${PROJECT}:alertSecretReceivers`]: [secure, secure] }, PROJECT, ["alertSecretReceivers"]),
        );
        assert.doesNotThrow(() =>
            checkStackFileSecrets({ [`${PROJECT}:alertSecretReceivers`]: secure, [`${PROJECT}:location`]: "westeurope" }, PROJECT, [
                "alertSecretReceivers",
            ]),
        );
        assert.doesNotThrow(() => checkStackFileSecrets({ [`${PROJECT}:alertSecretReceivers`]: [] }, PROJECT, ["alertSecretReceivers"]));
        assert.throws(() => checkStackFileSecrets({ [`${PROJECT}:token`]: { nested: [secure, "plain"] } }, PROJECT, ["token"]), {
            message:
                "`token.nested[1]` holds credentials but is plain text in the stack file (value hidden): set it with `pulumi config set --secret --path 'token.nested[1]' '<value>'`",
        });
    });

    it("cuts an echoed value to 80 characters, saying how long it was, without splitting a character", () => {
        assert.strictEqual(echo("short"), '"short"');
        assert.strictEqual(echo("x".repeat(80)), `"${"x".repeat(80)}"`);
        assert.strictEqual(echo("x".repeat(10_000)), `"${"x".repeat(80)}…" (10000 characters)`);
        assert.strictEqual(echo("🙂".repeat(81)), `"${"🙂".repeat(80)}…" (81 characters)`);
        assert.strictEqual(echo([1, 2]), "[1,2]");
    });
});
