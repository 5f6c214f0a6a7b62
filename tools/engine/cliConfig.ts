import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { UsageError } from "../cli";

/**
 * Turns a project's Pulumi.yaml and a stack's config file into exactly the configuration the Pulumi CLI
 * hands the program (PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS), for tools that run the program
 * without the CLI: the offline plan and the loopback engine.
 *
 * Every rule mirrors the Pulumi engine's Go source (github.com/pulumi/pulumi); each is cited where it
 * is applied. Where the CLI's result depends on Go's map order (it keeps one of two spellings of a key
 * at random), this module rejects the input with one line instead.
 *
 * What it cannot do offline: decrypt `secure:` values (their text is ENCRYPTED_PLACEHOLDER, their keys
 * are listed in `encrypted`, and their type is not checked), and open ESC environments (their values
 * can be passed as what `esc env open` prints; without them the keys they may set are listed as
 * unknown). An environment's `environmentVariables` and `files` are not config and are ignored here.
 */

/** The text of a `secure:` value offline, in place of the plaintext only the stack's secrets provider can give. */
export const ENCRYPTED_PLACEHOLDER = "[secret]";

/** What the CLI would read, and where. */
export interface CliConfigOptions {
    /** Required. The folder holding Pulumi.yaml. */
    readonly projectDir: string;
    /** Required. The stack, as `--stack` takes it: `dev`, or `org/project/dev` (its file is named by the last part). */
    readonly stack: string;
    /**
     * Optional. The stack's config file, as `pulumi --config-file` takes it. Defaults to
     * Pulumi.<stack>.yaml beside Pulumi.yaml (or in its `stackConfigDir`).
     */
    readonly configFile?: string;
    /**
     * Optional. What `esc env open <org>/<project>/<env>` printed for the stack's environment, as JSON text
     * or parsed: `--format json` (plain values; secrets then can't be told apart) or `--format detailed`
     * (keeps secret marks). Its `pulumiConfig` is merged under the stack's own values, as the CLI does.
     */
    readonly environmentValues?: string | object;
    /** Optional. As `--skip-config-validation`: apply project defaults but skip required-key and type checks. Defaults to false. */
    readonly skipConfigValidation?: boolean;
}

/** A stack's configuration as the Pulumi CLI hands it to the program. */
export interface CliConfig {
    /** Fully qualified key (`project:key`, `ns:key`) → the text `pulumi.Config` reads; lists and maps as the CLI's JSON. Sorted. */
    readonly config: Readonly<Record<string, string>>;
    /** Keys with secret values (PULUMI_CONFIG_SECRET_KEYS), sorted. */
    readonly secretKeys: readonly string[];
    /** Keys holding `secure:` values from the stack file, which offline cannot decrypt: each encrypted part reads ENCRYPTED_PLACEHOLDER. */
    readonly encrypted: readonly string[];
    /** The ESC environments the stack imports (`environment:`), as the CLI names them; `yaml` is an inline definition's own values. */
    readonly environments: readonly string[];
    /**
     * Keys declared in Pulumi.yaml that the stack file doesn't set while it imports environments whose
     * values were not given: offline their values are unknown (`config` holds the project default where
     * there is one; a required one is not an error). Empty when values were given or nothing is imported.
     */
    readonly unknownFromEnvironments: readonly string[];
    /** What the CLI would warn about, and what this module could not mirror offline; one line each. */
    readonly warnings: readonly string[];
    /** The stack config file read (a missing one reads as empty config, as for the CLI). */
    readonly stackFile: string;
}

/** The stack's settings or project file are wrong: one line naming the file, the key, the rule and the value; exit 2. */
export class CliConfigError extends UsageError {
    constructor(message: string) {
        super(message);
        this.name = "CliConfigError";
    }
}

/**
 * Reads the configuration `pulumi up`/`preview` would hand the program of `projectDir` for `stack`.
 * Throws CliConfigError where the CLI would refuse to run, or where its result would be arbitrary.
 */
export function readCliConfig(options: CliConfigOptions): CliConfig {
    const project = loadProject(options.projectDir);
    const stackName = options.stack.split("/").pop() ?? options.stack;
    const stackFile = options.configFile ? path.resolve(options.configFile) : projectStackPath(project, stackName);
    const shown = displayPath(options.projectDir, stackFile);
    const stack = loadStack(project, stackFile, shown);
    const warnings = [...stack.warnings];

    if (options.environmentValues !== undefined && stack.environments.length === 0) {
        throw new CliConfigError(
            `${shown}: environment values were given but the stack imports no ESC environment (no \`environment:\`), ` +
                "so the Pulumi CLI would not read them",
        );
    }
    const envConfig = new Map<string, Value>();
    if (options.environmentValues !== undefined) {
        const env = readEnvironmentValues(options.environmentValues);
        warnings.push(...env.warnings.map((w) => `${shown}: ${w}`));
        for (const [key, value] of environmentConfig(project.name, env.pulumiConfig, shown)) {
            envConfig.set(key, value);
        }
    }
    const unknownEnvironments = options.environmentValues === undefined && stack.environments.length > 0;

    const merged = mergeConfig({
        stackName,
        project,
        config: stack.config,
        envConfig,
        unknownEnvironments,
        validate: !options.skipConfigValidation,
        shown,
    });
    if (unknownEnvironments) {
        warnings.push(
            `${shown}: imports ESC environment${stack.environments.length > 1 ? "s" : ""} ${stack.environments.join(", ")} ` +
                "but their values were not given (what `esc env open` prints): offline, settings the file doesn't set are unknown " +
                `(${merged.unknown.join(", ") || "none declared in Pulumi.yaml"})`,
        );
    }

    const keys = [...merged.config.keys()].sort(goCompare);
    const config: Record<string, string> = {};
    for (const key of keys) {
        config[key] = valueText(merged.config.get(key)!);
    }
    return {
        config,
        secretKeys: keys.filter((k) => isSecure(merged.config.get(k)!)),
        encrypted: keys.filter((k) => hasCiphertext(merged.config.get(k)!)),
        environments: stack.environments,
        unknownFromEnvironments: merged.unknown,
        warnings,
        stackFile,
    };
}

/**
 * The two environment variables the Node.js language host sets from the configuration
 * (sdk/nodejs/cmd/pulumi-language-nodejs/main.go constructConfig, constructConfigSecretKeys): keys
 * in the legacy `ns:config:name` form, both JSON as Go's encoding/json writes it.
 */
