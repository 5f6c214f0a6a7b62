/**
 * The time one run of `verify` or `discover` may take, and what a person waiting sees meanwhile.
 *
 * Every request already has a timeout and every call's retries a deadline (azureReader.ts); this is
 * the run's own: every read, retry and wait of the run is cut to the time left, so the command ends
 * within it, behind a proxy that never answers too. While reads are slow, a line on standard error
 * every few seconds says what the run is waiting for, and through which proxy.
 */
import { type Clock, formatDuration, SYSTEM_CLOCK } from "../../components/azure/timing";
import { type Command, type CommandIo, EXIT_CODES, UsageError } from "../cli";
import type { VerifyEndpoints } from "./azureReader";
import { checkProxyVariables } from "./proxy";

/** How long a run of verify or discover may take, unless {@link DEADLINE_VARIABLE} says otherwise. */
export const DEFAULT_RUN_DEADLINE_MS = 3 * 60_000;

/** The environment variable that sets the run's deadline, in seconds: for a CI job's own limit, and for tests. */
export const DEADLINE_VARIABLE = "ENTRA_LOGS_TIMEOUT_SECONDS";

/** The most {@link DEADLINE_VARIABLE} accepts: an hour. */
const MAX_DEADLINE_SECONDS = 3600;

/** How often a progress line is printed while a read is pending: every 5 s, or a sixth of a shorter deadline (1 s at least). */
export const PROGRESS_EVERY_MS = 5_000;

/** How long the process may linger after its result is printed before it is ended. */
const EXIT_GRACE_MS = 200;

/** How long past its deadline a run that has not ended is ended anyway: a bug's safety net, never reached by a read that keeps its timeout. */
const WATCHDOG_GRACE_MS = 5_000;

/** The run's deadline from the environment: {@link DEADLINE_VARIABLE}, else the default; a wrong value is one line, exit 2. */
export function deadlineFromEnv(env: NodeJS.ProcessEnv = process.env): number {
    const text = env[DEADLINE_VARIABLE];
    if (text === undefined || text === "") {
        return DEFAULT_RUN_DEADLINE_MS;
    }
    const seconds = Number(text);
    if (!/^\d+$/.test(text.trim()) || seconds < 1 || seconds > MAX_DEADLINE_SECONDS) {
        throw new UsageError(
            `${DEADLINE_VARIABLE} must be a whole number of seconds from 1 to ${MAX_DEADLINE_SECONDS} (got ${JSON.stringify(text)})`,
        );
    }
    return seconds * 1000;
}

/** How a run is bounded and reported. */
export interface RunDeadlineOptions {
    /** Required. The time the run may take, from the deadline's creation. */
    readonly totalMs: number;
    /** Optional. The clock the deadline runs on. Defaults to wall-clock time. */
    readonly clock?: Clock;
    /** Optional. Where progress lines go (standard error). Defaults to none. */
    readonly progress?: (line: string) => void;
    /** Optional. How often a progress line is due while a read is pending. Defaults to {@link PROGRESS_EVERY_MS}, or a sixth of a shorter deadline. */
    readonly progressEveryMs?: number;
}

/**
 * One run's deadline, shared by every read of the run (a fleet's stacks included), and the reads
 * pending, for progress lines. Progress runs on Node's timers, unreferenced: it is for a person
 * waiting in real time, and never keeps the process alive.
 */
export class RunDeadline {
    readonly totalMs: number;
    readonly startedAt: number;
    private readonly clock: Clock;
    private readonly pending = new Map<number, { readonly what: string; readonly since: number }>();
    private nextId = 0;
    private ticker?: ReturnType<typeof setInterval>;

    constructor(private readonly options: RunDeadlineOptions) {
        this.totalMs = options.totalMs;
        this.clock = options.clock ?? SYSTEM_CLOCK;
        this.startedAt = this.clock.now();
    }

    get elapsedMs(): number {
        return this.clock.now() - this.startedAt;
    }

    get leftMs(): number {
        return this.totalMs - this.elapsedMs;
    }

    /** The deadline, for messages: `3 min (ENTRA_LOGS_TIMEOUT_SECONDS)`. */
    get limit(): string {
        return `${formatDuration(this.totalMs)} (${DEADLINE_VARIABLE})`;
    }

