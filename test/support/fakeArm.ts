import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { TokenCredential } from "@azure/identity";
import type { Clock } from "../../components/azure/armOperation";

/**
 * A real HTTPS server on 127.0.0.1 that answers like Azure Resource Manager, for tests of the code
 * that calls Azure itself. Its certificate is made once per process and shared by every server;
 * clients trust it through `trustedCa`.
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

/**
 * An answer. "reset" breaks the connection before answering, "hang" never answers (the client must
 * time out). `raw` sends that text as the body instead of `body`'s JSON (an answer that is not JSON);
 * `breakAfter` sends that many bytes of the body, then breaks the connection (a reset mid-answer).
 */
export type ArmReply =
    | { status: number; body?: unknown; headers?: Record<string, string>; raw?: string; breakAfter?: number }
    | "reset"
    | "hang";
export type ArmHandler = (req: ArmRequest) => ArmReply;

interface Certificate {
    readonly key: string;
    readonly cert: string;
}

let certificate: Promise<Certificate> | undefined;

/** The self-signed certificate for 127.0.0.1, made on first use (a 2048-bit key takes a while) and reused. */
function sharedCertificate(): Promise<Certificate> {
    certificate ??= (async () => {
        const selfsigned: typeof import("selfsigned") = require("selfsigned");
        const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
            keySize: 2048,
            algorithm: "sha256",
            extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
        });
        return { key: pems.private, cert: pems.cert };
    })().catch((e) => {
        certificate = undefined;
        throw e;
    });
    return certificate;
}

export class FakeArm {
    readonly requests: ArmRequest[] = [];
    private constructor(
        private readonly server: https.Server,
        readonly endpoint: string,
        readonly ca: string,
    ) {}

    /** `latencyMs` delays every answer in real time; only the benchmark uses it, tests never wait. */
    static async start(handler: ArmHandler, now: () => number = () => Date.now(), options: { latencyMs?: number } = {}): Promise<FakeArm> {
        const pems = await sharedCertificate();
        let fake: FakeArm | undefined;
        const server = https.createServer({ key: pems.key, cert: pems.cert }, (req, res) => {
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
                    if (reply === "hang") {
                        return; // close() ends the connection if the client has not given up by then
                    }
                    if (reply === "reset") {
                        req.socket.destroy();
                        return;
                    }
                    const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
                    res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
                    if (reply.breakAfter !== undefined) {
                        // The headers and part of the body go out, then the connection breaks.
                        res.write(text.slice(0, reply.breakAfter), () => req.socket.destroy());
                        return;
                    }
                    res.end(text);
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

/** A random source that puts every jittered wait at its middle: the backoff's own delay, so waits are exact in tests. */
export const noJitter = (): number => 0.5;

/**
 * A clock whose sleeps return at once and move time forward, so minutes of waiting take
 * milliseconds. Its timers (request timeouts) fire only through `advance`, e.g. from a fake server's
 * handler while a request hangs: callers running concurrently share the clock, and one caller's
 * wait must not time out another's request.
 */
export class VirtualClock implements Clock {
    time = 0;
    /** Every sleep asked for, in ms. */
    readonly sleeps: number[] = [];
    /** Every timer set, in ms. */
    readonly timers: number[] = [];
    private pending: Array<{ due: number; fire: () => void }> = [];
    now = (): number => this.time;
    sleep = async (ms: number): Promise<void> => {
        this.sleeps.push(ms);
        this.time += ms;
    };
    timer = (ms: number, fire: () => void): (() => void) => {
        this.timers.push(ms);
        const entry = { due: this.time + ms, fire };
        this.pending.push(entry);
        return () => {
            this.pending = this.pending.filter((p) => p !== entry);
        };
    };
    /** Moves time forward, firing the timers that fall due. */
    advance(ms: number): void {
        this.time += ms;
        const due = this.pending.filter((p) => p.due <= this.time);
        this.pending = this.pending.filter((p) => p.due > this.time);
        for (const p of due) {
            p.fire();
        }
    }
    /** Moves time to the first pending timer and fires it (and any due with it): a request that never answers, until its client gives up. */
    advanceToNextTimer(): void {
        if (this.pending.length > 0) {
            this.advance(Math.max(0, Math.min(...this.pending.map((p) => p.due)) - this.time));
        }
    }
    /** Timers not yet fired or cancelled. */
    get pendingTimers(): number {
        return this.pending.length;
    }
}