export function pulumiConfigEnv(result: Pick<CliConfig, "config" | "secretKeys">): {
    PULUMI_CONFIG: string;
    PULUMI_CONFIG_SECRET_KEYS: string;
} {
    const legacy = new Map<string, Obj>();
    for (const [key, text] of Object.entries(result.config)) {
        const { namespace, name } = splitKey(key);
        legacy.set(`${namespace}:config:${name}`, text);
    }
    return { PULUMI_CONFIG: goJson(legacy), PULUMI_CONFIG_SECRET_KEYS: goJson([...result.secretKeys]) };
}

// ---------------------------------------------------------------------------------------------
// YAML as gopkg.in/yaml.v3 decodes it into `any` (resolve.go resolve, decode.go scalar): ints
// keep every digit (uint64 too), 0777 is octal, `_` separates digits, timestamps become time.Time.
// ---------------------------------------------------------------------------------------------

/** A YAML timestamp as yaml.v3 decodes it: a time.Time, in UTC or at a fixed offset. */
class GoTime {
    constructor(
        /** YYYY-MM-DD */
        readonly date: string,
        /** HH:MM:SS */
        readonly clock: string,
        /** Fractional seconds, up to 9 digits, trailing zeros trimmed. */
        readonly fraction: string,
        /** Minutes east of UTC; undefined for UTC (`Z` or no zone). */
        readonly offset: number | undefined,
    ) {}

    /** time.Time.String(): how a stack file's timestamp reaches the program (config/object.go unmarshalObject). */
    goString(): string {
        const frac = this.fraction ? `.${this.fraction}` : "";
        if (this.offset === undefined) {
            return `${this.date} ${this.clock}${frac} +0000 UTC`;
        }
        // A fixed zone with no name prints its offset twice ("-0700 -0700"): what time.Parse gives on a
        // machine whose local zone doesn't use this offset (on one that does, Go prints the zone's name).
        const zone = `${this.offset < 0 ? "-" : "+"}${pad2(Math.trunc(Math.abs(this.offset) / 60))}${pad2(Math.abs(this.offset) % 60)}`;
        return `${this.date} ${this.clock}${frac} ${zone} ${zone}`;
    }

    /** json.Marshal(time.Time), RFC 3339: how a Pulumi.yaml default timestamp reaches it (pkg/workspace/config.go createConfigValue). */
    rfc3339(): string {
        const frac = this.fraction ? `.${this.fraction}` : "";
        const zone = !this.offset
            ? "Z"
            : `${this.offset < 0 ? "-" : "+"}${pad2(Math.trunc(Math.abs(this.offset) / 60))}:${pad2(Math.abs(this.offset) % 60)}`;
        return `${this.date}T${this.clock}${frac}${zone}`;
    }
}

/** A decoded YAML (or JSON) value, as yaml.v3 gives it to Go code as `any`. */
type Y = null | boolean | bigint | number | string | GoTime | Y[] | YMap;
type YMap = Map<string, Y>;

const pad2 = (n: number) => String(n).padStart(2, "0");
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** A Go `int` (64 bits). */
const isGoInt = (b: bigint) => b >= INT64_MIN && b <= INT64_MAX;

/** Marks a non-string scalar used as a mapping key, which js-yaml turns into a string (see normalize). */
const NON_STRING_KEY = "\u0000non-string key:";

/** A plain scalar yaml.v3 resolves to something other than a string. */
class Resolved {
    constructor(
        readonly tag: "null" | "bool" | "int" | "float" | "timestamp",
        readonly value: Y,
    ) {}
    get [Symbol.toStringTag]() {
        return "Resolved";
    }
    toString() {
        return `${NON_STRING_KEY}${this.value instanceof GoTime ? this.value.goString() : String(this.value)}`;
    }
}

