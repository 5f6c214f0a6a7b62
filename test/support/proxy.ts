import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { Settings } from "../../program/settings";
import { runScript } from "./command";
import { FakeArm, type FakeArmOptions } from "./fakeArm";
import { healthyTenant, tenantHandler } from "./fakeTenant";

/**
 * A real HTTP proxy on 127.0.0.1, as a corporate network puts in front of Azure, for tests of what
 * `verify` and `discover` do behind one. It speaks just CONNECT, the only method the Azure SDK's
 * proxy agent (https-proxy-agent) uses for https URLs; Node's http server parses it, so the fixture
 * is only the behaviour of each kind of proxy:
 *
 * - `forward`: a working proxy that tunnels every CONNECT, whatever host it names, to `target` (a
 *   loopback fake standing for all of Azure's hosts, with a certificate for them);
 * - `silent`: accepts connections and never replies (the proxy of the report that hung the commands);
 * - `auth`: answers every CONNECT 407 Proxy Authentication Required;
 * - `refused`: nothing listens on its port (the connection is refused).
 */
export type ProxyMode = { readonly kind: "forward"; readonly target: string } | { readonly kind: "silent" | "auth" | "refused" };

export class TestProxy {
    /** The CONNECT targets asked for, in order (`management.azure.com:443`). */
    readonly connects: string[] = [];
    private readonly sockets = new Set<net.Socket>();

    private constructor(
        private readonly server: net.Server | undefined,
        /** The proxy's URL, as HTTPS_PROXY takes it. */
        readonly url: string,
    ) {}

    static async start(mode: ProxyMode): Promise<TestProxy> {
        if (mode.kind === "refused") {
            // A port taken, then freed: nothing listens there.
            const probe = net.createServer();
            await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
            const port = (probe.address() as net.AddressInfo).port;
            await new Promise<void>((resolve) => probe.close(() => resolve()));
            return new TestProxy(undefined, `http://127.0.0.1:${port}`);
        }
        let proxy: TestProxy | undefined;
        const server =
            mode.kind === "silent"
                ? net.createServer((socket) => {
                      proxy?.keep(socket);
                      socket.on("data", (chunk) => {
                          const line = /^CONNECT (\S+)/.exec(chunk.toString("latin1"));
                          if (line) {
                              proxy?.connects.push(line[1]);
                          }
                      });
                  })
                : http.createServer((_req, res) => res.writeHead(405).end());
        if (server instanceof http.Server) {
            server.on("connection", (socket: net.Socket) => proxy?.keep(socket));
            server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
                proxy?.connects.push(req.url ?? "");
                if (mode.kind === "auth") {
                    client.end(
                        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n',
                    );
                    return;
                }
                const target = new URL((mode as { target: string }).target);
                const upstream = net.connect(Number(target.port), target.hostname, () => {
                    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
                    upstream.write(head);
                    upstream.pipe(client);
                    client.pipe(upstream);
                });
                proxy?.keep(upstream);
                const close = () => {
                    client.destroy();
                    upstream.destroy();
                };
                upstream.on("error", close);
                client.on("error", close);
            });
        }
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        proxy = new TestProxy(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
        return proxy;
    }

    private keep(socket: net.Socket): void {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
    }

    async close(): Promise<void> {
        for (const socket of this.sockets) {
            socket.destroy();
        }
        const server = this.server;
        if (server) {
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    }
}

/** The run's deadline the proxy tests give, in seconds: loading the SDKs, within it, takes seconds on a busy machine. */
export const DEADLINE_S = 15;
/** A run that has not ended by itself by then is killed, and the test fails: how long past its deadline it ends is the bench's (test/bench/proxy.ts). */
export const KILL_AFTER_MS = 60_000;

/** The public cloud's hosts verify and discover call: ARM, Microsoft Entra ID's token endpoint, Microsoft Graph, the Log Analytics query API. */
export const AZURE_HOSTS = ["management.azure.com", "login.microsoftonline.com", "graph.microsoft.com", "api.loganalytics.io"] as const;

/**
 * The variables of this process a command behind a test proxy must not inherit: proxies, the
 * credential's and cloud's settings, extra CAs, the run's deadline. Each test sets its own.
 */
export const PROCESS_SETTINGS = /^(https?_proxy|all_proxy|no_proxy|ARM_\w+|AZURE_\w+|NODE_EXTRA_CA_CERTS|ENTRA_LOGS_TIMEOUT_SECONDS)$/i;

/** A client secret's ARM_* variables, for tenant `tenantId`: @azure/identity then asks the token endpoint, through the proxy. */
export function servicePrincipal(tenantId: string): Record<string, string> {
    return { ARM_TENANT_ID: tenantId, ARM_CLIENT_ID: "0d5e1f3a-7b9c-4d2e-8f6a-1b3c5d7e9f0a", ARM_CLIENT_SECRET: "a-secret" };
}

/** The cloud metadata a `metadataHost` serves (GET /metadata/endpoints): the public cloud's. */
export function publicCloudMetadata(req: { method: string; path: string }): { status: number; body: unknown } | undefined {
    return req.method === "GET" && req.path === "/metadata/endpoints"
        ? {
              status: 200,
              body: {
                  resourceManager: "https://management.azure.com/",
                  authentication: { loginEndpoint: "https://login.microsoftonline.com/", audiences: ["https://management.azure.com/"] },
              },
          }
        : undefined;
}

/**
 * A suite of commands run as their own processes behind a test proxy: around the calling `describe`,
 * a fake Azure for `settings`' tenant (on `options`' hosts) and a file with its CA; after each test,
 * that test's proxy closed and the fake's requests forgotten.
 */
export function proxiedRuns(settings: Settings, options: FakeArmOptions) {
    let fake: FakeArm | undefined;
    let proxy: TestProxy | undefined;
    let dir = "";
    before(async () => {
        fake = await FakeArm.start(tenantHandler(settings, healthyTenant(settings)), Date.now, options);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-provisioning-logs-test-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), fake.ca);
    });
    after(async () => {
        fs.rmSync(dir, { recursive: true, force: true });
        await fake?.close();
    });
    afterEach(async () => {
        await proxy?.close();
        proxy = undefined;
        fake?.requests.splice(0);
    });
    return {
        /** The fake Azure every host of `options` resolves to. */
        get fake(): FakeArm {
            return fake!;
        },
        /** Starts the current test's proxy, closed after the test. */
        async startProxy(mode: ProxyMode): Promise<TestProxy> {
            proxy = await TestProxy.start(mode);
            return proxy;
        },
        /** Runs `npm run <script> -- <args>` with `env` and a service principal; the fake's CA trusted unless `trustFake` is false. */
        run(script: string, args: readonly string[], env: Record<string, string>, trustFake = true) {
            return runScript(script, args, {
                env: {
                    ...(trustFake ? { NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem") } : {}),
                    ...servicePrincipal(settings.tenantId),
                    ...env,
                },
                dropped: PROCESS_SETTINGS,
                killAfterMs: KILL_AFTER_MS,
            });
        },
    };
}
