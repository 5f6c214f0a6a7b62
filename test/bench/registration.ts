import type { Clock } from "../../components/azure/armOperation";
import { ensureRegistered, type ProvidersApi } from "../../components/dynamic/resourceProviderRegistration";

/** Results of one simulated registration. */
export interface RegistrationRun {
    readonly reads: number;
    readonly registerCalls: number;
    /** Simulated time from the flip to Registered until the waiter saw it. */
    readonly detectionDelayMs: number | undefined;
    /** Calls made after the deadline. */
    readonly callsAfterDeadline: number;
    readonly outcome: string;
}

/**
 * Simulates ARM in memory on a virtual clock: the provider turns Registered `registrationMs` after
 * the register call (never, when undefined; at once, when it is already registered).
 */
export async function simulateRegistration(
    registrationMs: number | "already" | undefined,
    timeoutMinutes: number,
): Promise<RegistrationRun> {
    let now = 0;
    const clock: Clock = {
        now: () => now,
        sleep: async (ms) => {
            now += ms;
        },
    };
    let registeredAt: number | undefined = registrationMs === "already" ? 0 : undefined;
    if (registrationMs === "already") {
        registrationMs = 0;
    }
    let reads = 0;
    let registerCalls = 0;
    let callsAfterDeadline = 0;
    let seenAt: number | undefined;
    const deadline = timeoutMinutes * 60_000;
    const state = () =>
        registeredAt === undefined
            ? "NotRegistered"
            : registrationMs !== undefined && now >= registeredAt + registrationMs
              ? "Registered"
              : "Registering";
    const api: ProvidersApi = {
        get: async () => {
            reads++;
            if (now > deadline) callsAfterDeadline++;
            const s = state();
            if (s === "Registered" && seenAt === undefined) seenAt = now;
            return { registrationState: s };
        },
        register: async () => {
            registerCalls++;
            if (now > deadline) callsAfterDeadline++;
            registeredAt ??= now;
            return { registrationState: state() };
        },
    };
    let outcome = "Registered";
    try {
        await ensureRegistered(api, "00000000-0000-0000-0000-000000000000", "Microsoft.Insights", timeoutMinutes, {
            clock,
            random: () => 0.5,
        });
    } catch (e) {
        outcome = `failed: ${(e as Error).message.slice(0, 60)}…`;
    }
    const flip = registeredAt !== undefined && registrationMs !== undefined ? registeredAt + registrationMs : undefined;
    return {
        reads,
        registerCalls,
        detectionDelayMs: flip !== undefined && seenAt !== undefined ? seenAt - flip : undefined,
        callsAfterDeadline,
        outcome,
    };
}