/** yaml.v3 resolve.go resolveTable and resolveMap: the first character says what a plain scalar may be. */
const RESOLVE_MAP = new Map<string, Resolved>([
    ...["true", "True", "TRUE"].map((s) => [s, new Resolved("bool", true)] as const),
    ...["false", "False", "FALSE"].map((s) => [s, new Resolved("bool", false)] as const),
    ...["", "~", "null", "Null", "NULL"].map((s) => [s, new Resolved("null", null)] as const),
    ...[".nan", ".NaN", ".NAN"].map((s) => [s, new Resolved("float", Number.NaN)] as const),
    ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, new Resolved("float", Number.POSITIVE_INFINITY)] as const),
    ...["-.inf", "-.Inf", "-.INF"].map((s) => [s, new Resolved("float", Number.NEGATIVE_INFINITY)] as const),
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** strconv.ParseInt(s, 0, 64)'s syntax: sign, then 0x / 0b / 0o / a leading 0 (octal) / decimal. */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]?([0-7]+)|([1-9][0-9]*|0))$/;
/** yaml.v3's timestamp layouts (resolve.go allowedTimestampFormats), as time.Parse reads them. */
const TIMESTAMP = new RegExp(
    [
        String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})`, // 2006-1-2
        String.raw`(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[-+]\d\d:\d\d))`, // T15:4:5.999999999Z07:00
        String.raw`|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?))?$`, // or " 15:4:5.999999999", or nothing
    ].join(""),
);

function resolvePlain(s: string): Resolved | string {
    const hint =
        s === "" ? "M" : /[-+]/.test(s[0]) ? "S" : /[0-9]/.test(s[0]) ? "D" : /[yYnNtTfFoO~]/.test(s[0]) ? "M" : s[0] === "." ? "." : "";
    if (!hint) {
        return s;
    }
    const known = RESOLVE_MAP.get(s);
    if (known) {
        return known;
    }
    if (hint === "." && /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) {
        return new Resolved("float", Number(s));
    }
    if (hint === "D" || hint === "S") {
        const time = parseTimestamp(s);
        if (time) {
            return new Resolved("timestamp", time);
        }
        const plain = s.replace(/_/g, "");
        const int = parseGoInt(plain);
        if (int !== undefined) {
            return new Resolved("int", int);
        }
        // strconv.ParseFloat fails on overflow (the scalar stays a string) and gives 0 on underflow.
        if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) {
            return new Resolved("float", Number(plain));
        }
    }
    return s;
}

/** strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64) (which takes no sign), as resolve.go tries them. */
function parseGoInt(s: string): bigint | undefined {
    const m = GO_INT.exec(s);
    if (!m) {
        return undefined;
    }
    const [, sign, hex, bin, oct, dec] = m;
    const magnitude =
        hex !== undefined
            ? BigInt(`0x${hex}`)
            : bin !== undefined
              ? BigInt(`0b${bin}`)
              : oct !== undefined
                ? BigInt(`0o${oct}`)
                : BigInt(dec);
    const value = sign === "-" ? -magnitude : magnitude;
    return isGoInt(value) || (sign === "" && value <= UINT64_MAX) ? value : undefined;
}

function parseTimestamp(s: string): GoTime | undefined {
    const m = TIMESTAMP.exec(s);
    if (!m) {
        return undefined;
    }
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const [hour, minute, second] = [Number(m[4] ?? m[9] ?? 0), Number(m[5] ?? m[10] ?? 0), Number(m[6] ?? m[11] ?? 0)];
    const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
        return undefined;
    }
    const zone = m[8];
    let offset: number | undefined;
    if (zone && zone !== "Z") {
        const [hh, mm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
        if (hh > 24 || mm > 60) {
            return undefined;
        }
        offset = (zone[0] === "-" ? -1 : 1) * (hh * 60 + mm);
    }
    const fraction = (m[7] ?? m[12] ?? "").slice(0, 9).replace(/0+$/, "");
    return new GoTime(`${m[1]}-${pad2(month)}-${pad2(day)}`, `${pad2(hour)}:${pad2(minute)}:${pad2(second)}`, fraction, offset);
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** One js-yaml type per tag yaml.v3 resolves, all by resolvePlain; explicit tags (`!!int "5"`) go through them too. */
function goTag(tag: Resolved["tag"]): yaml.Type {
    const matches = (data: string, explicit?: string) => {
        const r = resolvePlain(data ?? "");
        // An explicit !!float takes an integer too (resolve.go, the deferred check).
        return r instanceof Resolved && (r.tag === tag || (explicit !== undefined && tag === "float" && r.tag === "int"));
    };
    return new yaml.Type(`tag:yaml.org,2002:${tag}`, {
        kind: "scalar",
        resolve: (data: string | null, explicit?: string) => (data === null ? tag === "null" : matches(data, explicit)),
        construct: (data: string | null) => {
            const r = resolvePlain(data ?? "") as Resolved;
            return tag === "float" && r.tag === "int" ? new Resolved("float", Number(r.value)) : r;
        },
    });
}

/** js-yaml's `<<` merge key (yaml.v3 merges too); @types/js-yaml doesn't declare `types`. */
const MERGE_KEY = (yaml as unknown as { types: { merge: yaml.Type } }).types.merge;

const GO_YAML_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
    implicit: [goTag("null"), goTag("bool"), goTag("int"), goTag("float"), goTag("timestamp"), MERGE_KEY],
});

/** Parses YAML (or JSON) text as yaml.v3 would; a syntax error names the file, line and column. */
function parseGoYaml(text: string, shown: string, json = false): Y {
    // loaders.go readFileStripUTF8BOM
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    let raw: unknown;
    try {
        raw = yaml.load(body, { schema: GO_YAML_SCHEMA, json, filename: shown });
    } catch (e) {
        if (e instanceof yaml.YAMLException) {
            throw new CliConfigError(`${shown}:${e.mark.line + 1}:${e.mark.column + 1}: invalid YAML: ${e.reason}`);
        }
        throw e;
    }
    return normalize(raw, shown);
}

/** js-yaml's tree as yaml.v3's: scalars unwrapped, mappings as Maps; a non-string key is SimplifyMarshalledValue's error. */
function normalize(raw: unknown, shown: string): Y {
    if (raw instanceof Resolved) {
        return raw.value;
    }
    if (raw === null || raw === undefined || typeof raw === "string") {
        return raw ?? null;
    }
    if (Array.isArray(raw)) {
        return raw.map((v) => normalize(v, shown));
    }
    const map: YMap = new Map();
    for (const [key, value] of Object.entries(raw as object)) {
        if (key.startsWith(NON_STRING_KEY)) {
            // sdk/go/common/workspace/project.go SimplifyMarshalledValue
            throw new CliConfigError(`${shown}: expected only string keys, got '${key.slice(NON_STRING_KEY.length)}'`);
        }
        map.set(key, normalize(value, shown));
    }
    return map;
}

function readYamlFile(file: string, shown: string): Y {
    return parseGoYaml(fs.readFileSync(file, "utf8"), shown);
}

// ---------------------------------------------------------------------------------------------
// Config values as sdk/go/common/resource/config holds them (value.go Value, object.go object).
// ---------------------------------------------------------------------------------------------

/** A secret: ciphertext from a stack file's `secure:` (object.go CiphertextSecret), or an ESC secret's plaintext. */
class Secret {
    constructor(
        readonly ciphertext: string | undefined,
        readonly plaintext: string | undefined,
    ) {}
}

/** object.go object: what a value holds once its text is parsed. */
type Obj = null | boolean | bigint | number | string | Secret | Obj[] | Map<string, Obj>;

/**
 * A config.Value. A plain value is a string; a secure one a Secret; anything else is an "object"
 * value (Value.Object()), whose text is JSON: a list, a map, the `null` an environment can give, or
 * a number from a Pulumi.yaml default (createConfigValue).
 */
type Value = Obj;

const isObjectValue = (v: Value) => typeof v !== "string" && !(v instanceof Secret);

/** object.go unmarshalObject: a decoded YAML value as a config object; `{secure: <string>}` alone is a secret. */
function unmarshalObject(y: Y): Obj {
    if (y instanceof GoTime) {
        return y.goString();
    }
    if (Array.isArray(y)) {
        return y.map(unmarshalObject);
    }
    if (y instanceof Map) {
        const secure = y.get("secure");
        if (y.size === 1 && typeof secure === "string") {
            return new Secret(secure, undefined);
        }
        return new Map([...y].map(([k, v]) => [k, unmarshalObject(v)]));
    }
    return y;
}

/** object.go MarshalString: booleans and numbers become plain text; lists and maps stay objects. */
function marshalValue(o: Obj): Value {
    return typeof o === "boolean" || typeof o === "bigint" || typeof o === "number" ? goJson(o) : o;
}

/** object.go Secure: a secret, or a list or map holding one. */
function isSecure(v: Obj): boolean {
    if (v instanceof Secret) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(isSecure);
    }
    return v instanceof Map && [...v.values()].some(isSecure);
}

function hasCiphertext(v: Obj): boolean {
    if (v instanceof Secret) {
        return v.plaintext === undefined;
    }
    if (Array.isArray(v)) {
        return v.some(hasCiphertext);
    }
    return v instanceof Map && [...v.values()].some(hasCiphertext);
}

/** What the program reads (plaintext.go marshalText after Map.Decrypt): plain text as is, anything else as JSON. */
function valueText(v: Value): string {
    if (typeof v === "string") {
        return v;
    }
    if (v instanceof Secret) {
        return v.plaintext ?? ENCRYPTED_PLACEHOLDER;
    }
    return goJson(v);
}

/**
 * JSON as Go's encoding/json.Marshal writes it: map keys sorted by bytes, `<`, `>`, `&`, U+2028 and
 * U+2029 escaped, floats in the shortest form (JavaScript's, which Go's matches except for -0).
 */
function goJson(o: Obj): string {
    if (o === null) {
        return "null";
    }
    if (typeof o === "boolean" || typeof o === "bigint") {
        return String(o);
    }
    if (typeof o === "number") {
        if (!Number.isFinite(o)) {
            throw new Error(`json: unsupported value: ${Number.isNaN(o) ? "NaN" : o > 0 ? "+Inf" : "-Inf"}`);
        }
        return Object.is(o, -0) ? "-0" : String(o);
    }
    if (typeof o === "string") {
        return JSON.stringify(o).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    }
    if (o instanceof Secret) {
        return goJson(o.plaintext ?? ENCRYPTED_PLACEHOLDER);
    }
    if (Array.isArray(o)) {
        return `[${o.map(goJson).join(",")}]`;
    }
    return `{${[...o.keys()]
        .sort(goCompare)
        .map((k) => `${goJson(k)}:${goJson(o.get(k)!)}`)
        .join(",")}}`;
}

/** strings.Compare: by UTF-8 bytes. */
function goCompare(a: string, b: string): number {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** object.go Merge: a JSON merge patch of `over` onto `base` where both are maps; otherwise `over` wins (null included). */
function mergeObjects(over: Obj, base: Obj | undefined): Obj {
    if (over instanceof Map && base instanceof Map) {
        const merged = new Map(base);
        for (const [k, v] of over) {
            merged.set(k, mergeObjects(v, merged.get(k)));
        }
        return merged;
    }
    return over;
}

/** object.go coerce, used when a Pulumi.yaml default is set at a path: "true"/"false" and plain decimal integers lose their quotes. */
function coerceObject(v: Value): Obj {
    if (typeof v !== "string") {
        return v;
    }
    if (v === "true" || v === "false") {
        return v === "true";
    }
    if (v.length > 1 && v[0] === "0") {
        return v;
    }
    const int = /^[-+]?[0-9]+$/.test(v) ? BigInt(v) : undefined;
    return int !== undefined && (isGoInt(int) || (v[0] !== "-" && v[0] !== "+" && int <= UINT64_MAX)) ? int : v;
}

// ---------------------------------------------------------------------------------------------
// Keys (config/key.go) and key paths (config/map.go parseKeyPath, resource/properties_path.go).
// ---------------------------------------------------------------------------------------------

/** config/key.go ParseKey: `ns:name`, or the legacy `ns:config:name`; returns the canonical `ns:name`. */
function parseKey(s: string): string | Error {
    const parts = s.split(":");
    if (parts.length === 2) {
        return s;
    }
    if (parts.length === 3 && parts[1] === "config") {
        return `${parts[0]}:${parts[2]}`;
    }
    return new Error(`could not parse ${s} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
}

