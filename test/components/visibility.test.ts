import * as assert from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseSettings } from "../../program/settings";
import { canonicalJson } from "../../components/support/canonicalJson";
import { LOGS_PART } from "../../components/provisioningDashboard";
import { WORKBOOKS, WORKBOOKS_DIR } from "../../components/provisioningWorkbooks";
import { deployedQueries } from "../../tools/offline/kql/collect";
import { workbookParameters, workbookQueries } from "../../tools/offline/kql/workbook";
import { type Evaluation, evaluateStack, evaluateStackWith, type RecordedResource } from "../../tools/offline/recorder";
import { PROJECT_DIR } from "../../tools/stackFiles";

const WORKBOOK = "azure-native:applicationinsights:Workbook";
const QUERY = "azure-native:operationalinsights:Query";
const DASHBOARD = "azure-native:portal:Dashboard";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const of = (e: Evaluation, type: string): RecordedResource[] => e.resources.filter((r) => r.type === type);

describe("workbooks, saved queries and the dashboard", () => {
    let dev: Evaluation;
    let prod: Evaluation;
    before(async () => {
        dev = await evaluateStack("dev");
        prod = await evaluateStack("prod");
    });

    describe("workbook files", () => {
        for (const file of Object.keys(WORKBOOKS)) {
            const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, `${file}.workbook.json`), "utf8"));

            it(`${file} is gallery JSON (Notebook/1.0) whose queries use only parameters it defines`, () => {
                assert.strictEqual(doc.version, "Notebook/1.0");
                const resource = {
                    type: WORKBOOK,
                    name: file,
                    urn: file,
                    custom: true,
                    inputs: { serializedData: JSON.stringify(doc) },
                    protect: false,
                    retainOnDelete: false,
                    dependsOn: [],
                    propertyDependencies: {},
                    additionalSecretOutputs: [],
                };
                const queries = deployedQueries([resource]);
                assert.ok(queries.length >= 3);
                assert.deepStrictEqual(
                    queries.filter((q) => q.problem).map((q) => q.problem),
                    [],
                );
            });
        }

        it("the overview filters on time, source and target system, app, job, sync type, identity type, status and action, each defaulting to All", () => {
            const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, "provisioning-overview.workbook.json"), "utf8"));
            const params = doc.items.find((i: { type: number }) => i.type === 9).content.parameters;
            assert.deepStrictEqual(
                params.map((p: { name: string }) => p.name),
                ["TimeRange", "Source", "Target", "App", "JobId", "SyncType", "IdentityType", "Status", "Action"],
            );
            for (const p of params.filter((x: { type: number }) => x.type === 2)) {
                assert.deepStrictEqual([p.multiSelect, p.value, p.typeSettings.selectAllValue], [true, ["value::all"], "*"], p.name);
            }
            // Every filter is "All"-aware: '*' in ({P}) or Column in ({P}); identity types in any case.
            for (const q of workbookQueries(doc).filter((x) => x.query.includes("in ({App})"))) {
                assert.match(q.query, /'\*' in \(\{App\}\) or App in \(\{App\}\)/, q.where);
            }
            for (const q of workbookQueries(doc).filter((x) => x.query.includes("({IdentityType})"))) {
                assert.match(q.query, /'\*' in \(\{IdentityType\}\) or IdentityType in~ \(\{IdentityType\}\)/, q.where);
            }
        });

        it("each workbook offers the time ranges Microsoft's provisioning workbooks offer, 5 minutes to 90 days, and opens on 7 days", () => {
            // The union of the TimeRange presets of Microsoft's gallery provisioning workbooks
            // (Provisioning Analysis and AAD cloud sync details offer all of them).
            const minute = 60_000;
            const hour = 60 * minute;
            const day = 24 * hour;
            const presets = [
                5 * minute,
                15 * minute,
                30 * minute,
                hour,
                4 * hour,
                12 * hour,
                day,
                2 * day,
                3 * day,
                7 * day,
                14 * day,
                28 * day,
                30 * day,
                60 * day,
                90 * day,
            ];
            for (const file of Object.keys(WORKBOOKS)) {
                const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, `${file}.workbook.json`), "utf8"));
                const ranges = doc.items
                    .filter((i: { type: number }) => i.type === 9)
                    .flatMap((i: { content: { parameters: Array<{ type: number }> } }) => i.content.parameters)
                    .filter((p: { type: number }) => p.type === 4);
                assert.strictEqual(ranges.length, 1, file);
                const [range] = ranges;
                assert.deepStrictEqual(
                    range.typeSettings.selectableValues.map((v: { durationMs: number }) => v.durationMs),
                    presets,
                    file,
                );
                assert.deepStrictEqual([range.value, range.typeSettings.allowCustom], [{ durationMs: 7 * day }, true], file);
            }
        });

        it("the troubleshooting workbook looks up one identity: where it was provisioned, its history, steps, modified properties and error", () => {
            const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, "identity-troubleshooting.workbook.json"), "utf8"));
            assert.deepStrictEqual(workbookParameters(doc), [
                { name: "TimeRange", type: 4 },
                { name: "Identity", type: 1 },
            ]);
            const text = workbookQueries(doc)
                .map((q) => q.query)
                .join("\n");
            for (const needle of [
                "parse_json(ProvisioningSteps)",
                "parse_json(ModifiedProperties)",
                "ErrorDescription = ResultDescription",
                "details.UserPrincipalName",
            ]) {
                assert.ok(text.includes(needle), needle);
            }
        });

        it("reads the error text from ResultDescription, never from an undocumented JSON path", () => {
            const files = [
                ...Object.keys(WORKBOOKS).map((f) => path.join(WORKBOOKS_DIR, `${f}.workbook.json`)),
                ...fs.readdirSync(path.join(PROJECT_DIR, "queries")).map((f) => path.join(PROJECT_DIR, "queries", f)),
            ];
            for (const file of files) {
                assert.ok(!fs.readFileSync(file, "utf8").includes("errorInformation"), path.relative(PROJECT_DIR, file));
            }
        });

        it("shows empty application names and job IDs as Unknown, and compares identity types in any case", () => {
            for (const file of Object.keys(WORKBOOKS)) {
                const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, `${file}.workbook.json`), "utf8"));
                for (const q of workbookQueries(doc)) {
                    if (
                        /App = tostring\(parse_json\(ServicePrincipal\)\.Name\)/.test(q.query) &&
                        /\bApp\b[^\n]*\n[\s\S]*\| (summarize|project|order)/.test(q.query)
                    ) {
                        assert.match(q.query, /iff\(isempty\(App\), "Unknown", App\)/, `${file} ${q.where}`);
                    }
                    if (q.query.includes("identityType")) {
                        assert.ok(!/identityType\)? ?==/.test(q.query), `${file} ${q.where} compares identityType case-sensitively`);
                    }
                }
            }
        });

        describe("covers every panel of Microsoft's provisioning workbooks", () => {
            /**
             * Microsoft's gallery workbooks (microsoft/Application-Insights-Workbooks: Workbooks/Azure
             * Active Directory Identity Governance and Access/Provisioning Workbook/Provisioning
             * Insights.workbook; Workbooks/Azure Active Directory TroubleShooting/Provisioning/
             * ProvisioningAnalysis.workbook; Workbooks/Azure Active Directory Provisioning/AAD cloud sync
             * Insights (Preview), AAD cloud sync details (commit 2634b8f413542c6b81316a56970c33e5d780f975)
             * and AAD cloud sync user details (commit 055cfad9cf2dccc8d6446a0e8605615a83d53907)), each
             * panel by its title (or step name) → our workbook and panel.
             */
            const COVERAGE: ReadonlyArray<readonly [string, string, string, string]> = [
                ["Provisioning Insights", "Source and Destination (source and target system)", "provisioning-overview", "parameters"],
                ["Provisioning Insights", "TimeRange, Status, Action, AppName, JobId, SyncType", "provisioning-overview", "parameters"],
                ["Provisioning Insights", "Sync summary / details / details by cycle / user (links)", "provisioning-overview", "tabs"],
                ["Provisioning Insights", "Total synced objects by type", "provisioning-overview", "objects-by-identity-type"],
                ["Provisioning Insights", "Provisioning events by action", "provisioning-overview", "events-by-action"],
                ["Provisioning Insights", "Provisioning events by status", "provisioning-overview", "events-by-status"],
                ["Provisioning Insights", "Unique sync count by status", "provisioning-overview", "status-by-action"],
                ["Provisioning Insights", "Provisioning success rate", "provisioning-overview", "results-share"],
                ["Provisioning Insights", "Top provisioning errors", "provisioning-overview", "top-errors"],
                ["Provisioning Insights", "Objects synced by status", "provisioning-overview", "objects-by-status"],
                ["Provisioning Insights", "Objects synced by action", "provisioning-overview", "objects-by-action"],
                ["Provisioning Insights", "Stage, IdentityType and TName (step filters), NumRows", "provisioning-overview", "step-filters"],
                ["Provisioning Insights", "ProvisioningDetails (step grid)", "provisioning-overview", "step-grid"],
                ["Provisioning Insights", "Objects synced by status and by action, by cycle", "provisioning-overview", "by-cycle"],
                ["Provisioning Insights", "ProvisioningDetails - Copy (step grid with CycleId)", "provisioning-overview", "step-grid"],
                ["Provisioning Insights", "Search by UPN", "identity-troubleshooting", "provisioned-to"],
                ["Provisioning Insights", "Search by User ID", "identity-troubleshooting", "provisioned-to"],
                ["Provisioning Analysis", "TimeRange, JobId, Status, App", "provisioning-overview", "parameters"],
                ["Provisioning Analysis", "Objects by identity type (tiles)", "provisioning-overview", "objects-by-identity-type"],
                ["Provisioning Analysis", "Provisioning events per hour", "provisioning-overview", "events-by-action"],
                ["Provisioning Analysis", "Provisioning success rate", "provisioning-overview", "results-share"],
                ["Provisioning Analysis", "Top Provisioning Errors (with last seen)", "provisioning-overview", "top-errors"],
                ["Provisioning Analysis", "Provisioning activity by app", "provisioning-overview", "by-app"],
                ["Provisioning Analysis", "Provisioning events per cycle", "provisioning-overview", "by-cycle"],
                [
                    "Provisioning Analysis",
                    "SourceIdentityName, SourceIdentityId, SourceIdentityType, ErrorCode, CycleId",
                    "provisioning-overview",
                    "explorer-filters",
                ],
                ["Provisioning Analysis", "Provisioning event explorer", "provisioning-overview", "explorer"],
                ["Provisioning Analysis", "Audit Events (User Provisioning)", "provisioning-overview", "audit-user-provisioning"],
                ["Provisioning Analysis", "Quarantine history", "provisioning-overview", "quarantine"],
                ["AAD cloud sync Insights", "Total synced objects by type", "provisioning-overview", "cloud-sync-objects-by-type"],
                ["AAD cloud sync Insights", "Sync actions per day by action", "provisioning-overview", "cloud-sync-actions-per-day"],
                ["AAD cloud sync Insights", "Sync actions per day by status", "provisioning-overview", "cloud-sync-status-per-day"],
                ["AAD cloud sync Insights", "Unique sync count by status", "provisioning-overview", "cloud-sync-status-by-action"],
                ["AAD cloud sync Insights", "Recent sync errors", "provisioning-overview", "cloud-sync-errors"],
                ["AAD cloud sync Insights", "TimeRange, Status, Action, JobId, SyncType", "provisioning-overview", "parameters"],
                ["AAD cloud sync Insights", "Sync Summary / Sync Details (tabs)", "provisioning-overview", "tabs"],
                [
                    "AAD cloud sync Insights",
                    "ProvisioningDetails (the cloud sync details workbook, as a template)",
                    "provisioning-overview",
                    "cloud-sync-details",
                ],
                ["AAD cloud sync details", "Status, TimeRange, SyncType, JobId", "provisioning-overview", "parameters"],
                ["AAD cloud sync details", "Objects synced by status", "provisioning-overview", "cloud-sync-objects-by-status"],
                [
                    "AAD cloud sync details",
                    "Action, Sync Stage, IdentityType and TargetName (step filters)",
                    "provisioning-overview",
                    "cloud-sync-step-filters",
                ],
                ["AAD cloud sync details", "ProvisioningDetails (step grid)", "provisioning-overview", "cloud-sync-step-grid"],
                ["AAD cloud sync user details", "TimeRange, JobId, Status, Action", "provisioning-overview", "parameters"],
                [
                    "AAD cloud sync user details",
                    "Objects synced using cloud sync (by status and action)",
                    "provisioning-overview",
                    "cloud-sync-objects",
                ],
            ];
            const named = (file: string): Map<string, { type: number }> => {
                const found = new Map<string, { type: number }>();
                const walk = (items: Array<{ name?: string; type: number; content?: { items?: unknown[] } }> = []) =>
                    items.forEach((i) => {
                        if (i.name) {
                            found.set(i.name, i);
                        }
                        walk(i.content?.items as typeof items);
                    });
                walk(JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, `${file}.workbook.json`), "utf8")).items);
                return found;
            };
            for (const [workbook, panel, file, name] of COVERAGE) {
                it(`${workbook}: "${panel}" → ${file} ${name}`, () => {
                    assert.ok(named(file).has(name), `${file} has no panel named ${name}`);
                });
            }

            it("and goes beyond: source/target flows, quarantine now, configuration changes, workspace health, sync types", () => {
                const overview = named("provisioning-overview");
                for (const name of [
                    "tiles",
                    "success-rate",
                    "by-system",
                    "quarantine-status",
                    "provisioning-config-changes",
                    "ingestion-status",
                    "ingestion-delay",
                    "daily-volume",
                    "cloud-sync-by-sync-type",
                ]) {
                    assert.strictEqual(overview.get(name)?.type, 3, name);
                }
                for (const name of ["history", "steps", "modified-properties"]) {
                    assert.strictEqual(named("identity-troubleshooting").get(name)?.type, 3, name);
                }
            });
        });
    });

    it("deploys each workbook shared, linked to the workspace, with a GUID name that is the same on every run", () => {
        const names = (e: Evaluation) => of(e, WORKBOOK).map((w) => w.inputs.resourceName);
        // The names as every earlier run gave them: a workbook whose name changed would be a new
        // workbook, the old one deleted. (evaluateStack hands every caller in the process the same
        // evaluation, so a second one of it would compare this run with itself.)
        assert.deepStrictEqual(Object.fromEntries(of(dev, WORKBOOK).map((w) => [w.name, w.inputs.resourceName])), {
            "entra-provisioning-workbooks-identity-troubleshooting": "673d6af5-b6aa-5122-9d0a-73d487601fe2",
            "entra-provisioning-workbooks-provisioning-overview": "c9187d8b-c9c4-59b6-bd6f-6bbb09110728",
        });
        assert.ok(
            names(dev).every((n) => GUID.test(String(n))),
            String(names(dev)),
        );
        assert.strictEqual(new Set([...names(dev), ...names(prod)]).size, 4, "two stacks never share a workbook");
        for (const w of of(prod, WORKBOOK)) {
            const i = w.inputs as Record<string, string>;
            assert.deepStrictEqual([i.kind, i.category, i.version, i.location], ["shared", "workbook", "Notebook/1.0", "northeurope"]);
            assert.strictEqual(
                i.sourceId,
                "/subscriptions/2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b/resourcegroups/rg-identity-audit-prod/providers/microsoft.operationalinsights/workspaces/log-identity-audit-prod",
            );
            assert.strictEqual(i.serializedData, canonicalJson(JSON.parse(i.serializedData)), "serializedData is canonical");
        }
    });

    it("shows the audit and quarantine tab only where AuditLogs reach the workspace", () => {
        const overview = (e: Evaluation) =>
            String(of(e, WORKBOOK).find((w) => w.name.endsWith("provisioning-overview"))!.inputs.serializedData);
        const tabs = (e: Evaluation) =>
            JSON.parse(overview(e))
                .items.find((i: { name: string }) => i.name === "tabs")
                .content.links.map((l: { subTarget: string }) => l.subTarget);
        assert.deepStrictEqual(tabs(prod), ["summary", "details", "cloudsync", "audit", "health"]);
        assert.deepStrictEqual(tabs(dev), ["summary", "details", "cloudsync", "health"]);
        assert.ok(overview(prod).includes("AuditLogs"));
        assert.ok(!overview(dev).includes("AuditLogs"), "no query reads AuditLogs where they are not sent");
    });

    it("links every workbook and the dashboard in the outputs", () => {
        const urls = dev.outputs.workbookUrls as Record<string, string>;
        assert.deepStrictEqual(Object.keys(urls).sort(), ["identity-troubleshooting", "provisioning-overview"]);
        const id = of(dev, WORKBOOK).find((w) => w.name.endsWith("provisioning-overview"))!.inputs.resourceName;
        assert.strictEqual(
            urls["provisioning-overview"],
            `https://portal.azure.com/#@3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f/resource/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-entra-provisioning-logs-dev/providers/microsoft.insights/workbooks/${id}/workbook`,
        );
        assert.strictEqual(
            dev.outputs.dashboardUrl,
            "https://portal.azure.com/#@3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f/dashboard/arm/subscriptions/7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e/resourceGroups/rg-entra-provisioning-logs-dev/providers/Microsoft.Portal/dashboards/provisioning-dev",
        );
    });

    it("saves the documented sample queries and the alert queries in a query pack, as their files say", () => {
        const queries = of(dev, QUERY);
        const file = (name: string) => fs.readFileSync(path.join(PROJECT_DIR, "queries", `${name}.kql`), "utf8");
        const samples = [
            "user-by-source-id",
            "count-per-error-code",
            "events-per-day-by-action",
            "group-events-key-properties",
            "group-members-skipped",
            "last-step-per-job",
            "operation-spikes",
        ];
        const alerts = ["failure-spike", "provisioning-stopped", "app-silent", "disable-delete-spike", "quarantine", "logs-at-risk"];
        assert.deepStrictEqual(
            queries.map((q) => q.name).sort(),
            [...samples, ...alerts].map((f) => `entra-provisioning-queries-${f}`).sort(),
        );
        for (const q of queries) {
            assert.strictEqual(q.inputs.body, file(q.name.slice("entra-provisioning-queries-".length)), q.name);
            assert.deepStrictEqual(
                [q.inputs.queryPackName, q.inputs.resourceGroupName, q.inputs.related, q.inputs.tags],
                [
                    "pack-entra-provisioning-dev",
                    "rg-entra-provisioning-logs-dev",
                    { categories: ["audit"], resourceTypes: ["microsoft.operationalinsights/workspaces"] },
                    { labels: ["Entra provisioning"] },
                ],
                q.name,
            );
        }
        const spikes = queries.find((q) => q.name === "entra-provisioning-queries-operation-spikes")!;
        assert.deepStrictEqual(
            [spikes.inputs.displayName, spikes.inputs.description],
            [
                "Provisioning: spikes in specific operations",
                "Events per day by their last step, as a time chart, for one job. Set your app's JobId first.",
            ],
        );
        const spike = queries.find((q) => q.name === "entra-provisioning-queries-failure-spike")!;
        assert.strictEqual(spike.inputs.displayName, "Provisioning alert: Provisioning failures spiked for an application");
    });

    it("saves each documented sample as the Learn page publishes it, and says so in its header", () => {
        const documented = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "test", "fixtures", "learn-samples.sha256.json"), "utf8"))
            .samples as Record<string, string>;
        for (const [name, sha256] of Object.entries(documented)) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, "queries", `${name}.kql`), "utf8");
            const header = text.slice(0, text.indexOf("\nAADProvisioningLogs\n") + 1);
            const query = text.slice(header.length);
            assert.ok(
                header
                    .split("\n")
                    .slice(0, -1)
                    .every((l) => l.startsWith("//")),
                `${name}: a comment header, then the query`,
            );
            assert.match(
                header,
                /https:\/\/learn\.microsoft\.com\/entra\/identity\/app-provisioning\/application-provisioning-log-analytics\n/,
                name,
            );
            assert.strictEqual(
                crypto.createHash("sha256").update(query).digest("hex"),
                sha256,
                `${name}: the query is the documented text`,
            );
        }
    });

    it("pins the key charts from the workspace on a portal dashboard", () => {
        const [dashboard] = of(dev, DASHBOARD);
        const i = dashboard.inputs as any;
        assert.strictEqual(i.dashboardName, "provisioning-dev");
        assert.strictEqual(i.tags["hidden-title"], "Entra provisioning (dev)");
        const parts = i.properties.lenses[0].parts;
        const logsParts = parts.filter((p: any) => p.metadata.type === LOGS_PART);
        const charts = ["dashboard-events-by-action", "dashboard-failures-by-app", "dashboard-top-errors"];
        assert.strictEqual(logsParts.length, charts.length);
        for (const [n, p] of logsParts.entries()) {
            const input = (name: string) => p.metadata.inputs.find((x: { name: string }) => x.name === name)?.value;
            assert.deepStrictEqual(input("Scope"), { resourceIds: [String(dev.outputs.workspaceResourceId)] });
            assert.strictEqual(input("Query"), fs.readFileSync(path.join(PROJECT_DIR, "queries", `${charts[n]}.kql`), "utf8"));
            assert.match(String(input("PartId")), GUID);
        }
        assert.match(
            parts[0].metadata.settings.content.settings.content,
            /\[Provisioning overview workbook\]\(https:\/\/portal\.azure\.com\//,
        );
    });

    it("switches each piece off per stack", async () => {
        const off = await evaluateStackWith("dev", { workbooksEnabled: "false", savedQueriesEnabled: "false", dashboardEnabled: "false" });
        for (const type of [WORKBOOK, QUERY, "azure-native:operationalinsights:QueryPack", DASHBOARD]) {
            assert.deepStrictEqual(of(off, type), [], type);
        }
        assert.ok(
            !off.resources.some((r) => r.inputs.namespace === "Microsoft.Portal"),
            "no Microsoft.Portal registration without a dashboard",
        );
        assert.deepStrictEqual([off.outputs.workbookUrls, off.outputs.dashboardUrl, off.outputs.queryPackName], [{}, undefined, undefined]);
    });

    it("rejects a dashboard name Azure would not accept", () => {
        const base = {
            tenantId: "3f5c8a2e-9b1d-4e7a-8c6f-1a2b3c4d5e6f",
            subscriptionId: "7d1e4b9a-2c3f-4a5b-9e8d-0f1a2b3c4d5e",
            location: "westeurope",
            alertReceivers: '["email identity@contoso.com"]',
        };
        assert.throws(() => parseSettings({ ...base, dashboardName: "provisioning_dashboard" }, "dev"), {
            message: '`dashboardName` must be 3-24 letters, digits or hyphens (got "provisioning_dashboard")',
        });
        // A name derived from a long stack name is shortened to one Azure accepts.
        assert.match(String(parseSettings(base, "a-very-long-stack-name").dashboardName), /^[a-zA-Z0-9-]{3,24}$/);
    });
});
