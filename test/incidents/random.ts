import { v4 as uuidv4 } from "uuid";

/**
 * A seeded pseudo-random stream (sfc32, seeded from a string by cyrb128), so every incident is the
 * same rows on every run and machine. Each app of an incident draws from its own stream, so the
 * rows of one app don't depend on the order the others are generated in (the tables are streamed).
 */
export class Random {
    private a: number;
    private b: number;
    private c: number;
    private d: number;
    private spare: number | undefined;

    constructor(seed: string) {
        [this.a, this.b, this.c, this.d] = cyrb128(seed);
        for (let i = 0; i < 12; i++) {
            this.next();
        }
    }

    /** Uniform in [0, 1). */
    next(): number {
        this.a >>>= 0;
        this.b >>>= 0;
        this.c >>>= 0;
        this.d >>>= 0;
        let t = (this.a + this.b) | 0;
        this.a = this.b ^ (this.b >>> 9);
        this.b = (this.c + (this.c << 3)) | 0;
        this.c = (this.c << 21) | (this.c >>> 11);
        this.d = (this.d + 1) | 0;
        t = (t + this.d) | 0;
        this.c = (this.c + t) | 0;
        return (t >>> 0) / 4294967296;
    }

    /** Uniform in [min, max). */
    between(min: number, max: number): number {
        return min + this.next() * (max - min);
    }

    /** A whole number in [min, max]. */
    int(min: number, max: number): number {
        return min + Math.floor(this.next() * (max - min + 1));
    }

    pick<T>(items: readonly T[]): T {
        return items[Math.floor(this.next() * items.length)];
    }

    /** Standard normal (Box–Muller). */
    normal(): number {
        if (this.spare !== undefined) {
            const s = this.spare;
            this.spare = undefined;
            return s;
        }
        const u = 1 - this.next();
        const v = this.next();
        const r = Math.sqrt(-2 * Math.log(u));
        this.spare = r * Math.sin(2 * Math.PI * v);
        return r * Math.cos(2 * Math.PI * v);
    }

    /** A Poisson count with mean `mean` (Knuth below 30, the normal approximation above). */
    poisson(mean: number): number {
        if (mean <= 0) {
            return 0;
        }
        if (mean >= 30) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
        }
        const limit = Math.exp(-mean);
        let k = 0;
        let p = this.next();
        while (p > limit) {
            k++;
            p *= this.next();
        }
        return k;
    }

    /** A version-4 UUID from this stream (uuid's own formatting, our bytes). */
    uuid(): string {
        const bytes = new Uint8Array(16);
        for (let i = 0; i < 16; i += 4) {
            const word = (this.next() * 4294967296) >>> 0;
            bytes[i] = word & 0xff;
            bytes[i + 1] = (word >>> 8) & 0xff;
            bytes[i + 2] = (word >>> 16) & 0xff;
            bytes[i + 3] = word >>> 24;
        }
        return uuidv4({ random: bytes });
    }
}

/** cyrb128: four 32-bit seeds from a string (public-domain hash by bryc). */
function cyrb128(text: string): [number, number, number, number] {
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < text.length; i++) {
        const k = text.charCodeAt(i);
        h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
        h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
        h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
        h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    h1 ^= h2 ^ h3 ^ h4;
    h2 ^= h1;
    h3 ^= h1;
    h4 ^= h1;
    return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
