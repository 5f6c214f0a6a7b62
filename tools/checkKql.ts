/**
 * `npm run check:kql [-- <file.kql|workbook.json> …]`: with no paths, every query the program would
 * deploy, for every example stack, and every `.kql` file; with paths, those `.kql` files and gallery
 * workbooks (bare or in an ARM template). Analysed by Microsoft's Kusto.Language; each problem
 * printed as `source:line:column: message`; exits 1 when there is any.
 */
import { type Command, EXIT_CODES, parseFlags, runAsMain, UsageError } from "./cli";
import { formatFinding } from "./offline/kql/check";
import { checkFiles, KqlFilesError } from "./offline/kql/files";
import { checkAll } from "./offline/kqlCheck";

const USAGE = "npm run check:kql [-- <file.kql|workbook.json> …]";

export const checkKqlCommand: Command = async (argv, io) => {
    const { positionals: paths } = parseFlags(argv, { values: [], switches: [], positionals: true, usage: USAGE });
    if (paths.length > 0) {
        let findings: Awaited<ReturnType<typeof checkFiles>>;
        try {
            findings = await checkFiles(paths);
        } catch (e) {
            throw e instanceof KqlFilesError ? new UsageError(e.message) : e;
        }
        for (const f of findings) {
            io.out(formatFinding(f));
        }
        io.out(
            `KQL check: ${paths.length} file${paths.length === 1 ? "" : "s"} checked: ${findings.length === 0 ? "no problems." : `${findings.length} problem${findings.length === 1 ? "" : "s"}.`}`,
        );
        return findings.length === 0 ? EXIT_CODES.ok : EXIT_CODES.findings;
    }
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
