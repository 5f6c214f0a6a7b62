import * as https from "https";
import type { AddressInfo } from "net";
import type { TokenCredential } from "@azure/identity";

/**
 * A real HTTPS server on 127.0.0.1 that answers like Azure Resource Manager, for tests of the code
 * that calls Azure itself. Its certificate is made per run; clients trust it through `trustedCa`.
 */

export interface ArmRequest {
    readonly method: string;
    readonly path: string;
    readonly apiVersion: string | null;
    readonly body: unknown;
    readonly authorization: string | undefined;
    /** The (virtual) time the request arrived, from the clock the test passes in. */
    readonly at: number;
}

export type ArmReply = { status: number; body?: unknown; headers?: Record<string, string> } | "reset";
export type ArmHandler = (req: ArmRequest) => ArmReply;

export class FakeArm {
    readonly requests: ArmRequest[] = [];
    private constructor(
        private readonly server: https.Server,
        readonly endpoint: string,
        readonly ca: string,
    ) {}

    static async start(handler: ArmHandler, now: () => number = () => Date.now(), options: { latencyMs?: number } = {}): Promise<FakeArm> {
        const selfsigned: typeof import("selfsigned") = require("selfsigned");
        const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
            keySize: 2048,
            algorithm: "sha256",
            extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
        });
        let fake: FakeArm | undefined;
        const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
            let text = "";
            req.on("data", (chunk) => (text += chunk));
            req.on("end", () => {
                const url = new URL(req.url ?? "/", "https://127.0.0.1");
                const request: ArmRequest = {
                    method: req.method ?? "GET",
                    path: url.pathname,
                    apiVersion: url.searchParams.get("api-version"),
                    body: text ? JSON.parse(text) : undefined,
                    authorization: req.headers.authorization,
                    at: now(),
                };
                fake?.requests.push(request);
                const authorized = request.authorization?.startsWith("Bearer ") && request.authorization.endsWith(`.${FAKE_SIGNATURE}`);
                const reply = authorized ? handler(request) : { status: 401, body: armError("InvalidAuthenticationToken", "no token") };
                const send = () => {
                    if (reply === "reset") {
                        req.socket.destroy();
                        return;
                    }
                    res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
                    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
                };
                // Latency like a real service's, so concurrency shows in wall time.
                if (options.latencyMs) {
                    setTimeout(send, options.latencyMs);
                } else {
                    send();
                }
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as AddressInfo).port;
        fake = new FakeArm(server, `https://127.0.0.1:${port}`, pems.cert);
        return fake;
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}

const FAKE_SIGNATURE = "fake-signature";

/** A JWT-shaped token the fake accepts, issued in `tenantId` (its `tid` claim). */
export function fakeToken(tenantId?: string): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${part({ alg: "none", typ: "JWT" })}.${part(tenantId ? { tid: tenantId } : {})}.${FAKE_SIGNATURE}`;
}

/** A credential that hands out tokens the fake ARM accepts, issued in `tenantId` when given. */
export function fakeCredentialFor(tenantId?: string): TokenCredential {
    return { getToken: async () => ({ token: fakeToken(tenantId), expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

/** A credential for tests that don't care about its tenant. */
export const fakeCredential: TokenCredential = fakeCredentialFor();

/** ARM's error body shape. */
export function armError(code: string, message: string): { error: { code: string; message: string } } {
    return { error: { code, message } };
}

/** A clock whose sleeps return at once and move time forward, so minutes of waiting take milliseconds. */
export class VirtualClock {
    time = 0;
    readonly sleeps: number[] = [];
    now = (): number => this.time;
    sleep = async (ms: number): Promise<void> => {
        this.sleeps.push(ms);
        this.time += ms;
    };
}
