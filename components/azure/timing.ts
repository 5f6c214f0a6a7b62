/**
 * Time for the program's own Azure calls: the clock they sleep on (tests inject a virtual one), a
 * request's timeout, and how durations read in messages. Apart from armOperation.ts so that
 * cloud.ts, which armOperation.ts imports, can use them without an import cycle.
 */

/** Copied by value into the serialized dynamic providers wherever the package is installed (see dependencies.ts). */
export const deploymentOnlyModule = true;

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

/** The code of the failure a request that timed out ends with: transient, like a broken connection. */
export const REQUEST_TIMEOUT = "REQUEST_TIMEOUT";

/**
 * Sends one request with an abort signal that fires after `timeoutMs` on `clock` (or when `outer`
 * aborts). A request that times out fails with code {@link REQUEST_TIMEOUT}, even one that ignores
 * its signal (a credential that never returns). The pipeline honours the signal: it cancels the
 * token request and the socket. Why not its own timeout: `PipelineRequest.timeout` is a `setTimeout`
 * in @typespec/ts-http-runtime nodeHttpClient.js `sendRequest`, and `AbortSignal.timeout()` runs on
 * Node's timers, neither on the injected clock; the first starts only after the token is got
 * (bearerTokenAuthenticationPolicy runs before), and both end in an AbortError that reads like the
 * caller's own abort.
 */
export async function withRequestTimeout<T>(
    timeoutMs: number,
    clock: Clock,
    send: (signal: AbortSignal) => Promise<T>,
    outer?: {
        addEventListener(type: "abort", listener: () => void): void;
        removeEventListener(type: "abort", listener: () => void): void;
        readonly aborted: boolean;
    },
): Promise<T> {
    const controller = new AbortController();
    const timedOut = () => Object.assign(new Error(`no answer within ${formatDuration(timeoutMs)}`), { code: REQUEST_TIMEOUT });
    let expired = false;
    let onTimeout: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
        onTimeout = () => reject(timedOut());
    });
    const fire = () => {
        expired = true;
        controller.abort();
        onTimeout?.();
    };
    const cancel = clock.timer ? clock.timer(timeoutMs, fire) : SYSTEM_CLOCK.timer!(timeoutMs, fire);
    const forward = () => controller.abort();
    if (outer?.aborted) {
        controller.abort();
    }
    outer?.addEventListener("abort", forward);
    try {
        const sent = send(controller.signal);
        sent.catch(() => undefined); // it may settle after the timeout has won
        return await Promise.race([sent, timeout]);
    } catch (e) {
        if (expired) {
            throw timedOut();
        }
        throw e;
    } finally {
        cancel();
        outer?.removeEventListener("abort", forward);
    }
}

/** `90 s`, `19 min`: seconds under two minutes, whole minutes above (rounded down with `floor`). */
export function formatDuration(ms: number, rounding: "round" | "floor" = "round"): string {
    if (ms < 120_000) {
        return `${Math.max(0, Math.round(ms / 1000))} s`;
    }
    return `${rounding === "floor" ? Math.floor(ms / 60_000) : Math.round(ms / 60_000)} min`;
}
