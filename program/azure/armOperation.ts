import type { TokenCredential } from "@azure/identity";
import { createCredential } from "./credential";

/**
 * The one way this program's own code operates on ARM (the dynamic resources, and `verify`'s reads):
 * the client, how long one request may take, which failures are worth a retry, how long to wait
 * (Retry-After first), how a failure is described to the user, and how a dynamic resource decides
 * between update and replace. Everything is injectable so tests drive the real code against a
 * loopback server that behaves like ARM, on a virtual clock.
 */

/** The ARM endpoint of Azure's public cloud. */
export const PUBLIC_ARM_ENDPOINT = "https://management.azure.com";

/** How the program's own Azure calls reach ARM. */
export interface ArmDependencies {
    /** ARM endpoint. Defaults to {@link PUBLIC_ARM_ENDPOINT}. */
    readonly endpoint?: string;
    /** Defaults to the credential the azure-native provider would use (see `credential.ts`). */
    readonly credential?: TokenCredential;
    /** Extra trusted CA (PEM) for the endpoint; only tests need it. */
    readonly trustedCa?: string;
    /** Retries the SDK client makes by itself. Defaults to 0: {@link retryArm} owns retries and their deadline. */
    readonly clientRetries?: number;
    /** Defaults to wall-clock time. */
    readonly clock?: Clock;
    /** Defaults to {@link DEFAULT_BACKOFF}. */
    readonly backoff?: Backoff;
    /** How long one request may go unanswered. Defaults to {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
    readonly requestTimeoutMs?: number;
    /** Progress messages; defaults to silence (dynamic providers cannot log to the engine). */
    readonly log?: (message: string) => void;
}

/** A clock to sleep on; tests inject a virtual one. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /**
     * Calls `fire` after `ms` unless the returned function is called first: a request's timeout.
     * Optional; without it a real timer is used.
     */
    timer?(ms: number, fire: () => void): () => void;
}

export const SYSTEM_CLOCK: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    timer: (ms, fire) => {
        const id = setTimeout(fire, ms);
        return () => clearTimeout(id);
    },
};

/** Waits between attempts: `initialMs`, growing by `factor` up to `maxMs`. */
export interface Backoff {
    readonly initialMs: number;
    readonly factor: number;
    readonly maxMs: number;
}

/** A few seconds, growing to 30 s: polls a slow registration often enough, and spares a throttled API. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 5_000, factor: 1.5, maxMs: 30_000 };

/** How long one request may go unanswered before it is abandoned and, as a transient failure, retried. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The code of the failure a request that timed out ends with: transient, like a broken connection. */
export const REQUEST_TIMEOUT = "REQUEST_TIMEOUT";

/**
 * Sends one request with an abort signal that fires after `timeoutMs` on `clock` (or when `outer`
 * aborts). A request that times out fails with code {@link REQUEST_TIMEOUT}.
 */
export async function withRequestTimeout<T>(
    timeoutMs: number,
    clock: Clock,
    send: (signal: AbortSignal) => Promise<T>,
    outer?: { addEventListener(type: "abort", listener: () => void): void; removeEventListener(type: "abort", listener: () => void): void; readonly aborted: boolean },
): Promise<T> {
    const controller = new AbortController();
    let timedOut = false;
    const fire = () => {
        timedOut = true;
        controller.abort();
    };
    const cancel = clock.timer ? clock.timer(timeoutMs, fire) : SYSTEM_CLOCK.timer!(timeoutMs, fire);
    const forward = () => controller.abort();
    if (outer?.aborted) {
        controller.abort();
    }
    outer?.addEventListener("abort", forward);
    try {
        return await send(controller.signal);
    } catch (e) {
        if (timedOut) {
            throw Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: REQUEST_TIMEOUT });
        }
        throw e;
    } finally {
        cancel();
        outer?.removeEventListener("abort", forward);
    }
}

/**
 * A pipeline policy that gives every request (each attempt, each long-running-operation poll) its
 * own timeout, {@link withRequestTimeout}. Add it after the Sign phase, so waiting for a token
 * does not count.
 */
export function requestTimeoutPolicy(timeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS, clock: Clock = SYSTEM_CLOCK): import("@azure/core-rest-pipeline").PipelinePolicy {
    return {
        name: "entraProvisioningLogsRequestTimeout",
        sendRequest: async (request, next) => {
            const outer = request.abortSignal;
            try {
                return await withRequestTimeout(
                    timeoutMs,
                    clock,
                    (signal) => {
                        request.abortSignal = signal;
                        return next(request);
                    },
                    outer,
                );
            } finally {
                request.abortSignal = outer;
            }
        },
    };
}

