/**
 * The bench's targets: each figure is recorded against its limit as it is printed, says `met` or
 * `missed`, and the run ends with a summary; `npm run bench -- --check` exits 1 on a miss.
 */

/** How a figure must compare with its limit. */
export type Rule = "≤" | "<" | "=" | "≥";

/** One figure against its target. */
export interface TargetResult {
    readonly label: string;
    readonly value: number;
    readonly limit: number;
    readonly unit: string;
    readonly rule: Rule;
    readonly met: boolean;
}

const DIGITS: Readonly<Record<string, number>> = { "×": 2, s: 1 };

/** A figure with its unit: `1234 ms`, `2.35×`, `12`. */
export function formatFigure(value: number, unit: string): string {
    const digits = DIGITS[unit] ?? (Number.isInteger(value) ? 0 : unit === "" ? 2 : 0);
    const text = value.toFixed(digits);
    return unit === "" ? text : unit === "×" || unit === "%" ? `${text}${unit}` : `${text} ${unit}`;
}

function meets(value: number, limit: number, rule: Rule): boolean {
    switch (rule) {
        case "≤":
            return value <= limit;
        case "<":
            return value < limit;
        case "=":
            return value === limit;
        case "≥":
            return value >= limit;
    }
}

/** Records each figure against its target, for the marks beside the figures and the summary at the end. */
export class Targets {
    readonly results: TargetResult[] = [];

    /**
     * Records `value` against `limit` (`value ≤ limit` unless `rule` says otherwise) and returns it
     * as printed beside its figure: `1234 ms (target ≤ 2000 ms: met)`.
     */
    target(label: string, value: number, limit: number, unit: string, rule: Rule = "≤"): string {
        const met = meets(value, limit, rule);
        this.results.push({ label, value, limit, unit, rule, met });
        return `${formatFigure(value, unit)} (target ${rule} ${formatFigure(limit, unit)}: ${met ? "met" : "missed"})`;
    }

    get missed(): readonly TargetResult[] {
        return this.results.filter((r) => !r.met);
    }

    /** The closing lines: how many targets were met, and each missed one with its figure. */
    summary(): string[] {
        const missed = this.missed;
        return [
            `Targets: ${this.results.length - missed.length} of ${this.results.length} met${missed.length > 0 ? `, ${missed.length} missed:` : "."}`,
            ...missed.map(
                (r) => `  missed: ${r.label}: ${formatFigure(r.value, r.unit)} (target ${r.rule} ${formatFigure(r.limit, r.unit)})`,
            ),
        ];
    }

    /** The exit code of `npm run bench -- --check`: 1 when any target is missed. */
    exitCode(): number {
        return this.missed.length > 0 ? 1 : 0;
    }
}
