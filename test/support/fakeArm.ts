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
    /** The Host header: which host the client asked for (one fake can stand for several, see `hosts`). */
    readonly host: string | undefined;
    readonly path: string;
    readonly apiVersion: string | null;
    /** The JSON body parsed; a body that is not JSON (a token request's form) as its text. */
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

const certificates = new Map<string, Promise<Certificate>>();

/**
 * The self-signed certificate for 127.0.0.1 and `hosts` (DNS names), made on first use (a 2048-bit
 * key takes a while) and reused for the same hosts.
 */
function sharedCertificate(hosts: readonly string[] = []): Promise<Certificate> {
    const key = hosts.join(",");
    let certificate = certificates.get(key);
    if (!certificate) {
        certificate = (async () => {
            const selfsigned: typeof import("selfsigned") = require("selfsigned");
            const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
                keySize: 2048,
                algorithm: "sha256",
                extensions: [
                    {
                        name: "subjectAltName",
                        altNames: [{ type: 7, ip: "127.0.0.1" }, ...hosts.map((value) => ({ type: 2 as const, value }))],
                    },
                ],
            });
            return { key: pems.private, cert: pems.cert };
        })().catch((e) => {
            certificates.delete(key);
            throw e;
        });
        certificates.set(key, certificate);
    }
    return certificate;
}

/** How a fake is started besides its handler. */
export interface FakeArmOptions {
    /** Delays every answer in real time; only the benchmark uses it, tests never wait. */
    readonly latencyMs?: number;
    /** Host names its certificate is also valid for, so a proxy can send clients asking for them here. */
    readonly hosts?: readonly string[];
    /** Answers the requests that carry no token (a token endpoint's), or undefined for the usual 401. */
    readonly open?: (req: ArmRequest) => ArmReply | undefined;
}

export class FakeArm {
    readonly requests: ArmRequest[] = [];
    private constructor(
        private readonly server: https.Server,
        readonly endpoint: string,
        readonly ca: string,
    ) {}

    static async start(handler: ArmHandler, now: () => number = () => Date.now(), options: FakeArmOptions = {}): Promise<FakeArm> {
        const pems = await sharedCertificate(options.hosts);
        let fake: FakeArm | undefined;
        const server = https.createServer({ key: pems.key, cert: pems.cert }, (req, res) => {
            let text = "";
            req.on("data", (chunk) => (text += chunk));
            req.on("end", () => {
                const url = new URL(req.url ?? "/", "https://127.0.0.1");
                const request: ArmRequest = {
                    method: req.method ?? "GET",
                    host: req.headers.host,
                    path: url.pathname,
                    apiVersion: url.searchParams.get("api-version"),
                    body: parseBody(text),
                    authorization: req.headers.authorization,
                    at: now(),
                };
                fake?.requests.push(request);
                const authorized = request.authorization?.startsWith("Bearer ") && request.authorization.endsWith(`.${FAKE_SIGNATURE}`);
                const reply = authorized
                    ? handler(request)
                    : (options.open?.(request) ?? { status: 401, body: armError("InvalidAuthenticationToken", "no token") });
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

/** A request's body: its JSON, its text when it is not JSON, undefined when empty. */
function parseBody(text: string): unknown {
    if (!text) {
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

const FAKE_SIGNATURE = "fake-signature";

/** A JWT-shaped token the fake accepts, issued in `tenantId` (its `tid` claim). */
export function fakeToken(tenantId?: string): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    return `${part({ alg: "none", typ: "JWT" })}.${part(tenantId ? { tid: tenantId } : {})}.${FAKE_SIGNATURE}`;
}

/**
 * Answers a token request as Microsoft Entra ID's v2.0 token endpoint does (POST
 * /{tenant}/oauth2/v2.0/token, client credentials), with a token the fake accepts, issued in that
 * tenant: a `FakeArm` `open` handler, for a real @azure/identity credential sent to the fake.
 */
export function fakeTokenEndpoint(req: ArmRequest): ArmReply | undefined {
    const tenant = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path)?.[1];
    if (req.method !== "POST" || tenant === undefined) {
        return undefined;
    }
    return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: fakeToken(tenant) } };
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
