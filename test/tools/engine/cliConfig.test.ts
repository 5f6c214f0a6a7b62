import * as assert from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../../tools/cli";
import { type CliConfig, CliConfigError, ENCRYPTED_PLACEHOLDER, pulumiConfigEnv, readCliConfig } from "../../../tools/engine/cliConfig";
import { withTempDir } from "../../support/tempDir";
import { EXAMPLE_STACKS_DIR } from "../../support/exampleStacks";

/** A project folder to write, the stack to read from it, and what the CLI would hand the program (or refuse with). */
interface Case {
    /** What the case shows, as a sentence. */
    readonly name: string;
    /** The Pulumi Go test it ports (file: Test name), if any. */
    readonly ports?: string;
    /** Pulumi.yaml. */
    readonly project: string;
    /** Pulumi.dev.yaml; none when undefined. */
    readonly stack?: string;
    /** Other files, by path in the project folder. */
    readonly files?: Readonly<Record<string, string>>;
    readonly stackName?: string;
    /** `--config-file`, relative to the project folder. */
    readonly configFile?: string;
    /** What `esc env open` printed. */
    readonly env?: string | object;
    readonly skipConfigValidation?: boolean;
    /** The whole config expected. */
    readonly config?: Readonly<Record<string, string>>;
    readonly secretKeys?: readonly string[];
    readonly encrypted?: readonly string[];
    readonly warnings?: readonly string[];
    readonly environments?: readonly string[];
    readonly unknown?: readonly string[];
    /** The exact error message expected instead. */
    readonly error?: string;
}

function read(c: Case): Promise<CliConfig> {
    return withTempDir((dir) => {
        const files: Record<string, string> = {
            "Pulumi.yaml": c.project,
            ...(c.stack === undefined ? {} : { "Pulumi.dev.yaml": c.stack }),
            ...c.files,
        };
        for (const [name, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
            fs.writeFileSync(path.join(dir, name), text);
        }
        return readCliConfig({
            projectDir: dir,
            stack: c.stackName ?? "dev",
            configFile: c.configFile && path.join(dir, c.configFile),
            environmentValues: c.env,
            skipConfigValidation: c.skipConfigValidation,
        });
    });
}

function runCases(cases: readonly Case[]): void {
    for (const c of cases) {
        it(c.ports ? `${c.name} (ports ${c.ports})` : c.name, async () => {
            if (c.error !== undefined) {
                await assert.rejects(read(c), (e: unknown) => {
                    assert.ok(e instanceof CliConfigError && e instanceof UsageError, `not a CliConfigError: ${e}`);
                    assert.strictEqual(e.message, c.error);
                    return true;
                });
                return;
            }
            const result = await read(c);
            if (c.config !== undefined) {
                assert.deepStrictEqual(result.config, c.config);
            }
            assert.deepStrictEqual(result.secretKeys, c.secretKeys ?? []);
            assert.deepStrictEqual(result.encrypted, c.encrypted ?? []);
            assert.deepStrictEqual(result.warnings, c.warnings ?? []);
            assert.deepStrictEqual(result.environments, c.environments ?? []);
            assert.deepStrictEqual(result.unknownFromEnvironments, c.unknown ?? []);
        });
    }
}

/** YAML text, one argument a line. */
const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;
const TEST_PROJECT = yaml("name: test", "runtime: dotnet");
/** Pulumi.yaml of the project `test`, then these lines. */
const testProject = (...lines: string[]) => TEST_PROJECT + (lines.length > 0 ? yaml(...lines) : "");

/** One stack value `test:v`, and the text the program gets for it. */
const scalar = (name: string, value: string, text: string): Case => ({
    name,
    project: testProject(),
    stack: yaml("config:", `  test:v: ${value}`),
    config: { "test:v": text },
});

/** An esc.Value as `esc env open --format detailed` prints it. */
const esc = (value: unknown, secret = false): object => {
    const wrapped = Array.isArray(value)
        ? value.map((v) => esc(v))
        : value !== null && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isEsc(v) ? v : esc(v)]))
          : value;
    return { value: wrapped, ...(secret ? { secret: true } : {}), trace: { def: {} } };
};
const isEsc = (v: unknown) => v !== null && typeof v === "object" && "trace" in v;

