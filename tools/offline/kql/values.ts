/**
 * Kusto scalar values as the executor holds them, and the conversions between them. A value is
 * `null`, or: bool → boolean; int, long, real, decimal → number; string, guid → string; datetime →
 * milliseconds since the Unix epoch and timespan → milliseconds (fractions hold Kusto's 100 ns
 * ticks); dynamic → a plain JSON value. Kusto strings are never null: a missing string is "".
 * Sources: https://learn.microsoft.com/kusto/query/scalar-data-types/ (each type's page) and
 * scalar-data-types/null-values.md ("string ... doesn't support null values").
 */

/** Milliseconds from the Unix epoch back to 0001-01-01, where Kusto counts datetime ticks from. */
export const DATETIME_ORIGIN_MS = -62135596800000;
const MS_PER_DAY = 86_400_000;

/** Kusto's numeric types. */
export const NUMERIC = new Set(["int", "long", "real", "decimal"]);

/**
 * A datetime literal's or a string's datetime: ISO 8601 (`2020-01-01`, `2020-01-01T10:00:00.1234567Z`,
 * `2020-01-01 10:00`) and RFC 1123/822 forms Date.parse understands; null when it is not one.
 * Up to seven fractional digits are kept (100 ns ticks).
 */
export function parseDatetime(text: string): number | null {
    const t = text.trim();
    const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
    if (iso) {
        const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = iso;
        let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
        if (Number(y) < 100) {
            // Date.UTC maps years 0–99 to 1900–1999.
            const date = new Date(ms);
            date.setUTCFullYear(Number(y));
            ms = date.getTime();
        }
        ms += frac ? Number(`0.${frac}`) * 1000 : 0;
        if (zone && zone.toUpperCase() !== "Z") {
            const sign = zone.startsWith("-") ? -1 : 1;
            const digits = zone.slice(1).replace(":", "");
            ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
        }
        return Number.isNaN(ms) ? null : ms;
    }
    if (/^\d{4}-\d{2}-\d{2}T/.test(t) || /[A-Za-z]{3},? \d/.test(t)) {
        const ms = Date.parse(t);
        return Number.isNaN(ms) ? null : ms;
    }
    return null;
}

const UNIT_MS: Readonly<Record<string, number>> = {
    d: MS_PER_DAY,
    day: MS_PER_DAY,
    days: MS_PER_DAY,
    h: 3_600_000,
    hr: 3_600_000,
    hrs: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
    m: 60_000,
    min: 60_000,
    minute: 60_000,
    minutes: 60_000,
    s: 1000,
    sec: 1000,
    second: 1000,
    seconds: 1000,
    ms: 1,
    milli: 1,
    millis: 1,
    millisecond: 1,
    milliseconds: 1,
    microsecond: 0.001,
    microseconds: 0.001,
    tick: 0.0001,
    ticks: 0.0001,
};

/**
 * A timespan literal's or a string's timespan (https://learn.microsoft.com/kusto/query/scalar-data-types/timespan):
 * `2d`, `1.5h`, `30m`, `10s`, `100ms`, `10microsecond`, `1tick`, `timespan(15 seconds)`, `time(2)` (days),
 * `[-][d.]hh:mm[:ss[.fffffff]]`; null when it is not one.
 */
