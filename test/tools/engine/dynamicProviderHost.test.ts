import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import {
    type DynamicProviderHost,
    DynamicProviderError,
    isSecret,
    PROVIDER_KEY,
    secret,
    serializeDynamicProvider,
    startDynamicProviderHost,
    UNKNOWN,
} from "../../../tools/engine/dynamicProviderHost";
import { withTempDir } from "../../support/tempDir";

const URN = "urn:pulumi:dev::entra-provisioning-logs::pulumi-nodejs:dynamic:Thing::thing";

/** The whole stack config, as the engine hands it to a dynamic provider: every namespace, one secret. */
const CONFIG = {
    "entra-provisioning-logs:tenantId": "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
    "azure-native:clientId": "0a1b2c3d-0000-4000-8000-000000000001",
    "azure-native:clientSecret": "s3cret",
};

/**
 * A provider that shows what it was given: `configure`'s config (by qualified and unqualified key)
 * and `check`'s olds and news come back in the checked inputs; `create` fails, hangs or exits the
 * process when its inputs ask for it; it logs on stdout, stderr and the Engine service.
 */
function echoProvider(): pulumi.dynamic.ResourceProvider {
    const seen: { config?: Record<string, unknown> } = {};
    return {
        async configure(req) {
            seen.config = {
                clientId: req.config.get("azure-native:clientId"),
                clientSecret: req.config.get("azure-native:clientSecret"),
                tenantId: req.config.get("tenantId"),
                missing: req.config.get("azure-native:tenantId") ?? null,
            };
        },
        async check(olds, news) {
            console.log(`checking ${news.name}`);
            const failures = news.name === "bad" ? [{ property: "name", reason: "must not be bad" }] : [];
            return { inputs: { ...news, seenOlds: olds, seenConfig: seen.config }, failures };
        },
        async diff(_id, olds, news) {
            return { changes: olds.name !== news.name, replaces: olds.zone !== news.zone ? ["zone"] : [] };
        },
        async create(inputs) {
            console.error(`creating ${inputs.name}`);
            if (inputs.name === "refused") {
                throw new Error("Creating thing refused was refused (HTTP 403): the identity needs thing/write.");
            }
            if (inputs.name === "hang") {
                await new Promise(() => undefined);
            }
            if (inputs.name === "exit") {
                process.exit(3);
            }
            if (inputs.name === "log") {
                // The engine's address is the process's one argument; the Engine service takes its logs.
                const grpc = require("@grpc/grpc-js");
                const engine = require("@pulumi/pulumi/proto/engine_grpc_pb");
                const messages = require("@pulumi/pulumi/proto/engine_pb");
                const client = new engine.EngineClient(process.argv[2], grpc.credentials.createInsecure());
                const request = new messages.LogRequest().setSeverity(messages.LogSeverity.WARNING).setMessage("slow down").setUrn("urn:x");
                await new Promise((resolve, reject) =>
                    client.log(request, (err: Error | null) => (err ? reject(err) : resolve(undefined))),
                );
                client.close();
            }
            return { id: `id-${inputs.name}`, outs: { ...inputs, created: true } };
        },
        async read(id, props) {
            return { id, props: { ...props, read: true } };
        },
        async update(_id, _olds, news) {
            return { outs: { ...news, updated: true } };
        },
        async delete(id) {
            console.log(`deleting ${id}`);
        },
    };
}