function splitKey(key: string): { namespace: string; name: string } {
    const i = key.indexOf(":");
    return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** pkg/workspace/config.go parseConfigKey: a key without a namespace is the project's. */
function parseConfigKey(projectName: string, key: string): string | Error {
    return key.includes(":") ? parseKey(key) : `${projectName}:${key}`;
}

type PathSeg = string | number;

/** properties_path.go parsePropertyPath, strict: `a.b`, `a[0]`, `a["b.c"]`. */
function parsePropertyPath(p: string): PathSeg[] {
    const elements: PathSeg[] = [];
    if (p.startsWith(".")) {
        throw new Error("expected property path to start with a name or index");
    }
    while (p.length > 0) {
        if (p[0] === ".") {
            p = p.slice(1);
            if (p.length === 0) {
                throw new Error("expected property path to end with a name or index");
            }
            if (p[0] === "[") {
                throw new Error("expected property name after '.'");
            }
        } else if (p[0] === "[") {
            if (p[1] === '"') {
                let key = "";
                let i = 2;
                for (;;) {
                    if (i >= p.length) {
                        throw new Error("missing closing quote in property name");
                    }
                    if (p[i] === '"') {
                        i++;
                        break;
                    }
                    if (p[i] === "\\" && p[i + 1] === '"') {
                        key += '"';
                        i += 2;
                    } else {
                        key += p[i++];
                    }
                }
                if (p[i] !== "]") {
                    throw new Error("missing closing bracket in property access");
                }
                elements.push(key);
                p = p.slice(i + 1);
            } else {
                const close = p.indexOf("]");
                if (close === -1) {
                    throw new Error("missing closing bracket in array index");
                }
                const segment = p.slice(1, close);
                if (segment !== "*" && !/^[-+]?[0-9]+$/.test(segment)) {
                    throw new Error(`invalid array index: strconv.ParseInt: parsing ${JSON.stringify(segment)}: invalid syntax`);
                }
                elements.push(segment === "*" ? "*" : Number(segment));
                p = p.slice(close + 1);
            }
        } else {
            const end = p.search(/[.[]/);
            elements.push(end === -1 ? p : p.slice(0, end));
            p = end === -1 ? "" : p.slice(end);
        }
    }
    return elements;
}

/** config/map.go parseKeyPath: the path in a key's name, and the key of its first segment. */
function parseKeyPath(key: string): { path: PathSeg[]; root: string } {
    const { namespace, name } = splitKey(key);
    let p: PathSeg[];
    try {
        p = parsePropertyPath(name);
    } catch (e) {
        throw new Error(`invalid config key path: ${(e as Error).message}`);
    }
    if (p.length === 0) {
        throw new Error("empty config key path");
    }
    if (typeof p[0] !== "string") {
        throw new Error("first path segement of config key must be a string");
    }
    if (p[0] === "") {
        throw new Error("config key is empty");
    }
    return { path: p, root: `${namespace}:${p[0]}` };
}

/** config/map.go Map.Get with path = true: a key's name is a path into its first segment's value. */
function getAtPath(config: Map<string, Value>, key: string): Value | undefined {
    const { path: p, root } = parseKeyPath(key);
    let v: Obj | undefined = config.get(root);
    for (const seg of p.slice(1)) {
        if (Array.isArray(v) && typeof seg === "number") {
            v = seg >= 0 && seg < v.length ? v[seg] : undefined;
        } else if (v instanceof Map && typeof seg === "string") {
            v = v.get(seg);
        } else {
            return undefined;
        }
    }
    return v === undefined || p.length === 1 ? v : marshalValue(v);
}

/** config/map.go Map.Set with path = true, and object.go object.Set (a scalar at the first level is replaced by a container). */
function setAtPath(config: Map<string, Value>, key: string, value: Value): void {
    const { path: p, root } = parseKeyPath(key);
    if (p.length === 1) {
        config.set(root, value);
        return;
    }
    const container = (seg: PathSeg): Obj => (typeof seg === "number" ? new Array(seg + 1).fill(null) : new Map());
    const set = (current: Obj, depth: number, rest: PathSeg[]): Obj => {
        if (rest.length === 0) {
            return coerceObject(value);
        }
        const [seg, ...tail] = rest;
        let c = current;
        if (!Array.isArray(c) && !(c instanceof Map)) {
            if (c !== null && depth > 1) {
                throw new Error(`${root}: expected ${typeof seg === "number" ? "an array" : "a map"}`);
            }
            c = container(seg) as Obj[] | Map<string, Obj>;
        }
        if (Array.isArray(c)) {
            if (typeof seg !== "number") {
                throw new Error(`${root}: key for an array must be an int`);
            }
            if (seg < 0 || seg > c.length) {
                throw new Error(`${root}: array index out of range`);
            }
            const copy = [...c];
            copy[seg] = set(seg < c.length ? c[seg] : null, depth + 1, tail);
            return copy;
        }
        if (typeof seg !== "string") {
            throw new Error(`${root}: key for a map must be a string`);
        }
        return new Map(c).set(seg, set(c.get(seg) ?? null, depth + 1, tail));
    };
    const existing = config.get(root);
    config.set(root, marshalValue(set(existing ?? container(p[1]), 1, p.slice(1))));
}

// ---------------------------------------------------------------------------------------------
// The project: sdk/go/common/workspace/loaders.go LoadProjectBytes and project.go.
// ---------------------------------------------------------------------------------------------

interface ItemsType {
    readonly type: string;
    readonly items?: ItemsType;
}

/** project.go ProjectConfigType. */
interface ProjectConfigType {
    readonly type?: string;
    readonly items?: ItemsType;
    readonly default?: Y;
    readonly value?: Y;
    readonly secret: boolean;
}

interface Project {
    readonly name: string;
    readonly dir: string;
    readonly file: string;
    readonly stackConfigDir?: string;
    readonly config: ReadonlyMap<string, ProjectConfigType>;
}

/** project.json simpleConfigType. */
const CONFIG_TYPES = ["string", "integer", "boolean", "array", "object"];
const CONFIG_ATTRIBUTES = ["type", "items", "description", "secret", "default", "value"];

function loadProject(dir: string): Project {
    // paths.go findProjectInDir (Pulumi.json, which encoding/json reads with other number rules, is not read here).
    const file = [".yaml", ".yml"].map((ext) => path.join(dir, `Pulumi${ext}`)).find((f) => fs.existsSync(f));
    if (!file) {
        throw new CliConfigError(`no Pulumi.yaml project file in ${dir}`);
    }
    const shown = path.basename(file);
    const doc = readYamlFile(file, shown);
    const fail = (message: string) => new CliConfigError(`${shown}: ${message}`);
    if (!(doc instanceof Map)) {
        throw fail(`expected project to be an object, was '${goTypeName(doc)}'`);
    }
    // project.go ValidateProject
    const name = doc.get("name");
    if (name === undefined) {
        throw fail("project is missing a 'name' attribute");
    }
    if (typeof name !== "string" || name === "") {
        throw fail("project is missing a non-empty string 'name' attribute");
    }
    let stackConfigDir = doc.get("stackConfigDir");
    let rawConfig = doc.get("config");
    // project.go RewriteConfigPathIntoStackConfigDir: `config: <dir>` is the old spelling of stackConfigDir.
    if (typeof rawConfig === "string") {
        if (stackConfigDir !== undefined) {
            throw fail("Should not use both config and stackConfigDir to define the stack directory. Use only stackConfigDir instead.");
        }
        stackConfigDir = rawConfig;
        rawConfig = null;
    }
    if (stackConfigDir !== undefined && stackConfigDir !== null && typeof stackConfigDir !== "string") {
        throw fail(`stackConfigDir must be a string (got ${describeY(stackConfigDir)})`);
    }
    if (rawConfig !== undefined && rawConfig !== null && !(rawConfig instanceof Map)) {
        throw fail(`config must be a map of configuration keys to their types or values (got ${describeY(rawConfig)})`);
    }
    const config = new Map<string, ProjectConfigType>();
    const canonical = new Map<string, string>();
    for (const [key, raw] of rawConfig ?? []) {
        const type = projectConfigType(name, key, raw, fail);
        validateProjectConfigType(name, key, type, fail);
        // Two spellings of one key (`foo`, `project:foo`): mergeConfig would apply the first in sorted order only.
        const parsed = parseConfigKey(name, key);
        if (parsed instanceof Error) {
            throw fail(parsed.message);
        }
        const other = canonical.get(parsed);
        if (other !== undefined) {
            throw fail(
                `config declares both '${other}' and '${key}', two spellings of the key ${parsed}; ` +
                    "the Pulumi CLI would apply only one: keep one",
            );
        }
        canonical.set(parsed, key);
        config.set(key, type);
    }
    return { name, dir, file, stackConfigDir: stackConfigDir ?? undefined, config };
}

/** One entry of Pulumi.yaml's `config:`, after project.go RewriteShorthandConfigValues. */
function projectConfigType(projectName: string, key: string, raw: Y, fail: (m: string) => Error): ProjectConfigType {
    // project.go isPrimitiveValue (string, int, bool) or isArray: a project key's shorthand is its
    // default, another namespace's (`aws:region: us-west-2`) is its value.
    if (typeof raw === "string" || typeof raw === "boolean" || (typeof raw === "bigint" && isGoInt(raw)) || Array.isArray(raw)) {
        return configKeyIsNamespacedByProject(projectName, key) ? { default: raw, secret: false } : { value: raw, secret: false };
    }
    // project.json: anything else must be a configTypeDeclaration.
    if (!(raw instanceof Map)) {
        throw fail(
            `config '${key}' must be a string, an integer, a boolean, an array or a declaration ` +
                `(type, items, description, secret, default, value) (got ${describeY(raw)})`,
        );
    }
    for (const attribute of raw.keys()) {
        if (!CONFIG_ATTRIBUTES.includes(attribute)) {
            throw fail(
                `config '${key}': '${attribute}' not allowed; ` +
                    `the allowed attributes are ${CONFIG_ATTRIBUTES.map((a) => `'${a}'`).join(", ")}`,
            );
        }
    }
    const type = raw.get("type") ?? undefined;
    if (type !== undefined && (typeof type !== "string" || !CONFIG_TYPES.includes(type))) {
        throw fail(`config '${key}': type must be one of ${CONFIG_TYPES.join(", ")} (got ${describeY(type)})`);
    }
    const secret = raw.get("secret") ?? false;
    if (typeof secret !== "boolean") {
        throw fail(`config '${key}': secret must be true or false (got ${describeY(secret)})`);
    }
    const description = raw.get("description");
    if (description !== undefined && typeof description !== "string") {
        throw fail(`config '${key}': description must be a string (got ${describeY(description)})`);
    }
    const items = raw.get("items");
    return {
        type,
        items: items === undefined || items === null ? undefined : itemsType(key, items, fail),
        // A `default:` or `value:` of null is no default (ProjectConfigType.Default != nil).
        default: raw.get("default") ?? undefined,
        value: raw.get("value") ?? undefined,
        secret,
    };
}

/** project.json configItemsType: a type, and items when that type is array. */
function itemsType(key: string, raw: Y, fail: (m: string) => Error): ItemsType {
    const type = raw instanceof Map ? raw.get("type") : undefined;
    if (!(raw instanceof Map) || typeof type !== "string" || !CONFIG_TYPES.includes(type)) {
        throw fail(`config '${key}': items must declare a type, one of ${CONFIG_TYPES.join(", ")} (got ${describeY(raw)})`);
    }
    const items = raw.get("items");
    if (type === "array" && (items === undefined || items === null)) {
        throw fail(`config '${key}': items of type array must declare their own items`);
    }
    return { type, items: items === undefined || items === null ? undefined : itemsType(key, items, fail) };
}

/** project.go configKeyIsNamespacedByProject */
function configKeyIsNamespacedByProject(projectName: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${projectName}:`);
}

/** project.go Project.Validate, with its messages. */
function validateProjectConfigType(projectName: string, key: string, t: ProjectConfigType, fail: (m: string) => Error): void {
    if (t.default !== undefined && t.value !== undefined) {
        throw fail(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    }
    if (configKeyIsNamespacedByProject(projectName, key)) {
        if (t.type === "array" && t.items === undefined) {
            throw fail(
                `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
            );
        }
        if (t.type !== undefined && t.default !== undefined && !validateConfigValue(t.type, t.items, t.default)) {
            throw fail(
                `The default value specified for configuration key '${key}' is not of the expected type ` +
                    `'${inferFullTypeName(t.type, t.items)}' (got ${describeY(t.default)})`,
            );
        }
    } else {
        if (t.type !== undefined) {
            throw fail(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
        }
        if (t.default !== undefined) {
            throw fail(
                `Configuration key '${key}' is not namespaced by the project and should not define a default value. ` +
                    "Did you mean to use the 'value' attribute instead of 'default'?",
            );
        }
        if (t.value === undefined) {
            throw fail(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
}

/** project.go InferFullTypeName: items make it an array, whatever `type` says. */
function inferFullTypeName(type: string, items: ItemsType | undefined): string {
    return items ? `array<${inferFullTypeName(items.type, items.items)}>` : type;
}

/** project.go ValidateConfigValue, on a value as Go holds it (a decoded default, or a stack value's text or parsed JSON). */
function validateConfigValue(type: string, items: ItemsType | undefined, value: Y): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            // A Go int; a whole float64 (+Inf included: math.Trunc(Inf) == Inf); or text strconv.Atoi reads.
            if (typeof value === "bigint") {
                return isGoInt(value);
            }
            if (typeof value === "number") {
                return value === Math.trunc(value);
            }
            return typeof value === "string" && /^[-+]?[0-9]+$/.test(value) && isGoInt(BigInt(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return value instanceof Map;
        default:
            return Array.isArray(value) && items !== undefined && value.every((v) => validateConfigValue(items.type, items.items, v));
    }
}

/** paths.go ProjectStackPath: Pulumi.<stack>.yaml beside Pulumi.yaml, or in its stackConfigDir. */
function projectStackPath(project: Project, stackName: string): string {
    const fileName = `Pulumi.${stackName}${path.extname(project.file)}`;
    return path.join(project.dir, project.stackConfigDir ?? "", fileName);
}

// ---------------------------------------------------------------------------------------------
// The stack file: loaders.go LoadProjectStackBytes.
// ---------------------------------------------------------------------------------------------

interface LoadedStack {
    readonly config: Map<string, Value>;
    readonly environments: string[];
    readonly warnings: string[];
}

function loadStack(project: Project, file: string, shown: string): LoadedStack {
    if (!fs.existsSync(file)) {
        // loaders.go LoadProjectStack: a missing file is an empty config.
        return {
            config: new Map(),
            environments: [],
            warnings: [`${shown}: no such stack file; the stack's own config is empty, as the Pulumi CLI reads it`],
        };
    }
    const doc = readYamlFile(file, shown);
    const fail = (message: string) => new CliConfigError(`${shown}: ${message}`);
    if (doc === null) {
        return { config: new Map(), environments: [], warnings: [] };
    }
    if (!(doc instanceof Map)) {
        throw fail(`expected the stack file to be a map (got ${describeY(doc)})`);
    }
    const rawConfig = doc.get("config") ?? new Map<string, Y>();
    if (!(rawConfig instanceof Map)) {
        throw fail(`could not unmarshal map: config must be a map of keys to values (got ${describeY(rawConfig)})`);
    }
    const config = new Map<string, Value>();
    const spelledAs = new Map<string, string>();
    const empty: string[] = [];
    for (const [rawKey, y] of rawConfig) {
        // loaders.go stackConfigNamespacedWithProject: a key without a namespace is the project's.
        const namespaced = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        const key = parseKey(namespaced);
        if (key instanceof Error) {
            throw fail(`could not unmarshal map: ${key.message}`);
        }
        const other = spelledAs.get(key);
        if (other !== undefined) {
            // The CLI writes both into one Go map, in map order: which value the program gets is random.
            throw fail(
                `config sets both '${other}' (${describeValue(config.get(key)!)}) and '${rawKey}' (${describeY(y)}), ` +
                    `two spellings of the key ${key}; the Pulumi CLI keeps one of them at random: keep one`,
            );
        }
        spelledAs.set(key, rawKey);
        if (y === null) {
            // yaml.v3 doesn't call Value.UnmarshalYAML for null: the value is "" (loaders.go checkForEmptyConfig).
            empty.push(namespaced);
            config.set(key, "");
            continue;
        }
        try {
            // object.go MarshalString fails on what Go's JSON can't write (NaN, ±Inf).
            const value = marshalValue(unmarshalObject(y));
            valueText(value);
            config.set(key, value);
        } catch (e) {
            throw fail(`${rawKey}: could not unmarshal map: ${(e as Error).message}`);
        }
    }
    const warnings = empty.length > 0 ? [`${shown}: ${emptyConfigWarning(empty.sort(goCompare))}`] : [];
    return { config, environments: environmentImports(doc.get("environment"), fail), warnings };
}

/** loaders.go checkForEmptyConfig's warning, on one line. */
function emptyConfigWarning(keys: string[]): string {
    const quoted = keys.map((k) => `"${k}"`);
    const list = quoted.length === 2 ? quoted.join(" and ") : quoted.join(", ");
    const s = keys.length > 1 ? "s" : "";
    return (
        `No value for configuration key${s} ${list}. This is currently treated as an empty string \`""\`, ` +
        `but will be treated as \`null\` in a future version of pulumi. Set the value${s} to \`""\` to avoid this warning.`
    );
}

/** project.go Environment.UnmarshalYAML and Imports: a list of names, or an inline definition (its own values named `yaml`). */
function environmentImports(raw: Y | undefined, fail: (m: string) => Error): string[] {
    if (raw === undefined || raw === null) {
        return [];
    }
    if (Array.isArray(raw) && raw.every((e) => !(e instanceof Map) && !Array.isArray(e))) {
        return raw.map((e) => (e instanceof GoTime ? e.goString() : String(e ?? "")));
    }
    if (raw instanceof Map) {
        const imports = raw.get("imports") ?? [];
        const names = (Array.isArray(imports) ? imports : []).map((i) => (i instanceof Map ? [...i.keys()][0] : String(i)));
        const values = raw.get("values");
        return values instanceof Map && values.size > 0 ? [...names, "yaml"] : names;
    }
    throw fail(`environment must list ESC environments or be an environment definition (got ${describeY(raw)})`);
}

// ---------------------------------------------------------------------------------------------
// ESC: pkg/workspace/config.go toConfigMap and toPlaintext, of what `esc env open` prints.
// ---------------------------------------------------------------------------------------------

/** An esc.Value: a value with its secret and unknown marks. */
interface EscValue {
    readonly value: null | boolean | bigint | number | string | EscValue[] | Map<string, EscValue>;
    readonly secret: boolean;
    readonly unknown: boolean;
}

function readEnvironmentValues(input: string | object): { pulumiConfig: EscValue | undefined; warnings: string[] } {
    const doc = typeof input === "string" ? parseGoYaml(input, "environment values", true) : fromJs(input);
    if (!(doc instanceof Map)) {
        throw new CliConfigError(`environment values: expected the JSON object \`esc env open\` prints (got ${describeY(doc)})`);
    }
    // `esc env open --format detailed` prints esc.Value JSON: {"value": {...}, "trace": {...}}.
    const detailed = doc.has("trace") && doc.get("value") instanceof Map;
    const root = detailed ? fromDetailed(doc) : fromPlain(doc);
    const properties = root.value instanceof Map ? root.value : new Map<string, EscValue>();
    const warnings: string[] = [];
    const hasMembers = (name: string) => {
        const v = properties.get(name)?.value;
        return v instanceof Map && v.size > 0;
    };
    // pkg/cmd/pulumi/config/config.go warnOnNoEnvironmentEffects
    if (!hasMembers("environmentVariables") && !hasMembers("files") && !(properties.get("pulumiConfig")?.value instanceof Map)) {
        warnings.push(
            "The stack's environment does not define the `environmentVariables`, `files`, or `pulumiConfig` properties. " +
                "Without at least one of these properties, the environment will not affect the stack's behavior.",
        );
    }
    if (!detailed && hasMembers("pulumiConfig")) {
        warnings.push(
            "environment values printed as plain JSON carry no secret marks, so no key from the environment is listed as secret; " +
                "print them with `esc env open --format detailed` to keep the marks",
        );
    }
    return { pulumiConfig: properties.get("pulumiConfig"), warnings };
}

function fromPlain(y: Y): EscValue {
    const value = Array.isArray(y)
        ? y.map(fromPlain)
        : y instanceof Map
          ? new Map([...y].map(([k, v]) => [k, fromPlain(v)]))
          : y instanceof GoTime
            ? y.rfc3339()
            : y;
    return { value, secret: false, unknown: false };
}

function fromDetailed(y: Y): EscValue {
    if (!(y instanceof Map)) {
        throw new CliConfigError(`environment values: expected an esc value {"value": ..., "trace": ...} (got ${describeY(y)})`);
    }
    const v = y.get("value") ?? null;
    const value = Array.isArray(v)
        ? v.map(fromDetailed)
        : v instanceof Map
          ? new Map([...v].map(([k, e]) => [k, fromDetailed(e)]))
          : v instanceof GoTime
            ? v.rfc3339()
            : v;
    return { value, secret: y.get("secret") === true, unknown: y.get("unknown") === true };
}

/** A parsed JSON object as the YAML decoder would give it: whole numbers as integers (Go's json.Number Int64). */
function fromJs(v: unknown): Y {
    if (typeof v === "number") {
        return Number.isSafeInteger(v) ? BigInt(v) : v;
    }
    if (v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") {
        return v;
    }
    if (Array.isArray(v)) {
        return v.map(fromJs);
    }
    if (typeof v === "object") {
        return new Map(Object.entries(v as object).map(([k, e]) => [k, fromJs(e)]));
    }
    throw new CliConfigError(`environment values: unexpected ${typeof v} value`);
}

/** config.go toConfigMap: an environment's `pulumiConfig` as config values, bare keys in the project's namespace. */
function environmentConfig(projectName: string, pulumiConfig: EscValue | undefined, shown: string): Map<string, Value> {
    const result = new Map<string, Value>();
    const spelledAs = new Map<string, string>();
    if (!(pulumiConfig?.value instanceof Map)) {
        return result;
    }
    for (const [rawKey, v] of pulumiConfig.value) {
        const key = parseConfigKey(projectName, rawKey);
        if (key instanceof Error) {
            throw new CliConfigError(`${shown}: environment pulumiConfig: ${key.message}`);
        }
        const other = spelledAs.get(key);
        if (other !== undefined) {
            throw new CliConfigError(
                `${shown}: environment pulumiConfig sets both '${other}' and '${rawKey}', two spellings of the key ${key}; ` +
                    "the Pulumi CLI keeps one of them at random: keep one",
            );
        }
        spelledAs.set(key, rawKey);
        // config.go toConfigMap → config.EncryptMap → object.marshalValue: a null is an object value "null".
        result.set(key, marshalValue(toPlaintext(v)));
    }
    return result;
}

/** config.go toPlaintext: unknowns read "[unknown]"; secret strings are secrets; numbers are int64 where they fit, else float64. */
function toPlaintext(v: EscValue): Obj {
    if (v.unknown) {
        return v.secret ? new Secret(undefined, "[unknown]") : "[unknown]";
    }
    const value = v.value;
    if (typeof value === "bigint") {
        return isGoInt(value) ? value : Number(value);
    }
    if (typeof value === "string") {
        return v.secret ? new Secret(undefined, value) : value;
    }
    if (Array.isArray(value)) {
        return value.map(toPlaintext);
    }
    if (value instanceof Map) {
        return new Map([...value].map(([k, e]) => [k, toPlaintext(e)]));
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
// pkg/workspace/config.go mergeConfig and validateStackConfigValues.
// ---------------------------------------------------------------------------------------------

interface MergeInput {
    readonly stackName: string;
    readonly project: Project;
    readonly config: Map<string, Value>;
    readonly envConfig: Map<string, Value>;
    /** The stack imports environments whose values weren't given. */
    readonly unknownEnvironments: boolean;
    readonly validate: boolean;
    readonly shown: string;
}

function mergeConfig(input: MergeInput): { config: Map<string, Value>; unknown: string[] } {
    const { stackName, project, envConfig, shown } = input;
    const config = new Map(input.config);
    const fail = (message: string) => new CliConfigError(`${shown}: ${message}`);
    const get = (key: string) => {
        try {
            return getAtPath(config, key);
        } catch (e) {
            throw fail(`getting stack config value for key '${key}': ${(e as Error).message}`);
        }
    };

    // The environment's values go under the stack's own: a merge patch for maps, the stack's value otherwise.
    for (const [key, envValue] of envConfig) {
        const stackValue = config.get(key);
        config.set(key, stackValue === undefined ? envValue : marshalValue(mergeObjects(stackValue, envValue)));
    }

    const missing: string[] = [];
    const unknown: string[] = [];
    const projectKeys = [...project.config.keys()].sort(goCompare);
    for (const projectKey of projectKeys) {
        const t = project.config.get(projectKey)!;
        const key = parseConfigKey(project.name, projectKey) as string;
        const found = get(key) !== undefined;
        if (!found && input.unknownEnvironments) {
            unknown.push(key);
        }
        if (!found && t.value === undefined && t.default === undefined && splitKey(key).namespace === project.name) {
            if (!input.unknownEnvironments) {
                missing.push(projectKey);
            }
            continue;
        }
        if (!found) {
            try {
                setAtPath(config, key, createConfigValue((t.default ?? t.value)!));
            } catch (e) {
                throw fail(`setting the default of '${projectKey}': ${(e as Error).message}`);
            }
        }
    }

    if (input.validate && missing.length > 0) {
        throw fail(
            `${missingStackConfigurationKeysError(missing, stackName)} (declared in ${path.basename(project.file)} with no default)`,
        );
    }
    if (input.validate) {
        for (const projectKey of projectKeys) {
            const t = project.config.get(projectKey)!;
            const value = get(parseConfigKey(project.name, projectKey) as string);
            // Without environment values, a key they may set can be missing here: nothing to check.
            if (t.type !== undefined && value !== undefined) {
                validateStackConfigValue(stackName, projectKey, t, value, fail);
            }
        }
    }
    return { config, unknown: unknown.sort(goCompare) };
}

/** config.go missingStackConfigurationKeysError and formatMissingKeys. */
function missingStackConfigurationKeysError(keys: string[], stackName: string): string {
    const sorted = [...keys].sort(goCompare);
    const quoted = sorted.map((k) => `'${k}'`);
    const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
    return `Stack '${stackName}' is missing configuration ${keys.length > 1 ? "values" : "value"} ${list}`;
}

/** config.go createConfigValue: a string, int or bool default as its text, anything else as a JSON object value. */
function createConfigValue(raw: Y): Value {
    if (typeof raw === "string") {
        return raw;
    }
    if (typeof raw === "boolean" || (typeof raw === "bigint" && isGoInt(raw))) {
        return String(raw);
    }
    // json.Marshal then config.NewObjectValue; a timestamp marshals to its RFC 3339 text.
    const toObj = (y: Y): Obj =>
        y instanceof GoTime
            ? y.rfc3339()
            : Array.isArray(y)
              ? y.map(toObj)
              : y instanceof Map
                ? new Map([...y].map(([k, v]) => [k, toObj(v)]))
                : y;
    const value = toObj(raw);
    goJson(value); // json.Marshal's error, e.g. for a NaN default.
    return value;
}

/** config.go validateStackConfigValue, with its messages; offline, an encrypted value's type is not checked. */
function validateStackConfigValue(
    stackName: string,
    projectKey: string,
    t: ProjectConfigType,
    value: Value,
    fail: (m: string) => Error,
): void {
    if (t.secret && !isSecure(value)) {
        throw fail(`Stack '${stackName}' with configuration key '${projectKey}' must be encrypted as it's secret (got a plain-text value)`);
    }
    const content = decryptedContent(value);
    if (content === UNDECRYPTABLE) {
        return;
    }
    if (!validateConfigValue(t.type!, t.items, content)) {
        throw fail(
            `Stack '${stackName}' with configuration key '${projectKey}' must be of type ` +
                `'${inferFullTypeName(t.type!, t.items)}' (got ${describeValue(value)})`,
        );
    }
}

const UNDECRYPTABLE = Symbol("undecryptable");

/** What validateStackConfigValue checks: a plain value's text, or an object value's JSON as json.Unmarshal reads it (float64 numbers). */
function decryptedContent(value: Value): Y | typeof UNDECRYPTABLE {
    if (hasCiphertext(value)) {
        return UNDECRYPTABLE;
    }
    if (!isObjectValue(value)) {
        return valueText(value);
    }
    const toContent = (o: Obj): Y =>
        o instanceof Secret
            ? o.plaintext!
            : typeof o === "bigint"
              ? Number(o)
              : Array.isArray(o)
                ? o.map(toContent)
                : o instanceof Map
                  ? new Map([...o].map(([k, v]) => [k, toContent(v)]))
                  : o;
    return toContent(value);
}

// ---------------------------------------------------------------------------------------------
// Messages.
// ---------------------------------------------------------------------------------------------

/** A value for a message: strings quoted, objects as JSON, secrets never shown. */
function describeValue(v: Value): string {
    if (isSecure(v)) {
        return "a secret value";
    }
    return typeof v === "string" ? JSON.stringify(v) : valueText(v);
}

function describeY(y: Y): string {
    try {
        return describeValue(marshalValue(unmarshalObject(y)));
    } catch {
        return String(y);
    }
}

/** The Go type a message names (%T). */
function goTypeName(y: Y): string {
    if (y === null) {
        return "<nil>";
    }
    if (Array.isArray(y)) {
        return "[]interface {}";
    }
    if (typeof y === "bigint") {
        return isGoInt(y) ? "int" : "uint64";
    }
    return y instanceof GoTime ? "time.Time" : typeof y === "number" ? "float64" : typeof y === "boolean" ? "bool" : "string";
}

/** A file as messages name it: relative to the project when inside it. */
function displayPath(projectDir: string, file: string): string {
    const relative = path.relative(path.resolve(projectDir), file);
    return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
