/** Child process: the full KQL check, then 50 analyses of the documented sample queries; wall times and peak RSS as JSON. */
import * as fs from "node:fs";
import * as path from "node:path";
import { KqlAnalyzer } from "../../tools/offline/kql/analyzer";
import { checkAll } from "../../tools/offline/kqlCheck";

(async () => {
    const t0 = process.hrtime.bigint();
    const result = await checkAll();
    const checkMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const samples = fs.readFileSync(path.join(__dirname, "..", "fixtures", "doc-samples.kql"), "utf8").split("// ----\n");
    const analyzer = new KqlAnalyzer();
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) {
        analyzer.analyze(samples[i % samples.length]);
    }
    const fiftyMs = Number(process.hrtime.bigint() - t1) / 1e6;
    process.stdout.write(
        `${JSON.stringify({
            analysed: result.analysed,
            findings: result.findings.length,
            checkMs,
            ...result.timings,
            fiftyMs,
            peakRssMb: process.resourceUsage().maxRSS / 1024,
        })}\n`,
    );
})();