/** `PROVIDER_KEY` is left out of what a test compares. */
function withoutProvider(props: Record<string, unknown>): Record<string, unknown> {
    const { [PROVIDER_KEY]: _, ...rest } = props;
    return rest;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("the dynamic provider host (tools/engine/dynamicProviderHost)", function () {
    this.timeout(60_000);
    let provider: Awaited<ReturnType<typeof serializeDynamicProvider>>;

    before(async () => {
        provider = await serializeDynamicProvider(echoProvider());
    });

    describe("during an update", () => {
        let host: DynamicProviderHost;

        before(async () => {
            host = await startDynamicProviderHost({ config: CONFIG, secretKeys: ["azure-native:clientSecret"], timeoutMs: 20_000 });
            await host.configure();
        });
        after(() => host?.close());

        it("runs @pulumi/pulumi's cmd/dynamic-provider in its own process, and talks to it on the port it prints", () => {
            assert.ok(host.pid > 0 && host.pid !== process.pid && alive(host.pid));
            assert.ok(host.port > 0 && host.port < 65536);
            assert.match(host.engineAddress, /^127\.0\.0\.1:\d+$/);
            const { version } = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8"));
            assert.strictEqual(host.version, version);
        });

        it("hands the provider's configure the stack's whole config, keys qualified, secrets in plain text", async () => {
            const { inputs } = await host.check(URN, {}, { name: "a", [PROVIDER_KEY]: provider });
            assert.deepStrictEqual(inputs.seenConfig, {
                clientId: CONFIG["azure-native:clientId"],
                clientSecret: "s3cret",
                tenantId: CONFIG["entra-provisioning-logs:tenantId"],
                missing: null,
            });
        });

        it("checks: the olds and news as sent, the failures, and __provider kept in the inputs", async () => {
            const { inputs, failures } = await host.check(URN, { name: "old" }, { name: "bad", [PROVIDER_KEY]: provider });
            assert.deepStrictEqual(failures, [{ property: "name", reason: "must not be bad" }]);
            assert.deepStrictEqual(inputs.seenOlds, { name: "old" });
            assert.strictEqual(inputs[PROVIDER_KEY], provider);
        });

        it("leaves unknowns out of a check outside a preview, as the engine does", async () => {
            const { inputs } = await host.check(URN, {}, { name: "a", zone: UNKNOWN, [PROVIDER_KEY]: provider });
            assert.ok(!("zone" in inputs), JSON.stringify(withoutProvider(inputs)));
        });

        it("diffs the old outputs against the new inputs", async () => {
            const olds = { name: "a", zone: "1", created: true, [PROVIDER_KEY]: provider };
            assert.deepStrictEqual(await host.diff(URN, "id-a", olds, { name: "a", zone: "1", [PROVIDER_KEY]: provider }), {
                changes: "none",
                replaces: [],
                stables: [],
                diffs: [],
                deleteBeforeReplace: false,
            });
            const diff = await host.diff(URN, "id-a", olds, { name: "b", zone: "2", [PROVIDER_KEY]: provider });
            assert.deepStrictEqual([diff.changes, diff.replaces], ["some", ["zone"]]);
        });

        it("creates, reads, updates and deletes, __provider carried in the outputs", async () => {
            const created = await host.create(URN, { name: "a", [PROVIDER_KEY]: provider });
            assert.deepStrictEqual([created.id, withoutProvider(created.properties)], ["id-a", { name: "a", created: true }]);
            assert.strictEqual(created.properties[PROVIDER_KEY], provider);
            const read = await host.read(URN, created.id, created.properties);
            assert.deepStrictEqual(withoutProvider(read.properties), { name: "a", created: true, read: true });
            const updated = await host.update(URN, created.id, created.properties, { name: "b", [PROVIDER_KEY]: provider });
            assert.deepStrictEqual(withoutProvider(updated.properties), { name: "b", updated: true });
            await host.delete(URN, created.id, updated.properties);
            // The child's stdout is a pipe, read apart from the RPC's answer: its line may come just after.
            const logged = () => host.logs.some((l) => l.source === "stdout" && l.message === "deleting id-a");
            for (let waited = 0; !logged() && waited < 5_000; waited += 50) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            assert.ok(logged(), JSON.stringify(host.logs));
        });

        it("sends a secret input in plain text (the provider does not accept secrets), and marks its output secret", async () => {
            const created = await host.create(URN, { name: "s", password: secret("hunter2"), [PROVIDER_KEY]: provider });
            assert.ok(isSecret(created.properties.password));
            assert.deepStrictEqual(created.properties.password, secret("hunter2"));
            assert.strictEqual(created.properties.created, true);
        });

        it("throws the provider's own error with its message, and the process goes on", async () => {
            await assert.rejects(host.create(URN, { name: "refused", [PROVIDER_KEY]: provider }), (e: Error) => {
                assert.ok(e instanceof DynamicProviderError);
                assert.strictEqual(e.message, "Creating thing refused was refused (HTTP 403): the identity needs thing/write.");
                assert.strictEqual(e.operation, `Create(${URN})`);
                return true;
            });
            assert.strictEqual((await host.create(URN, { name: "after", [PROVIDER_KEY]: provider })).id, "id-after");
        });

        it("collects what the provider logs: stdout and stderr lines, and the Engine service's Log calls", async () => {
            await host.create(URN, { name: "log", [PROVIDER_KEY]: provider });
            assert.ok(host.logs.some((l) => l.source === "stderr" && l.message === "creating log"));
            assert.ok(host.logs.some((l) => l.source === "stdout" && l.message === "checking a"));
            assert.deepStrictEqual(
                host.logs.filter((l) => l.source === "engine"),
                [{ source: "engine", severity: "warning", message: "slow down", urn: "urn:x" }],
            );
        });

        it("refuses a URN that is not one", async () => {
            await assert.rejects(host.check("thing", {}, { name: "a", [PROVIDER_KEY]: provider }), {
                name: "DynamicProviderHostError",
                message: '"thing" is not a resource URN (urn:pulumi:<stack>::<project>::<type>::<name>)',
            });
        });
    });

    describe("during a preview", () => {
        let host: DynamicProviderHost;

        before(async () => {
            host = await startDynamicProviderHost({ config: CONFIG, preview: true, timeoutMs: 20_000 });
            await host.configure();
        });
        after(() => host?.close());

        it("sends unknowns to check", async () => {
            const { inputs } = await host.check(URN, {}, { name: "a", zone: UNKNOWN, [PROVIDER_KEY]: provider });
            assert.strictEqual(inputs.zone, UNKNOWN);
        });

        it("does not call create or update (the provider does not support previews): the inputs are the outputs", async () => {
            const news = { name: "exit", [PROVIDER_KEY]: provider };
            assert.deepStrictEqual(await host.create(URN, news), { id: "", properties: news });
            assert.deepStrictEqual(await host.update(URN, "id", news, news), { properties: news });
            assert.ok(alive(host.pid), "create would have exited the process");
        });
    });

    describe("when something goes wrong", () => {
        /** Hosts for the tests that stop them, started together. */
        let hosts: DynamicProviderHost[] = [];

        before(async () => {
            hosts = await Promise.all([0, 1, 2].map(() => startDynamicProviderHost({ config: CONFIG })));
        });
        after(() => Promise.all(hosts.map((h) => h.close())));

        it("bounds every call: one that gets no answer in time fails in one line and stops the process", async () => {
            const host = hosts[0];
            await host.configure();
            const started = Date.now();
            await assert.rejects(host.create(URN, { name: "hang", [PROVIDER_KEY]: provider }, { timeoutMs: 500 }), {
                name: "DynamicProviderHostError",
                message: `Create(${URN}) got no answer from the dynamic provider within 500 ms; the provider process was stopped`,
            });
            assert.ok(Date.now() - started < 5_000);
            await host.close();
            assert.ok(!alive(host.pid), "the process was stopped");
            await assert.rejects(host.check(URN, {}, { name: "a", [PROVIDER_KEY]: provider }), { name: "DynamicProviderHostError" });
        });

        it("fails a call in one line when the process exits during it, and every call after it", async () => {
            const host = hosts[1];
            await host.configure();
            await assert.rejects(host.create(URN, { name: "exit", [PROVIDER_KEY]: provider }), {
                name: "DynamicProviderHostError",
                message: `Create(${URN}) failed: the provider process exited with code 3: creating exit`,
            });
            await assert.rejects(host.check(URN, {}, { name: "a", [PROVIDER_KEY]: provider }), {
                message: `Create(${URN}) failed: the provider process exited with code 3: creating exit`,
            });
        });

        it("refuses a resource call before configure, as the engine never makes one", async () => {
            await assert.rejects(hosts[2].check(URN, {}, { name: "a", [PROVIDER_KEY]: provider }), {
                message: `Check(${URN}) before configure(): the engine configures a provider before any resource call`,
            });
        });

        it("stops the process on close, and can be closed twice", async () => {
            const host = hosts[2];
            assert.ok(alive(host.pid));
            await Promise.all([host.close(), host.close()]);
            assert.ok(!alive(host.pid));
            await assert.rejects(host.configure(), { name: "DynamicProviderHostError", message: /after close\(\)$/ });
        });

        it("says in one line when the program's directory has no @pulumi/pulumi", async () => {
            await withTempDir(async (dir) => {
                fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: empty\nruntime: nodejs\n");
                await assert.rejects(startDynamicProviderHost({ config: {}, cwd: dir }), {
                    name: "DynamicProviderHostError",
                    message: `@pulumi/pulumi/cmd/dynamic-provider can't be found from ${dir}: run npm install in the program's directory`,
                });
            });
        });

        it("says in one line when the process exits before printing its port", async () => {
            await withTempDir(async (dir) => {
                const node = path.join(dir, "node");
                fs.writeFileSync(node, "#!/bin/sh\necho 'Error: Cannot find module google-protobuf' >&2\nexit 7\n", { mode: 0o755 });
                await assert.rejects(startDynamicProviderHost({ config: {}, node }), (e: Error) => {
                    assert.strictEqual(e.name, "DynamicProviderHostError");
                    assert.match(
                        e.message,
                        /^The dynamic provider \(.*cmd\/dynamic-provider\/index\.js\) exited with code 7 before printing its port: Error: Cannot find module google-protobuf$/,
                    );
                    return true;
                });
            });
        });

        it("says in one line when node can't be started", async () => {
            await assert.rejects(startDynamicProviderHost({ config: {}, node: "/nonexistent/node" }), {
                name: "DynamicProviderHostError",
                message: /^The dynamic provider \(.*\) could not be started: spawn \/nonexistent\/node ENOENT$/,
            });
        });

        it("says in one line when the process prints something else than a port", async () => {
            await withTempDir(async (dir) => {
                const node = path.join(dir, "node");
                fs.writeFileSync(node, "#!/bin/sh\necho 'Debugger listening'\nexec sleep 30\n", { mode: 0o755 });
                await assert.rejects(startDynamicProviderHost({ config: {}, node }), {
                    name: "DynamicProviderHostError",
                    message: /wrote an invalid port to stdout: "Debugger listening"$/,
                });
            });
        });
    });
});
