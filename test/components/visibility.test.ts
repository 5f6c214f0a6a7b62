import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseSettings } from "../../program/settings";
import { canonicalJson } from "../../program/canonicalJson";
import { LOGS_PART } from "../../components/provisioningDashboard";
import { WORKBOOKS, WORKBOOKS_DIR } from "../../components/provisioningWorkbooks";
import { deployedQueries } from "../../tools/offline/kql/collect";
import { workbookParameters, workbookQueries } from "../../tools/offline/kql/workbook";
import { Evaluation, evaluateStack, evaluateStackWith, RecordedResource } from "../../tools/offline/recorder";
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
                const resource = { type: WORKBOOK, name: file, urn: file, custom: true, inputs: { serializedData: JSON.stringify(doc) }, protect: false, retainOnDelete: false, dependsOn: [], propertyDependencies: {}, additionalSecretOutputs: [] };
                const queries = deployedQueries([resource]);
                assert.ok(queries.length >= 3);
                assert.deepStrictEqual(queries.filter((q) => q.problem).map((q) => q.problem), []);
            });
        }

        it("the overview has TimeRange, App, JobId, Status and Action, each filter defaulting to All", () => {
            const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, "provisioning-overview.workbook.json"), "utf8"));
            assert.deepStrictEqual(workbookParameters(doc).map((p) => p.name), ["TimeRange", "App", "JobId", "Status", "Action"]);
            const params = doc.items.find((i: { type: number }) => i.type === 9).content.parameters;
            for (const p of params.filter((x: { type: number }) => x.type === 2)) {
                assert.deepStrictEqual([p.multiSelect, p.value, p.typeSettings.selectAllValue], [true, ["value::all"], "*"], p.name);
            }
            // Every filter is "All"-aware: '*' in ({P}) or Column in ({P}).
            for (const q of workbookQueries(doc).filter((x) => x.query.includes("in ({App})"))) {
                assert.match(q.query, /'\*' in \(\{App\}\) or App in \(\{App\}\)/, q.where);
            }
            assert.deepStrictEqual(
                doc.items.filter((i: { type: number }) => i.type === 3).map((i: { name: string }) => i.name),
                ["tiles", "events-by-action", "events-by-status", "success-rate", "top-errors", "by-app", "by-cycle", "explorer", "quarantine"],
            );
        });

        it("the troubleshooting workbook looks up one identity and expands steps, modified properties and the error", () => {
            const doc = JSON.parse(fs.readFileSync(path.join(WORKBOOKS_DIR, "identity-troubleshooting.workbook.json"), "utf8"));
            assert.deepStrictEqual(workbookParameters(doc), [
                { name: "TimeRange", type: 4 },
                { name: "Identity", type: 1 },
            ]);
            const text = workbookQueries(doc).map((q) => q.query).join("\n");
            for (const needle of ["parse_json(ProvisioningSteps)", "parse_json(ModifiedProperties)", "errorInformation.reason", "errorInformation.recommendedAction"]) {
                assert.ok(text.includes(needle), needle);
            }
        });
    });

    it("deploys each workbook shared, linked to the workspace, with a GUID name that is the same on every run", async () => {
        const again = await evaluateStack("dev");
        const names = (e: Evaluation) => of(e, WORKBOOK).map((w) => w.inputs.resourceName);
        assert.deepStrictEqual(names(again), names(dev));
        assert.ok(names(dev).every((n) => GUID.test(String(n))), String(names(dev)));
        assert.strictEqual(new Set([...names(dev), ...names(prod)]).size, 4, "two stacks never share a workbook");
        for (const w of of(prod, WORKBOOK)) {
            const i = w.inputs as Record<string, string>;
            assert.deepStrictEqual([i.kind, i.category, i.version, i.location], ["shared", "workbook", "Notebook/1.0", "northeurope"]);
            assert.strictEqual(i.sourceId, "/subscriptions/2b4d6f8a-1c3e-4f5a-9b7d-8e6f4a2c0e1b/resourcegroups/rg-identity-audit-prod/providers/microsoft.operationalinsights/workspaces/log-identity-audit-prod");
            assert.strictEqual(i.serializedData, canonicalJson(JSON.parse(i.serializedData)), "serializedData is canonical");
        }
    });

    it("shows the quarantine panel only where AuditLogs reach the workspace", () => {
        const overview = (e: Evaluation) =>
            JSON.parse(String(of(e, WORKBOOK).find((w) => w.name.endsWith("provisioning-overview"))!.inputs.serializedData)).items.map((i: { name: string }) => i.name);
        assert.ok(overview(prod).includes("quarantine"));
        assert.ok(!overview(dev).includes("quarantine"));
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
        const samples = ["user-by-source-id", "count-per-error-code", "events-per-day-by-action", "recent-events", "group-members-skipped", "last-step-per-job"];
        const alerts = ["failure-spike", "provisioning-stopped", "app-silent", "disable-delete-spike", "quarantine", "logs-at-risk"];
        assert.deepStrictEqual(
            queries.map((q) => q.name).sort(),
            [...samples, ...alerts].map((f) => `entra-provisioning-queries-${f}`).sort(),
        );
        for (const q of queries) {
            assert.strictEqual(q.inputs.body, file(q.name.slice("entra-provisioning-queries-".length)), q.name);
            assert.deepStrictEqual(
                [q.inputs.queryPackName, q.inputs.resourceGroupName, q.inputs.related, q.inputs.tags],
                ["pack-entra-provisioning-dev", "rg-entra-provisioning-logs-dev", { categories: ["audit"], resourceTypes: ["microsoft.operationalinsights/workspaces"] }, { labels: ["Entra provisioning"] }],
                q.name,
            );
        }
        const perError = queries.find((q) => q.name === "entra-provisioning-queries-count-per-error-code")!;
        assert.deepStrictEqual([perError.inputs.displayName, perError.inputs.description], ["Provisioning: failures per error code", "Which provisioning errors dominate."]);
        const spike = queries.find((q) => q.name === "entra-provisioning-queries-failure-spike")!;
        assert.strictEqual(spike.inputs.displayName, "Provisioning alert: Provisioning failures spiked for an application");
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
        assert.match(parts[0].metadata.settings.content.settings.content, /\[Provisioning overview workbook\]\(https:\/\/portal\.azure\.com\//);
    });

    it("switches each piece off per stack", async () => {
        const off = await evaluateStackWith("dev", { workbooksEnabled: "false", savedQueriesEnabled: "false", dashboardEnabled: "false" });
        for (const type of [WORKBOOK, QUERY, "azure-native:operationalinsights:QueryPack", DASHBOARD]) {
            assert.deepStrictEqual(of(off, type), [], type);
        }
        assert.ok(!off.resources.some((r) => r.inputs.namespace === "Microsoft.Portal"), "no Microsoft.Portal registration without a dashboard");
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
        assert.throws(() => parseSettings(base, "a-very-long-stack-name"), {
            message: '`dashboardName` derived from the stack name is not a valid name (got "provisioning-a-very-long-stack-name"); set `dashboardName` explicitly',
        });
    });
});