/**
 * The official ARM client. Required lazily: dynamic providers are closure-serialized and run in
 * another process.
 */
export function createArmClient(subscriptionId: string, deps: ArmDependencies): import("@azure/arm-resources").ResourceManagementClient {
    const { ResourceManagementClient }: typeof import("@azure/arm-resources") = require("@azure/arm-resources");
    const client = new ResourceManagementClient(deps.credential ?? createCredential(), subscriptionId, {
        endpoint: deps.endpoint ?? PUBLIC_ARM_ENDPOINT,
        retryOptions: { maxRetries: deps.clientRetries ?? 0, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000 },
        ...(deps.trustedCa ? { tlsOptions: { ca: deps.trustedCa } } : {}),
        userAgentOptions: { userAgentPrefix: "entra-provisioning-logs" },
    });
    client.pipeline.addPolicy(requestTimeoutPolicy(deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, deps.clock ?? SYSTEM_CLOCK), { afterPhase: "Sign" });
    return client;
}

/** The shape of an error thrown by the Azure SDK (RestError), as far as this program reads it. */
export interface ArmFailure {
    readonly statusCode?: number;
    readonly code?: string;
    readonly message?: string;
    readonly response?: { readonly headers?: { get(name: string): string | undefined } };
}

/** Throttling, server errors and broken connections may pass; 400, 403 and 404 will not. */
export function isTransient(err: ArmFailure): boolean {
    if (err.statusCode === undefined) {
        return err.code !== undefined; // REQUEST_SEND_ERROR, ECONNRESET and friends: no response at all
    }
    return err.statusCode === 408 || err.statusCode === 429 || err.statusCode >= 500;
}