export function parseTimespan(text: string): number | null {
    let t = text.trim();
    const wrapped = /^(?:timespan|time)\s*\((.*)\)$/is.exec(t);
    if (wrapped) {
        t = wrapped[1].trim();
        if (/^null$/i.test(t)) {
            return null;
        }
        if (/^-?\d+(\.\d+)?$/.test(t)) {
            return Number(t) * MS_PER_DAY;
        }
    }
    const unit = /^(-?\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(t);
    if (unit) {
        const per = UNIT_MS[unit[2].toLowerCase()];
        return per === undefined ? null : Number(unit[1]) * per;
    }
    const clock = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(t);
    if (clock) {
        const [, minus, days = "0", h, m, s = "0", frac = ""] = clock;
        const ms =
            Number(days) * MS_PER_DAY +
            Number(h) * 3_600_000 +
            Number(m) * 60_000 +
            Number(s) * 1000 +
            (frac ? Number(`0.${frac}`) * 1000 : 0);
        return minus ? -ms : ms;
    }
    return null;
}

function pad(n: number, width = 2): string {
    return String(n).padStart(width, "0");
}

/** Fraction of a second as Kusto prints it: seven digits, or none when zero. */
function fraction(ms: number): string {
    const ticks = Math.round((((ms % 1000) + 1000) % 1000) * 10_000);
    return ticks === 0 ? "" : `.${String(ticks).padStart(7, "0")}`;
}

/** `2020-01-01T10:00:00Z`, with `.fffffff` when the time has a fraction of a second: tostring(datetime). */
export function formatDatetime(ms: number): string {
    const whole = Math.floor(ms / 1000) * 1000;
    const d = new Date(whole);
    const y = d.getUTCFullYear();
    return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(
        d.getUTCSeconds(),
    )}${fraction(ms)}Z`;
}

/** `[-][d.]hh:mm:ss[.fffffff]`: tostring(timespan). */
export function formatTimespan(ms: number): string {
    const sign = ms < 0 ? "-" : "";
    const a = Math.abs(ms);
    const days = Math.floor(a / MS_PER_DAY);
    const rest = a - days * MS_PER_DAY;
    const h = Math.floor(rest / 3_600_000);
    const m = Math.floor((rest % 3_600_000) / 60_000);
    const s = Math.floor((rest % 60_000) / 1000);
    return `${sign}${days ? `${days}.` : ""}${pad(h)}:${pad(m)}:${pad(s)}${fraction(a)}`;
}

/** A value as Kusto's tostring() gives it, by the value's Kusto type. */
export function toKustoString(value: unknown, type: string): string {
    if (value === null || value === undefined) {
        return "";
    }
    switch (type) {
        case "datetime":
            return formatDatetime(value as number);
        case "timespan":
            return formatTimespan(value as number);
        case "bool":
            return value ? "true" : "false";
        case "dynamic":
            return typeof value === "string" ? value : JSON.stringify(value);
        default:
            return String(value);
    }
}

/** A typed value as a dynamic value: datetimes and timespans become their strings. */
export function toDynamic(value: unknown, type: string): unknown {
    if (value === null || value === undefined) {
        return null;
    }
    if (type === "datetime" || type === "timespan") {
        return toKustoString(value, type);
    }
    return value;
}

/** A dynamic value (or a string) read as `type`: what `to typeof(type)` and the to*() functions do. */
export function convert(value: unknown, from: string, to: string): unknown {
    if (value === null || value === undefined) {
        return to === "string" ? "" : null;
    }
    switch (to) {
        case "string":
            return toKustoString(value, from);
        case "dynamic":
            return toDynamic(value, from);
        case "bool":
            if (typeof value === "boolean") {
                return value;
            }
            if (typeof value === "number") {
                return value !== 0;
            }
            if (typeof value === "string") {
                const s = value.trim().toLowerCase();
                return s === "true" || s === "1" ? true : s === "false" || s === "0" ? false : null;
            }
            return null;
        case "int":
        case "long": {
            const n = toNumber(value, from);
            if (n === null || !Number.isFinite(n)) {
                return null;
            }
            return Math.trunc(n);
        }
        case "real":
        case "decimal":
            return toNumber(value, from);
        case "datetime":
            if (from === "datetime") {
                return value;
            }
            return typeof value === "string" ? parseDatetime(value) : null;
        case "timespan":
            if (from === "timespan") {
                return value;
            }
            if (typeof value === "string") {
                return parseTimespan(value);
            }
            return typeof value === "number" && from !== "dynamic" ? value : null;
        case "guid":
            return typeof value === "string" && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(value.trim())
                ? value.trim().toLowerCase()
                : null;
    }
    return null;
}

function toNumber(value: unknown, from: string): number | null {
    if (typeof value === "number") {
        return from === "datetime" || from === "timespan" ? value * 10_000 : value;
    }
    if (typeof value === "boolean") {
        return value ? 1 : 0;
    }
    if (typeof value === "string") {
        const s = value.trim();
        if (s === "" || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) {
            return null;
        }
        return Number(s);
    }
    return null;
}

/** Kusto's `==` for two non-null values (dynamic values compare by their JSON). */
export function sameValue(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (typeof a === "object" || typeof b === "object") {
        return JSON.stringify(a) === JSON.stringify(b);
    }
    return false;
}

/** Ascending order of two non-null values of one Kusto type. */
export function compareValues(a: unknown, b: unknown): number {
    if (typeof a === "number" && typeof b === "number") {
        return a < b ? -1 : a > b ? 1 : 0;
    }
    if (typeof a === "string" && typeof b === "string") {
        return a < b ? -1 : a > b ? 1 : 0;
    }
    if (typeof a === "boolean" && typeof b === "boolean") {
        return Number(a) - Number(b);
    }
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

/** `bin()` of a datetime: Kusto counts from 0001-01-01, so a 7-day bin starts on a Monday. */
export function binDatetime(ms: number, size: number): number {
    return Math.floor((ms - DATETIME_ORIGIN_MS) / size) * size + DATETIME_ORIGIN_MS;
}

/** True when `needle` occurs in `text` as whole terms, as Kusto's `has` matches (case-insensitive unless `cs`). */
export function hasTerm(text: string, needle: string, cs = false): boolean {
    if (needle === "") {
        return true;
    }
    const t = cs ? text : text.toLowerCase();
    const n = cs ? needle : needle.toLowerCase();
    let from = 0;
    while (true) {
        const at = t.indexOf(n, from);
        if (at < 0) {
            return false;
        }
        const before = at === 0 ? "" : t[at - 1];
        const after = t[at + n.length] ?? "";
        const startOk = !isWordChar(n[0]) || !isWordChar(before);
        const endOk = !isWordChar(n[n.length - 1]) || !isWordChar(after);
        if (startOk && endOk) {
            return true;
        }
        from = at + 1;
    }
}

function isWordChar(c: string | undefined): boolean {
    return c !== undefined && c !== "" && /[\p{L}\p{N}_]/u.test(c);
}
