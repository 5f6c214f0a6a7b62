import * as pulumi from "@pulumi/pulumi";

/**
 * A user error: a `RunError`, which Pulumi prints as its message alone (@pulumi/pulumi cmd/run:
 * "Always hide the stack for RunErrors"). Its stack is dropped as well, because the runner still
 * formats it with colours for its trace (`span.addEvent(defaultErrorMessage(err))`), and on Node.js
 * 20 and 22 that formatting loops on a frame in `node_modules/@pulumi/resource.ts`, where the SDK's
 * source maps point, until the string is too long: ~20 s and gigabytes after every refused run
 * (`util.inspect`, markNodeModules; not in Node.js 24). test/tools/engine covers it.
 */
export function userError(message: string): pulumi.RunError {
    const error = new pulumi.RunError(message);
    error.stack = `${error.name}: ${message}`;
    return error;
}
