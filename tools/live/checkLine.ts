/** One line of a checklist (verify, discover): ✓ ok, ✗ fail (with the fix), ! warning. */
export interface CheckLine {
    readonly status: "ok" | "fail" | "warn";
    readonly check: string;
    readonly message: string;
    readonly fix?: string;
}

export const ok = (check: string, message: string): CheckLine => ({ status: "ok", check, message });
export const fail = (check: string, message: string, fix: string): CheckLine => ({ status: "fail", check, message, fix });
export const warn = (check: string, message: string, fix?: string): CheckLine => ({
    status: "warn",
    check,
    message,
    ...(fix ? { fix } : {}),
});
