/**
 * Loaded by mocha before any test (.mocharc.json `require`): the tools read stack files from the
 * copies of the example stacks under test/fixtures/example-stacks, not from the project's own
 * Pulumi.<stack>.yaml, which a user adds, edits and removes. Tests about whatever stacks the user
 * has name the project folder explicitly (test/stacks.test.ts).
 */
import * as path from "node:path";
import { STACKS_DIR_VARIABLE } from "../../tools/stackFiles";

export const EXAMPLE_STACKS_DIR = path.join(__dirname, "..", "fixtures", "example-stacks");

process.env[STACKS_DIR_VARIABLE] = EXAMPLE_STACKS_DIR;