describe("the config the Pulumi CLI hands a program, from Pulumi.yaml and a stack file (tools/engine/cliConfig)", () => {
    describe("ports of Pulumi's loader tests", () => {
        runCases([
            {
                name: "a list holding an empty item reaches the program as JSON with a null",
                ports: "sdk/go/common/workspace/loaders_test.go: TestUnmarshallNil",
                project: "name: test\n",
                stack: yaml("config:", "  aws:region: us-east-1", "  aws:id:", "    -"),
                config: { "aws:id": "[null]", "aws:region": "us-east-1" },
            },
            {
                name: "a timestamp reaches the program as Go prints a time.Time",
                ports: "sdk/go/common/workspace/loaders_test.go: TestUnmarshalTime",
                project: "name: test\n",
                stack: yaml("config:", "  aws:region: us-east-1", "  aws:time: 2020-01-01T00:00:00Z"),
                config: { "aws:region": "us-east-1", "aws:time": "2020-01-01 00:00:00 +0000 UTC" },
            },
            {
                name: "a stack whose values are all set raises no empty-value warning",
                ports: "sdk/go/common/workspace/loaders_test.go: TestNoEmptyValueWarning",
                project: "name: project\n",
                stack: yaml("config:", "  project:a: a"),
                config: { "project:a": "a" },
            },
            {
                name: "empty and null values reach the program as empty text, with the CLI's warning naming each but the quoted one",
                ports: "sdk/go/common/workspace/loaders_test.go: TestEmptyValueWarning",
                project: "name: project\n",
                stack: yaml("config:", "  project:a:", "  project:b: null", "  project:c: ~", '  project:d: ""'),
                config: { "project:a": "", "project:b": "", "project:c": "", "project:d": "" },
                warnings: [
                    'Pulumi.dev.yaml: No value for configuration keys "project:a", "project:b", "project:c". ' +
                        'This is currently treated as an empty string `""`, ' +
                        'but will be treated as `null` in a future version of pulumi. Set the values to `""` to avoid this warning.',
                ],
            },
            {
                name: "a project with only a name loads",
                ports: "sdk/go/common/workspace/loaders_test.go: TestEmptyRuntime",
                project: "name: test",
                stack: "",
                config: {},
            },
        ]);
    });

    describe("ports of Pulumi's project config tests", () => {
        runCases([
            {
                name: "keys the stack doesn't set take the project's defaults, as text",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigIsInheritedFromProjectConfig",
                project: testProject("config:", "  instanceSize: t3.micro", "  instanceCount: 20", "  protect: true"),
                stack: yaml("config:", "  test:instanceSize: t4.large"),
                config: { "test:instanceCount": "20", "test:instanceSize": "t4.large", "test:protect": "true" },
            },
            {
                name: "another namespace's value in Pulumi.yaml reaches the program, a list as JSON",
                ports: "pkg/workspace/config_project_test.go: TestNamespacedConfigValuesAreInheritedCorrectly",
                project: testProject(
                    "config:",
                    "  aws:region: us-west-1",
                    '  pulumi:disable-default-providers: ["*"]',
                    "  instanceSize: t3.micro",
                ),
                stack: yaml("config:", "  test:instanceSize: t4.large"),
                config: { "aws:region": "us-west-1", "pulumi:disable-default-providers": '["*"]', "test:instanceSize": "t4.large" },
            },
            {
                name: "a bare key in the stack file is the project's",
                ports: "pkg/workspace/config_project_test.go: TestLoadingStackConfigWithoutNamespacingTheProject",
                project: testProject("config:", "  aws:region: us-west-1", "  instanceSize: t3.micro"),
                stack: yaml("config:", "  instanceSize: t4.large"),
                config: { "aws:region": "us-west-1", "test:instanceSize": "t4.large" },
            },
            {
                name: "untyped project config takes a value of any type",
                ports: "pkg/workspace/config_project_test.go: TestUntypedProjectConfigValuesAreNotValidated",
                project: testProject("config:", "  instanceSize: t3.micro", "  aws:region: us-west-1"),
                stack: yaml("config:", "  instanceSize: 9999", "  aws:region: 42"),
                config: { "aws:region": "42", "test:instanceSize": "9999" },
            },
            {
                name: "a project key with only a default or only a value applies it",
                ports: "pkg/workspace/config_project_test.go: TestUntypedProjectConfigValuesWithOnlyDefaultOrOnlyValue",
                project: testProject("config:", "  instanceSize:", "    default: t3.micro", "  region:", "    value: us-west-1"),
                stack: yaml("config:", "  aws:answer: 42"),
                config: { "aws:answer": "42", "test:instanceSize": "t3.micro", "test:region": "us-west-1" },
            },
            {
                name: "a stack may set keys Pulumi.yaml doesn't declare",
                ports: "pkg/workspace/config_project_test.go: TestUntypedStackConfigValuesDoNeedProjectDeclaration",
                project: testProject("config:", "  createVpc: true"),
                stack: yaml("config:", "  instanceSize: 42"),
                config: { "test:createVpc": "true", "test:instanceSize": "42" },
            },
            {
                name: "object values in Pulumi.yaml reach the program as JSON",
                ports: "pkg/workspace/config_project_test.go: TestUntypedProjectConfigObjectValuesPassedDownToStack",
                project: testProject(
                    "config:",
                    "  instanceSize:",
                    "    value:",
                    "      hello: world",
                    "  aws:config:",
                    "    value:",
                    "      region: us-west-1",
                ),
                stack: yaml("config:", "  aws:whatever: 42"),
                config: { "aws:config": '{"region":"us-west-1"}', "aws:whatever": "42", "test:instanceSize": '{"hello":"world"}' },
            },
            {
                name: "fails when a stack value is not of the declared array type",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigErrorsWhenStackValueIsNotCorrectlyTyped",
                project: testProject("config:", "  values:", "    type: array", "    items:", "      type: string", "    default: [value]"),
                stack: yaml("config:", "  test:values: someValue"),
                error: `Pulumi.dev.yaml: Stack 'dev' with configuration key 'values' must be of type 'array<string>' (got "someValue")`,
            },
            {
                name: "passes when an integer key holds an integer",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigIntegerTypeIsCorrectlyValidated",
                project: testProject("config:", "  importantNumber:", "    type: integer"),
                stack: yaml("config:", "  test:importantNumber: 20"),
                config: { "test:importantNumber": "20" },
            },
            {
                name: "fails when an integer key holds a word",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigIntegerTypeIsCorrectlyValidated",
                project: testProject("config:", "  importantNumber:", "    type: integer"),
                stack: yaml("config:", "  test:importantNumber: hello"),
                error: `Pulumi.dev.yaml: Stack 'dev' with configuration key 'importantNumber' must be of type 'integer' (got "hello")`,
            },
            {
                name: "fails when the stack doesn't set a key declared without a default",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigErrorsWhenMissingStackValueForConfigTypeWithNoDefault",
                project: testProject("config:", "  values:", "    type: array", "    items:", "      type: string"),
                stack: "",
                error: "Pulumi.dev.yaml: Stack 'dev' is missing configuration value 'values' (declared in Pulumi.yaml with no default)",
            },
            {
                name: "names two missing keys joined by and",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigErrorsWhenMissingTwoStackValueForConfigTypeWithNoDefault",
                project: testProject(
                    "config:",
                    "  another:",
                    "    type: string",
                    "  values:",
                    "    type: array",
                    "    items:",
                    "      type: string",
                ),
                stack: "",
                error:
                    "Pulumi.dev.yaml: Stack 'dev' is missing configuration values 'another' and 'values' " +
                    "(declared in Pulumi.yaml with no default)",
            },
            {
                name: "names several missing keys as a sorted list",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigErrorsWhenMissingMultipleStackValueForConfigTypeWithNoDefault",
                project: testProject(
                    "config:",
                    "  world:",
                    "    type: string",
                    "  hello:",
                    "    type: integer",
                    "  values:",
                    "    type: array",
                    "    items:",
                    "      type: string",
                ),
                stack: "",
                error:
                    "Pulumi.dev.yaml: Stack 'dev' is missing configuration values 'hello', " +
                    "'values' and 'world' (declared in Pulumi.yaml with no default)",
            },
            {
                name: "a project without config takes any stack values",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigDoesNotErrorWhenProjectHasNotDefinedConfig",
                project: testProject(),
                stack: yaml("config:", "  hello: 21", "  world: 42", "  another: 42"),
                config: { "test:another": "42", "test:hello": "21", "test:world": "42" },
            },
            {
                name: "passes when a secret key is encrypted, whose text offline is the placeholder",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigSecretIsCorrectlyValidated",
                project: testProject("config:", "  importantNumber:", "    type: integer", "    secret: true"),
                stack: yaml("config:", "  test:importantNumber:", "    secure: MjA="),
                config: { "test:importantNumber": ENCRYPTED_PLACEHOLDER },
                secretKeys: ["test:importantNumber"],
                encrypted: ["test:importantNumber"],
            },
            {
                name: "fails when a secret key is plain text",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigSecretIsCorrectlyValidated",
                project: testProject("config:", "  importantNumber:", "    type: integer", "    secret: true"),
                stack: yaml("config:", "  test:importantNumber: 20"),
                error:
                    "Pulumi.dev.yaml: Stack 'dev' with configuration key 'importantNumber' must be encrypted as it's " +
                    "secret (got a plain-text value)",
            },
            {
                name:
                    "an environment's pulumiConfig goes under the stack's values: maps merge, " +
                    "anything else the stack keeps, secrets stay secret",
                ports: "pkg/workspace/config_project_test.go: TestEnvironmentMerge",
                project: yaml("name: test", "runtime: nodejs"),
                stack:
                    "environment:\n  - test-env\nconfig:\n  test:boolean: true\n  test:number: 42\n  test:string: foo\n" +
                    "  test:array:\n    - first\n    - second\n  test:object:\n    foo: bar\n    object:\n      baz: 42\n",
                env: esc({
                    pulumiConfig: esc({
                        "test:boolean": false,
                        "test:number": 42,
                        "test:string": "esc",
                        "test:array": ["second", "first"],
                        "test:secret": esc("hunter2", true),
                        "test:object": {
                            boolean: true,
                            number: 42,
                            string: "esc",
                            array: ["first", "second"],
                            object: { foo: "bar" },
                            foo: "qux",
                        },
                    }),
                }),
                config: {
                    "test:array": '["first","second"]',
                    "test:boolean": "true",
                    "test:number": "42",
                    "test:object":
                        '{"array":["first","second"],"boolean":true,"foo":"bar","number":42,"object":{"baz":42,"foo":"bar"},"string":"esc"}',
                    "test:secret": "hunter2",
                    "test:string": "foo",
                },
                secretKeys: ["test:secret"],
                environments: ["test-env"],
            },
            {
                name: "an integer beyond int64 keeps every digit",
                ports: "pkg/workspace/config_project_test.go: TestStackConfigUInt64",
                project: testProject(),
                stack: yaml("config:", "  test:instanceSize: 18446744073709551615"),
                config: { "test:instanceSize": "18446744073709551615" },
            },
            {
                name: "typed keys validate against a stack's values, nested paths included, and an encrypted one isn't read",
                ports: "pkg/workspace/config_test.go: TestValidateStackConfigValues/Typed Config Validates",
                project:
                    "name: testProject\nconfig:\n  testInt:\n    type: integer\n  testNested1.float:\n    type: integer\n" +
                    "  testNested2.bool:\n    type: boolean\n  testSecret:\n    type: string\n    secret: true\n",
                stack: yaml(
                    "config:",
                    "  testInt: 1",
                    "  testNested1:",
                    "    float: 1.0",
                    "  testNested2:",
                    "    bool: true",
                    "  testSecret:",
                    "    secure: dGVzdFZhbHVl",
                ),
                config: {
                    "testProject:testInt": "1",
                    "testProject:testNested1": '{"float":1}',
                    "testProject:testNested2": '{"bool":true}',
                    "testProject:testSecret": ENCRYPTED_PLACEHOLDER,
                },
                secretKeys: ["testProject:testSecret"],
                encrypted: ["testProject:testSecret"],
            },
            {
                name: "fails when a value isn't of its key's type",
                ports: "pkg/workspace/config_test.go: TestValidateStackConfigValues/Type Mismatch",
                project: yaml("name: proj", "config:", "  typeKey:", "    type: integer"),
                stack: yaml("config:", "  typeKey: not-a-number"),
                error: `Pulumi.dev.yaml: Stack 'dev' with configuration key 'typeKey' must be of type 'integer' (got "not-a-number")`,
            },
        ]);
    });

    describe("ports of Pulumi's project file tests", () => {
        runCases([
            {
                name: "fails when the project has no name",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectValidationForName",
                project: "runtime: nodejs\n",
                error: "Pulumi.yaml: project is missing a 'name' attribute",
            },
            {
                name: "an object-typed key with a map default reaches the program as JSON",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectValidationSucceedsForObjectConfigType",
                project: testProject("config:", "  example:", "    type: object", "    default:", "      hello: world"),
                stack: "",
                config: { "test:example": '{"hello":"world"}' },
            },
            {
                name: "fails when an integer key's default is a word",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectValidationFailsForIncorrectDefaultValueType",
                project: testProject("config:", "  instanceSize:", "    type: integer", "    default: hello"),
                error:
                    `Pulumi.yaml: The default value specified for configuration key 'instanceSize' is not of the ` +
                    `expected type 'integer' (got "hello")`,
            },
            {
                name: "fails when a list-of-lists key's default is a list of words",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectValidationFailsForIncorrectDefaultValueType",
                project: testProject(
                    "config:",
                    "  values:",
                    "    type: array",
                    "    items:",
                    "      type: array",
                    "      items:",
                    "        type: string",
                    "    default: [hello]",
                ),
                error:
                    `Pulumi.yaml: The default value specified for configuration key 'values' is not of the expected ` +
                    `type 'array<array<string>>' (got ["hello"])`,
            },
            {
                name: "defaults of the declared types pass, nested lists included",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectValidationSucceedsForCorrectDefaultValueType",
                project: testProject(
                    "config:",
                    "  instanceSize:",
                    "    type: integer",
                    "    default: 1",
                    "  values:",
                    "    type: array",
                    "    items:",
                    "      type: array",
                    "      items:",
                    "        type: string",
                    "    default: [[hello]]",
                ),
                stack: "",
                config: { "test:instanceSize": "1", "test:values": '[["hello"]]' },
            },
            {
                name: "full and shorthand declarations give their defaults; keys without one come from the stack",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectLoadsConfigSchemas",
                project: testProject(
                    "config:",
                    "  integerSchemaFull:",
                    "    type: integer",
                    "    description: a very important value",
                    "    default: 1",
                    "  integerSchemaSimple: 20",
                    "  textSchemaFull:",
                    "    type: string",
                    "    default: t3.micro",
                    "  textSchemaSimple: t4.large",
                    "  booleanSchemaFull:",
                    "    type: boolean",
                    "    default: true",
                    "  booleanSchemaSimple: false",
                    "  simpleArrayOfStrings:",
                    "    type: array",
                    "    items:",
                    "      type: string",
                    "    default: [hello]",
                    "  arrayOfArrays:",
                    "    type: array",
                    "    items:",
                    "      type: array",
                    "      items:",
                    "        type: string",
                    "  secretString:",
                    "    type: string",
                    "    secret: true",
                ),
                stack: yaml("config:", "  arrayOfArrays: [[a, b]]", "  secretString:", "    secure: v1:abc"),
                config: {
                    "test:arrayOfArrays": '[["a","b"]]',
                    "test:booleanSchemaFull": "true",
                    "test:booleanSchemaSimple": "false",
                    "test:integerSchemaFull": "1",
                    "test:integerSchemaSimple": "20",
                    "test:secretString": ENCRYPTED_PLACEHOLDER,
                    "test:simpleArrayOfStrings": '["hello"]',
                    "test:textSchemaFull": "t3.micro",
                    "test:textSchemaSimple": "t4.large",
                },
                secretKeys: ["test:secretString"],
                encrypted: ["test:secretString"],
            },
            {
                name: "fails when another namespace's key declares a type",
                ports: "sdk/go/common/workspace/project_test.go: TestNamespacedProjectConfigShouldNotBeExplicitlyTyped",
                project: testProject("config:", "  aws:region:", "    type: string", "    value:", "      region: us-west-1"),
                error: "Pulumi.yaml: Configuration key 'aws:region' is not namespaced by the project and should not define a type",
            },
            {
                name: "fails when a key has both a default and a value",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectConfigCannotHaveBothValueAndDefault",
                project: testProject("config:", "  instanceSize:", "    type: string", "    default: t3.micro", "    value: t4.large"),
                error: "Pulumi.yaml: project config 'instanceSize' cannot have both a 'default' and 'value' attribute",
            },
            {
                name: "fails when an array key doesn't declare its items",
                ports: "sdk/go/common/workspace/project_test.go: TestProjectConfigCannotBeTypedArrayWithoutItems",
                project: testProject("config:", "  instanceSize:", "    type: array", "    default: [t3.micro, t4.large]"),
                error:
                    "Pulumi.yaml: The configuration key 'instanceSize' declares an array but does not specify the " +
                    "underlying type via the 'items' attribute",
            },
            {
                name: "fails when another namespace's key gives a default instead of a value",
                ports: "sdk/go/common/workspace/project_test.go: TestNamespacedProjectConfigShouldNotBeProvideDefault",
                project: testProject("config:", "  aws:region:", "    default: us-west-1"),
                error:
                    "Pulumi.yaml: Configuration key 'aws:region' is not namespaced by the project and should not define a default value. " +
                    "Did you mean to use the 'value' attribute instead of 'default'?",
            },
            {
                name: "a text `config:` is the old spelling of stackConfigDir, where the stack file then lives",
                ports: "sdk/go/common/workspace/project_test.go: TestLoadingConfigIsRewrittenToStackConfigDir",
                project: testProject("config: ./some/path"),
                files: { "some/path/Pulumi.dev.yaml": yaml("config:", "  a: b") },
                config: { "test:a": "b" },
            },
            {
                name: "fails when both config and stackConfigDir name the stack folder",
                ports: "sdk/go/common/workspace/project_test.go: TestDefningBothConfigAndStackConfigDirErrorsOut",
                project: testProject("config: ./some/path", "stackConfigDir: ./some/other/path"),
                error:
                    "Pulumi.yaml: Should not use both config and stackConfigDir to define the stack directory. " +
                    "Use only stackConfigDir instead.",
            },
            {
                name: "config declarations and stackConfigDir go together",
                ports: "sdk/go/common/workspace/project_test.go: TestConfigObjectAndStackConfigDirSuccessfullyLoadProject",
                project: testProject("stackConfigDir: ./some/other/path", "config:", "  value: hello"),
                files: { "some/other/path/Pulumi.dev.yaml": "" },
                config: { "test:value": "hello" },
            },
        ]);
    });

    describe("values as yaml.v3 decodes them and Go's encoding/json writes them", () => {
        runCases([
            scalar("an integer reaches the program as its decimal text", "30", "30"),
            scalar("a leading 0 makes an integer octal", "0777", "511"),
            scalar("a hexadecimal integer reaches the program in decimal", "0x1F", "31"),
            scalar("underscores separate an integer's digits", "1_000", "1000"),
            scalar("a plus sign is dropped", "+5", "5"),
            scalar("08 is not octal but a float, so it reads 8", "08", "8"),
            scalar("a whole float loses its fraction", "1.0", "1"),
            scalar("a float keeps its shortest form", "1.5", "1.5"),
            scalar("an exponent is expanded", "1e3", "1000"),
            scalar("a float of 1e21 or more keeps Go's exponent form", "1e21", "1e+21"),
            scalar("a float beyond float64 stays text", "1e400", "1e400"),
            scalar("an integer beyond uint64 becomes a float", "18446744073709551616", "18446744073709552000"),
            scalar("the smallest int64 keeps every digit", "-9223372036854775808", "-9223372036854775808"),
            scalar("a leading dot is a float", ".5", "0.5"),
            scalar("True is a boolean", "True", "true"),
            scalar("yes is text in YAML 1.2", "yes", "yes"),
            scalar("a quoted number stays as written", "'0777'", "0777"),
            scalar("an explicit !!str keeps the digits as written", "!!str 0x1F", "0x1F"),
            scalar("an explicit !!float takes an integer", "!!float 1", "1"),
            scalar("a date alone is a time.Time at midnight UTC", "2020-1-2", "2020-01-02 00:00:00 +0000 UTC"),
            scalar(
                "a timestamp with an offset keeps its wall clock and prints the offset twice",
                "2020-01-01T10:00:00.500+02:00",
                "2020-01-01 10:00:00.5 +0200 +0200",
            ),
            scalar("a date that doesn't exist stays text", "2021-02-29", "2021-02-29"),
            scalar(
                "a list is JSON with <, > and & escaped as Go does",
                "[a<b, 1, 1.5, true, null, x&y>z]",
                '["a\\u003cb",1,1.5,true,null,"x\\u0026y\\u003ez"]',
            ),
            scalar("a map is JSON with its keys sorted", "{b: 1, a: {d: 2, c: 3}}", '{"a":{"c":3,"d":2},"b":1}'),
            scalar("a timestamp in a list is Go's time.Time text", "[2020-01-01]", '["2020-01-01 00:00:00 +0000 UTC"]'),
            scalar("a map with more than a secure key is a plain map", "{secure: v1:abc, other: 1}", '{"other":1,"secure":"v1:abc"}'),
            scalar("a secure key whose value isn't text is a plain map", "{secure: 5}", '{"secure":5}'),
            {
                name: "a literal block keeps its lines",
                project: testProject(),
                stack: yaml("config:", "  test:v: |", "    line one", "    line two"),
                config: { "test:v": "line one\nline two\n" },
            },
            {
                name: "merge keys fill a map from an anchor",
                project: testProject(),
                stack: yaml("base: &base", "  a: 1", "  b: 2", "config:", "  test:v:", "    <<: *base", "    b: 3"),
                config: { "test:v": '{"a":1,"b":3}' },
            },
        ]);
    });

    describe("secure values", () => {
        runCases([
            {
                name: "a list with an encrypted member is secret, and offline reads the placeholder in its place",
                project: testProject(),
                stack: yaml("config:", "  test:receivers:", "    - email a@contoso.com", "    - secure: v1:abc"),
                config: { "test:receivers": `["email a@contoso.com","${ENCRYPTED_PLACEHOLDER}"]` },
                secretKeys: ["test:receivers"],
                encrypted: ["test:receivers"],
            },
            {
                name: "secret: true without a type is not enforced, as in the CLI",
                project: testProject("config:", "  token:", "    secret: true", "    default: plain"),
                stack: "",
                config: { "test:token": "plain" },
            },
        ]);
    });

    describe("ESC environments", () => {
        runCases([
            {
                name: "without environment values, required keys are unknown instead of missing and the stack's own values stand",
                project: testProject(
                    "config:",
                    "  tenantId:",
                    "    type: string",
                    "  location:",
                    "    type: string",
                    "  retention:",
                    "    type: integer",
                    "    default: 30",
                ),
                stack: yaml("environment:", "  - contoso/azure-dev", "  - contoso/alerts", "config:", "  location: westeurope"),
                config: { "test:location": "westeurope", "test:retention": "30" },
                environments: ["contoso/azure-dev", "contoso/alerts"],
                unknown: ["test:retention", "test:tenantId"],
                warnings: [
                    "Pulumi.dev.yaml: imports ESC environments contoso/azure-dev, " +
                        "contoso/alerts but their values were not given (what `esc env open` prints): " +
                        "offline, settings the file doesn't set are unknown (test:retention, test:tenantId)",
                ],
            },
            {
                name: "an inline environment definition's own values are named yaml",
                project: testProject(),
                stack: yaml("environment:", "  imports:", "    - contoso/base", "  values:", "    pulumiConfig:", "      a: b"),
                config: {},
                environments: ["contoso/base", "yaml"],
                warnings: [
                    "Pulumi.dev.yaml: imports ESC environments contoso/base, " +
                        "yaml but their values were not given (what `esc env open` prints): " +
                        "offline, settings the file doesn't set are unknown (none declared in Pulumi.yaml)",
                ],
            },
            {
                name: "plain JSON values fill required keys, with a warning that they carry no secret marks",
                project: testProject("config:", "  tenantId:", "    type: string", "  quota:", "    type: integer"),
                stack: "environment: [contoso/azure-dev]\n",
                env: JSON.stringify({
                    pulumiConfig: { tenantId: "3f5c", "test:quota": 5, "azure-native:location": "westeurope", none: null },
                }),
                config: { "azure-native:location": "westeurope", "test:none": "null", "test:quota": "5", "test:tenantId": "3f5c" },
                environments: ["contoso/azure-dev"],
                warnings: [
                    "Pulumi.dev.yaml: environment values printed as plain JSON carry no secret marks, " +
                        "so no key from the environment is listed as secret; " +
                        "print them with `esc env open --format detailed` to keep the marks",
                ],
            },
            {
                name: "an environment without pulumiConfig, environmentVariables or files gets the CLI's warning",
                project: testProject(),
                stack: "environment: [contoso/empty]\n",
                env: { other: 1 },
                config: {},
                environments: ["contoso/empty"],
                warnings: [
                    "Pulumi.dev.yaml: The stack's environment does not define the `environmentVariables`, `files`, " +
                        "or `pulumiConfig` properties. " +
                        "Without at least one of these properties, the environment will not affect the stack's behavior.",
                ],
            },
            {
                name: "an unknown secret value reads [unknown] and stays secret",
                project: testProject(),
                stack: "environment: [contoso/azure-dev]\n",
                env: esc({ pulumiConfig: esc({ token: { value: null, secret: true, unknown: true, trace: {} } }) }),
                config: { "test:token": "[unknown]" },
                secretKeys: ["test:token"],
                environments: ["contoso/azure-dev"],
            },
            {
                name: "fails when environment values are given for a stack that imports none",
                project: testProject(),
                stack: yaml("config:", "  a: b"),
                env: { pulumiConfig: { a: "c" } },
                error:
                    "Pulumi.dev.yaml: environment values were given but the stack imports no ESC environment " +
                    "(no `environment:`), so the Pulumi CLI would not read them",
            },
            {
                name: "fails when an environment sets a key both bare and namespaced",
                project: testProject(),
                stack: "environment: [contoso/azure-dev]\n",
                env: { pulumiConfig: { a: "1", "test:a": "2" } },
                error:
                    "Pulumi.dev.yaml: environment pulumiConfig sets both 'a' and 'test:a', " +
                    "two spellings of the key test:a; the Pulumi CLI keeps one of them at random: keep one",
            },
        ]);
    });

    describe("what the CLI would refuse, or leave to chance", () => {
        runCases([
            {
                name: "fails when the stack file sets a key both bare and namespaced, which the CLI resolves at random",
                project: testProject(),
                stack: yaml("config:", "  retention: 30", "  test:retention: 60"),
                error:
                    "Pulumi.dev.yaml: config sets both 'retention' (\"30\") and 'test:retention' (\"60\"), " +
                    "two spellings of the key test:retention; " +
                    "the Pulumi CLI keeps one of them at random: keep one",
            },
            {
                name: "fails when the stack file sets a key both in the legacy ns:config:name form and as ns:name",
                project: testProject(),
                stack: yaml("config:", "  aws:config:region: us-east-1", "  aws:region: us-west-2"),
                error:
                    "Pulumi.dev.yaml: config sets both 'aws:config:region' (\"us-east-1\") and 'aws:region' " +
                    '("us-west-2"), two spellings of the key aws:region; ' +
                    "the Pulumi CLI keeps one of them at random: keep one",
            },
            {
                name: "fails when Pulumi.yaml declares a key both bare and namespaced",
                project: testProject("config:", "  retention: 30", "  test:retention: 60"),
                error:
                    "Pulumi.yaml: config declares both 'retention' and 'test:retention', " +
                    "two spellings of the key test:retention; the Pulumi CLI would apply only one: keep one",
            },
            {
                name: "fails when a key has more colons than a namespace allows",
                project: testProject(),
                stack: yaml("config:", "  a:b:c: x"),
                error:
                    "Pulumi.dev.yaml: could not unmarshal map: could not parse a:b:c as a configuration key " +
                    "(configuration keys should be of the form `<namespace>:<name>`)",
            },
            {
                name: "fails when a value is not a number Go's JSON can write",
                project: testProject(),
                stack: yaml("config:", "  test:v: .nan"),
                error: "Pulumi.dev.yaml: test:v: could not unmarshal map: json: unsupported value: NaN",
            },
            {
                name: "fails when a map has a key that isn't text",
                project: testProject(),
                stack: yaml("config:", "  test:v:", "    1: one"),
                error: "Pulumi.dev.yaml: expected only string keys, got '1'",
            },
            {
                name: "fails with the file, line and column of a YAML syntax error",
                project: testProject(),
                stack: yaml("config:", "  test:a: [1, 2", "  test:b: 3"),
                error: "Pulumi.dev.yaml:3:3: invalid YAML: missed comma between flow collection entries",
            },
            {
                name: "fails when a key is given twice, as yaml.v3 does",
                project: testProject(),
                stack: yaml("config:", "  test:a: 1", "  test:a: 2"),
                error: "Pulumi.dev.yaml:3:3: invalid YAML: duplicated mapping key",
            },
            {
                name: "fails when a null value meets an integer type, since it reads as empty text",
                project: testProject("config:", "  retention:", "    type: integer"),
                stack: yaml("config:", "  retention:"),
                error: `Pulumi.dev.yaml: Stack 'dev' with configuration key 'retention' must be of type 'integer' (got "")`,
            },
            {
                name: "fails when a shorthand project value is a float, which Pulumi.yaml's schema doesn't allow",
                project: testProject("config:", "  ratio: 1.5"),
                error:
                    "Pulumi.yaml: config 'ratio' must be a string, an integer, a boolean, " +
                    'an array or a declaration (type, items, description, secret, default, value) (got "1.5")',
            },
            {
                name: "fails when a declaration has an attribute Pulumi.yaml's schema doesn't allow",
                project: testProject("config:", "  ratio:", "    type: string", "    defualt: x"),
                error:
                    "Pulumi.yaml: config 'ratio': 'defualt' not allowed; " +
                    "the allowed attributes are 'type', 'items', 'description', 'secret', 'default', 'value'",
            },
        ]);
    });

    describe("other CLI rules", () => {
        runCases([
            {
                name: "text that parses as an integer passes an integer type, and an integer passes a string type",
                project: testProject("config:", "  count:", "    type: integer", "  name:", "    type: string"),
                stack: yaml("config:", "  count: '30'", "  name: 30"),
                config: { "test:count": "30", "test:name": "30" },
            },
            {
                name: "a null default is no default, so the key is required",
                project: testProject("config:", "  region:", "    default: ~"),
                stack: "",
                error: "Pulumi.dev.yaml: Stack 'dev' is missing configuration value 'region' (declared in Pulumi.yaml with no default)",
            },
            {
                name: "skipping validation still applies defaults but lets required keys and wrong types through",
                project: testProject(
                    "config:",
                    "  region:",
                    "    type: string",
                    "  count:",
                    "    type: integer",
                    "    default: 3",
                    "  size:",
                    "    type: integer",
                ),
                stack: yaml("config:", "  size: big"),
                skipConfigValidation: true,
                config: { "test:count": "3", "test:size": "big" },
            },
            {
                name: "a float default reaches the program in its shortest form",
                project: testProject("config:", "  ratio:", "    default: 1.50"),
                stack: "",
                config: { "test:ratio": "1.5" },
            },
            {
                name: "a default at a key path builds the map, its text coerced to a number",
                project: testProject("config:", "  limits.count:", "    type: integer", "    default: 3"),
                stack: yaml("config:", "  limits:", "    other: x"),
                config: { "test:limits": '{"count":3,"other":"x"}' },
            },
            {
                name: "a missing stack file is empty config, with a warning",
                project: testProject("config:", "  region: westeurope"),
                config: { "test:region": "westeurope" },
                warnings: ["Pulumi.dev.yaml: no such stack file; the stack's own config is empty, as the Pulumi CLI reads it"],
            },
            {
                name: "a fully qualified stack name reads the file named by its last part",
                project: testProject(),
                stack: yaml("config:", "  a: b"),
                stackName: "contoso/test/dev",
                config: { "test:a": "b" },
            },
            {
                name: "--config-file replaces Pulumi.<stack>.yaml",
                project: testProject(),
                stack: yaml("config:", "  a: from-stack-file"),
                files: { "stacks/other.yaml": yaml("config:", "  a: from-config-file") },
                configFile: "stacks/other.yaml",
                config: { "test:a": "from-config-file" },
            },
        ]);
    });

    describe("the environment variables the Node.js language host sets", () => {
        it("carries keys in the legacy ns:config:name form, sorted, as Go's JSON, and the secret keys as they are", () => {
            const env = pulumiConfigEnv({
                config: { "test:b": "<x>", "aws:region": "us-east-1", "test:a": '["1"]' },
                secretKeys: ["test:b"],
            });
            assert.deepStrictEqual(env, {
                PULUMI_CONFIG: '{"aws:config:region":"us-east-1","test:config:a":"[\\"1\\"]","test:config:b":"\\u003cx\\u003e"}',
                PULUMI_CONFIG_SECRET_KEYS: '["test:b"]',
            });
        });

        it("is an empty object and list for an empty config", () => {
            assert.deepStrictEqual(pulumiConfigEnv({ config: {}, secretKeys: [] }), {
                PULUMI_CONFIG: "{}",
                PULUMI_CONFIG_SECRET_KEYS: "[]",
            });
        });
    });

    describe("this project's own files", () => {
        const projectDir = path.resolve(__dirname, "../../..");
        const declared = Object.keys(
            (
                (require("js-yaml") as typeof import("js-yaml")).load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
                    config: object;
                }
            ).config,
        );

        it("gives the dev stack its own values and every other setting's default, with nothing to warn about", () => {
            const configFile = path.join(EXAMPLE_STACKS_DIR, "Pulumi.dev.yaml");
            const result = readCliConfig({ projectDir, stack: "dev", configFile });
            const config = result.config;
            assert.strictEqual(config["entra-provisioning-logs:location"], "westeurope");
            assert.strictEqual(config["entra-provisioning-logs:retentionInDays"], "30");
            assert.strictEqual(config["entra-provisioning-logs:dailyQuotaGb"], "5");
            assert.strictEqual(config["entra-provisioning-logs:protectData"], "false");
            assert.strictEqual(config["entra-provisioning-logs:tags"], '["environment=dev","owner=identity-platform"]');
            assert.strictEqual(config["entra-provisioning-logs:alertOverrides"], '["failureSpike.threshold=3","appSilent.enabled=false"]');
            assert.strictEqual(config["entra-provisioning-logs:workspaceName"], "");
            assert.strictEqual(config["entra-provisioning-logs:createResourceGroup"], "true");
            assert.strictEqual(config["entra-provisioning-logs:provisioningLogsRetentionInDays"], "-1");
            assert.strictEqual(config["entra-provisioning-logs:diagnosticLogCategories"], "[]");
            assert.strictEqual(config["entra-provisioning-logs:alertTeamShortName"], "ProvTeam");
            assert.deepStrictEqual(result.warnings, []);
            assert.deepStrictEqual(result.secretKeys, []);
            assert.strictEqual(result.stackFile, configFile);
        });

        it("gives the brownfield central stack the defaults it doesn't set, such as an empty workspaceName", () => {
            const configFile = path.join(projectDir, "test/fixtures/stacks/Pulumi.central.yaml");
            const result = readCliConfig({ projectDir, stack: "central", configFile });
            const config = result.config;
            assert.strictEqual(config["entra-provisioning-logs:workspaceName"], "");
            assert.strictEqual(config["entra-provisioning-logs:retentionInDays"], "30");
            assert.strictEqual(config["entra-provisioning-logs:dailyQuotaGb"], "-1");
            assert.strictEqual(config["entra-provisioning-logs:manageExistingWorkspaceRetention"], "false");
            assert.strictEqual(config["entra-provisioning-logs:diagnosticSettingName"], "");
            assert.strictEqual(config["entra-provisioning-logs:resourceGroupName"], "rg-identity-monitoring");
            assert.strictEqual(config["entra-provisioning-logs:adoptDiagnosticSetting"], "sentinel-entra");
            assert.strictEqual(config["entra-provisioning-logs:diagnosticLogCategories"], '["AuditLogs","SignInLogs"]');
            assert.strictEqual(
                config["entra-provisioning-logs:existingWorkspaceId"],
                "/subscriptions/5c7e9a1b-3d5f-4b7a-9c1e-2f4a6b8c0d2e/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-sentinel",
            );
            assert.deepStrictEqual(result.warnings, []);
            assert.strictEqual(result.stackFile, configFile);
        });

        it("hands every stack of the project every setting Pulumi.yaml declares, and nothing it doesn't", () => {
            for (const stack of ["dev", "central"]) {
                const configFile =
                    stack === "central"
                        ? path.join(projectDir, "test/fixtures/stacks/Pulumi.central.yaml")
                        : path.join(EXAMPLE_STACKS_DIR, "Pulumi.dev.yaml");
                const keys = Object.keys(readCliConfig({ projectDir, stack, configFile }).config);
                assert.deepStrictEqual(keys, declared.map((k) => `entra-provisioning-logs:${k}`).sort());
            }
        });
    });
});
