/**
 * `npm run check:kql`: every query the program would deploy, for every example stack, and every
 * `.kql` file, analysed by Microsoft's Kusto.Language. Prints each problem as
 * `source:line:column: message`; exits 1 when there is any.
 */
import { Command, EXIT_CODES, parseFlags, runAsMain } from "./cli";
import { formatFinding } from "./offline/kql/check";
import { checkAll } from "./offline/kqlCheck";

export const checkKqlCommand: Command = async (argv, io) => {
    parseFlags(argv, { values: [], switches: [], usage: "npm run check:kql" });
    const result = await checkAll();
    for (const f of result.findings) {
        io.out(formatFinding(f));
    }
    const perStack = Object.entries(result.deployed)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ");
    io.out(
        `KQL check: ${result.analysed} queries analysed (deployed by stack: ${perStack}; plus the .kql files): ` +
            (result.findings.length === 0 ? "no problems." : `${result.findings.length} problems.`),
    );
    return result.findings.length === 0 ? EXIT_CODES.ok : EXIT_CODES.findings;
};

if (require.main === module) {
    runAsMain(checkKqlCommand);
}