    /** How often progress is due. */
    get progressEveryMs(): number {
        return this.options.progressEveryMs ?? Math.min(PROGRESS_EVERY_MS, Math.max(1_000, this.totalMs / 6));
    }

    /** Runs `work`, named `what` in progress lines while it is pending ("a token from login.microsoftonline.com …"). */
    async track<T>(what: string, work: () => Promise<T>): Promise<T> {
        const id = this.nextId++;
        this.pending.set(id, { what, since: this.clock.now() });
        this.startTicker();
        try {
            return await work();
        } finally {
            this.pending.delete(id);
            if (this.pending.size === 0) {
                this.stopTicker();
            }
        }
    }

    /** `… still waiting for <the oldest read> and 3 other reads (12 s of 3 min)`, or undefined when nothing has waited a full period. */
    progressLine(): string | undefined {
        const [oldest] = this.pending.values();
        if (!oldest || this.clock.now() - oldest.since < this.progressEveryMs) {
            return undefined;
        }
        const others = this.pending.size - 1;
        return `… still waiting for ${oldest.what}${others > 0 ? ` and ${others} other read${others === 1 ? "" : "s"}` : ""} (${formatDuration(this.elapsedMs)} of ${formatDuration(this.totalMs)})`;
    }

    private startTicker(): void {
        const progress = this.options.progress;
        if (!progress || this.ticker) {
            return;
        }
        this.ticker = setInterval(() => {
            const line = this.progressLine();
            if (line) {
                progress(line);
            }
        }, this.progressEveryMs);
        this.ticker.unref();
    }

    private stopTicker(): void {
        clearInterval(this.ticker);
        this.ticker = undefined;
    }
}

/**
 * `endpoints` for one run of a command, called first thing: the run's deadline
 * ({@link DEADLINE_VARIABLE}, else {@link DEFAULT_RUN_DEADLINE_MS}) from now, with progress lines on
 * `io.err` unless a test's clock is injected (its time is not the time a person waits). A wrong
 * deadline, or a proxy variable the SDK can't use, is one line, exit 2.
 */
export function runEndpoints(
    endpoints: VerifyEndpoints,
    io: Pick<CommandIo, "err">,
    env: NodeJS.ProcessEnv = process.env,
): VerifyEndpoints {
    checkProxyVariables(env);
    const totalMs = deadlineFromEnv(env);
    if (endpoints.deadline) {
        return endpoints;
    }
    const deadline = new RunDeadline(endpoints.clock ? { totalMs, clock: endpoints.clock } : { totalMs, progress: (line) => io.err(line) });
    return { ...endpoints, deadline };
}

/**
 * `command` as its own process runs it (`npm run verify`, `npm run discover`): once it has returned,
 * the process ends within {@link EXIT_GRACE_MS}, and should it still run {@link WATCHDOG_GRACE_MS}
 * past its deadline, it is ended with one line. Why not let Node end when nothing is left to do: the Azure SDK does not close
 * every socket of a request it abandons. https-proxy-agent 7 waits for the proxy's answer to CONNECT
 * with no timeout of its own, and @azure/identity 4 does not hand the caller's abort signal to its
 * token requests, so a proxy that accepts and never replies kept the process alive for minutes after
 * its result was printed. Output is written synchronously to files and pipes (Node's stdout on
 * Linux), so nothing printed is lost.
 */
export function endingInTime(command: Command, name: string, env: NodeJS.ProcessEnv = process.env): Command {
    return async (argv, io) => {
        let totalMs = DEFAULT_RUN_DEADLINE_MS;
        try {
            totalMs = deadlineFromEnv(env);
        } catch {
            // The command itself refuses the value, in one line.
        }
        const watchdog = setTimeout(() => {
            io.err(
                `internal error: ${name} did not end within its deadline of ${formatDuration(totalMs)} (${DEADLINE_VARIABLE}): a read outlived its timeout; please report it`,
            );
            process.exit(EXIT_CODES.internal);
        }, totalMs + WATCHDOG_GRACE_MS);
        watchdog.unref();
        try {
            return await command(argv, io);
        } finally {
            clearTimeout(watchdog);
            // By then runAsMain has set process.exitCode, which exit() keeps.
            setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
        }
    };
}