/** The wait ARM asked for in Retry-After, in milliseconds. */
export function retryAfterMs(err: ArmFailure, now: number = Date.now()): number | undefined {
    const header = err.response?.headers?.get("retry-after");
    if (!header) {
        return undefined;
    }
    const seconds = Number(header);
    if (Number.isFinite(seconds)) {
        return seconds * 1_000;
    }
    const date = Date.parse(header);
    return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** What ARM answered, in the words a user reads: `HTTP 429 TooManyRequests`, or the connection error. */
export function answerOf(err: ArmFailure): string {
    if (err.statusCode === undefined) {
        return err.code ?? "error";
    }
    return `HTTP ${err.statusCode}${err.code && err.code !== String(err.statusCode) ? ` ${err.code}` : ""}`;
}

/** Counts ARM's failed answers, so a final message can say what happened: "HTTP 429 ×14, HTTP 503 ×3". */
export class AnswerLog {
    private readonly counts = new Map<string, number>();

    record(err: ArmFailure): void {
        const answer = err.statusCode === undefined ? answerOf(err) : `HTTP ${err.statusCode}`;
        this.counts.set(answer, (this.counts.get(answer) ?? 0) + 1);
    }

    get size(): number {
        return this.counts.size;
    }

    summary(): string {
        return [...this.counts].map(([answer, n]) => `${answer} ×${n}`).join(", ");
    }
}

/**
 * One line saying which operation failed on what, what ARM answered, and what to do. `forbidden`
 * is the fix for a 403: the permission the identity lacks.
 */
export function describeArmFailure(operation: string, err: ArmFailure, forbidden?: string): string {
    if (err.statusCode === 403 && forbidden) {
        return `${operation} was refused (HTTP 403): ${forbidden}`;
    }
    return `${operation} failed (${answerOf(err)}): ${err.message ?? "no details"}`;
}

/** What a retried operation is, for its messages, and how long it may take. */
export interface RetrySpec {
    /** E.g. "Setting the retention of <table id>". */
    readonly operation: string;
    /** The fix for a 403. */
    readonly forbidden?: string;
    /** Give up after this long, in milliseconds. */
    readonly timeoutMs: number;
}

/** One attempt as the retry loop sees it: finished (return or throw), or a transient failure to wait out. */
type Attempt<T> = { readonly finished: () => T } | { readonly transient: ArmFailure; readonly giveUp: (answers: AnswerLog) => T };

/**
 * The one retry policy: transient failures are retried with a growing wait, or Retry-After when
 * longer, until the deadline; it never sleeps past it.
 */
async function retryLoop<T>(spec: RetrySpec, attempt: () => Promise<Attempt<T>>, deps: Pick<ArmDependencies, "clock" | "backoff" | "log">): Promise<T> {
    const clock = deps.clock ?? SYSTEM_CLOCK;
    const backoff = deps.backoff ?? DEFAULT_BACKOFF;
    const answers = new AnswerLog();
    const deadline = clock.now() + spec.timeoutMs;
    let delay = backoff.initialMs;
    for (;;) {
        const outcome = await attempt();
        if ("finished" in outcome) {
            return outcome.finished();
        }
        const err = outcome.transient;
        answers.record(err);
        const wait = Math.max(delay, retryAfterMs(err, clock.now()) ?? 0);
        if (clock.now() + wait > deadline) {
            return outcome.giveUp(answers);
        }
        deps.log?.(`${spec.operation}: ${answerOf(err)}; retrying in ${Math.round(wait / 1000)} s`);
        await clock.sleep(wait);
        delay = Math.min(delay * backoff.factor, backoff.maxMs);
    }
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures (throttling, 5xx, broken
 * connections) with a growing wait, or Retry-After when longer, until the deadline; never sleeps past
 * it. Anything else fails at once. Every failure message names the operation and ARM's answers.
 */
export async function retryArm<T>(spec: RetrySpec, attempt: () => Promise<T>, deps: Pick<ArmDependencies, "clock" | "backoff" | "log"> = {}): Promise<T> {
    return retryLoop<T>(
        spec,
        async () => {
            try {
                const value = await attempt();
                return { finished: () => value };
            } catch (e) {
                const err = e as ArmFailure;
                if (!isTransient(err)) {
                    return {
                        finished: () => {
                            throw new Error(describeArmFailure(spec.operation, err, spec.forbidden));
                        },
                    };
                }
                return {
                    transient: err,
                    giveUp: (answers) => {
                        throw new Error(
                            `${spec.operation} did not succeed within ${Math.round(spec.timeoutMs / 60_000)} minutes: ARM answered ${answers.summary()}. ` +
                                "Azure may be throttling or degraded; run pulumi up again later.",
                        );
                    },
                };
            }
        },
        deps,
    );
}

/** An HTTP answer, as far as the retry policy reads it. */
export interface HttpAnswer {
    readonly status: number;
    readonly headers?: { get(name: string): string | undefined };
}

/** The answer as a failure when it is a transient one (408, 429, 5xx), so it can be waited out; else undefined. */
export function transientAnswer(answer: HttpAnswer): ArmFailure | undefined {
    const failure: ArmFailure = { statusCode: answer.status, response: { headers: answer.headers } };
    return isTransient(failure) ? failure : undefined;
}

/**
 * {@link retryArm}'s policy for callers that read Azure's answers themselves (`verify`): transient
 * failures, thrown or returned as an answer `failureOf` recognizes (e.g. {@link transientAnswer}), are
 * retried with the same waits and deadline. Anything else is returned or rethrown as it is. At the
 * deadline the last transient answer is returned, or an error thrown naming the operation, how long
 * it was retried and what Azure answered.
 */
export async function retryTransient<T>(
    spec: RetrySpec,
    attempt: () => Promise<T>,
    failureOf: (value: T) => ArmFailure | undefined,
    deps: Pick<ArmDependencies, "clock" | "backoff" | "log"> = {},
): Promise<T> {
    return retryLoop<T>(
        spec,
        async () => {
            let value: T;
            try {
                value = await attempt();
            } catch (e) {
                const err = e as ArmFailure;
                if (!isTransient(err)) {
                    return {
                        finished: () => {
                            throw e;
                        },
                    };
                }
                return {
                    transient: err,
                    giveUp: (answers) => {
                        throw new Error(`${spec.operation} did not succeed within ${Math.round(spec.timeoutMs / 1000)} s: Azure answered ${answers.summary()}`);
                    },
                };
            }
            const failure = failureOf(value);
            return failure ? { transient: failure, giveUp: () => value } : { finished: () => value };
        },
        deps,
    );
}

/** The diff a dynamic provider returns. */
export interface InputDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: false;
}

/**
 * Compares old and new inputs: a change of a `replaceOn` key (ARM names, compared case-insensitively
 * as ARM does) replaces the resource; a change of an `updateOn` key updates it in place.
 */
export function diffInputs<T extends object>(before: T, after: T, replaceOn: readonly (keyof T)[], updateOn: readonly (keyof T)[]): InputDiff {
    const text = (v: unknown) => String(v).toLowerCase();
    const replaces = replaceOn.filter((k) => text(before[k]) !== text(after[k])).map(String);
    const updates = updateOn.filter((k) => before[k] !== after[k]);
    return { changes: replaces.length > 0 || updates.length > 0, replaces, deleteBeforeReplace: false };
}
