/**
 * `npm run check:kql [-- <file.kql|workbook.json> …]`: with no paths, every query the program would
 * deploy, for every example stack, and every `.kql` file; with paths, those `.kql` files and gallery
 * workbooks (bare or in an ARM template). Analysed by Microsoft's Kusto.Language; each problem
 * printed as `source:line:column: message`; exits 1 when there is any.
 */
import { type Command, type CommandSpec, EXIT_CODES, parseFlags, runAsMain, UsageError } from "./cli";

// The analyzer and the stacks' evaluation load once the command line is read: `--help` answers at once.

const SPEC: CommandSpec<never, never> = {
    usage: "npm run check:kql [-- <file.kql|workbook.json> …]",
    about: [
        "Analyses KQL with Microsoft's Kusto.Language against the tables' schemas: with no paths, every query the",
        "program would deploy for every stack, and every queries/*.kql file; with paths, those .kql files and gallery",
        "workbooks. Prints each problem as source:line:column: message; exits 1 when there is any.",
    ].join("\n"),
    values: {},
    switches: {},
    positionals: { arg: "<file.kql|workbook.json> …", help: "Files to check instead of the program's queries." },
};

export const checkKqlCommand: Command = async (argv, io) => {
    const { positionals: paths } = parseFlags(argv, SPEC);
    const { formatFinding } = await import("./offline/kql/check");
    if (paths.length > 0) {
        const { checkFiles, KqlFilesError } = await import("./offline/kql/files");
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
    const result = await (await import("./offline/kqlCheck")).checkAll();
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
