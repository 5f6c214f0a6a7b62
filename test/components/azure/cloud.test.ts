import * as assert from "node:assert";
import { settingsFromConfig } from "../../../program/settings";
import { readStackConfig } from "../../../tools/stackFiles";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import {
    AZURE_CLOUDS,
    type AzureCloud,
    chooseCloud,
    CLOUDS,
    cloudFromMetadata,
    discoverCloud,
    ENVIRONMENT_NAMES,
    metadataOrigin,
    PUBLIC_PORTAL,
    scopeOf,
} from "../../../components/azure/cloud";
import { CLOUD_NAMES, regionsOf, validateRegion } from "../../../program/regions";
import { ConfigError } from "../../../program/settingsValidation";
import { VirtualClock } from "../../support/fakeArm";

/**
 * What ARM's metadata endpoint answers (`GET https://management.azure.com/metadata/endpoints`), as
 * recorded for the azure-native provider's own tests (pulumi/pulumi-azure-native,
 * provider/pkg/azure/cloud/metadata/client_test.go, commit 0ca7570c3443ba3247c6b16e2ebd117deb6760fd:
 * `metadata20190501`, every cloud, and `metadata20220901`, the version the provider asks for, which
 * answers for the host's own cloud), trimmed to the fields {@link CLOUDS} has a host for. Microsoft's
 * answer, not this program's table: its URLs keep their trailing slashes.
 */
const ARM_METADATA_2019_05_01 = [
    {
        name: "AzureCloud",
        portal: "https://portal.azure.com",
        authentication: { loginEndpoint: "https://login.microsoftonline.com/" },
        resourceManager: "https://management.azure.com/",
    },
    {
        name: "AzureChinaCloud",
        portal: "https://portal.azure.cn",
        authentication: { loginEndpoint: "https://login.chinacloudapi.cn" },
        resourceManager: "https://management.chinacloudapi.cn",
    },
    {
        name: "AzureUSGovernment",
        portal: "https://portal.azure.us",
        authentication: { loginEndpoint: "https://login.microsoftonline.us" },
        resourceManager: "https://management.usgovcloudapi.net",
    },
] as const;
const ARM_METADATA_2022_09_01_PUBLIC = {
    name: "AzureCloud",
    portal: "https://portal.azure.com",
    authentication: { loginEndpoint: "https://login.microsoftonline.com" },
    resourceManager: "https://management.azure.com/",
    microsoftGraphResourceId: "https://graph.microsoft.com/",
    logAnalyticsResourceId: "https://api.loganalytics.io",
} as const;

/**
 * Microsoft Graph of the national clouds, which no recorded metadata answer has: the azure-native
 * provider's own table (pulumi/pulumi-azure-native, provider/pkg/azure/cloud/cloud.go, commit
 * 1de7602df79a83a40ac10d3914fde346c0db700d, `Endpoints.MicrosoftGraph`), where a stack's Graph calls go too.
 */
const PROVIDER_MICROSOFT_GRAPH = {
    AzureCloud: "https://graph.microsoft.com/",
    AzureUSGovernment: "https://graph.microsoft.us/",
    AzureChinaCloud: "https://microsoftgraph.chinacloudapi.cn",
} as const;

/** A URL as an origin, the form {@link CLOUDS} keeps hosts in. */
const origin = (url: string) => new URL(url).origin;

/** The hosts of one field of {@link CLOUDS}, by cloud. */
const hostsOf = (key: "resourceManager" | "authorityHost" | "logsQuery" | "microsoftGraph" | "portal") =>
    Object.fromEntries(AZURE_CLOUDS.map((c) => [c, CLOUDS[c][key]]));

describe("the Azure clouds", () => {
    it("signs in at the authority hosts @azure/identity knows (AzureAuthorityHosts)", () => {
        const { AzureAuthorityHosts }: typeof import("@azure/identity") = require("@azure/identity");
        assert.deepStrictEqual(hostsOf("authorityHost"), {
            AzureCloud: AzureAuthorityHosts.AzurePublicCloud,
            AzureUSGovernment: AzureAuthorityHosts.AzureGovernment,
            AzureChinaCloud: AzureAuthorityHosts.AzureChina,
        });
    });

    it("queries logs at the audiences @azure/monitor-query-logs knows (KnownMonitorLogsQueryAudience)", () => {
        const { KnownMonitorLogsQueryAudience }: typeof import("@azure/monitor-query-logs") = require("@azure/monitor-query-logs");
        assert.deepStrictEqual(hostsOf("logsQuery"), {
            AzureCloud: KnownMonitorLogsQueryAudience.AzurePublicCloud,
            AzureUSGovernment: KnownMonitorLogsQueryAudience.AzureGovernment,
            AzureChinaCloud: KnownMonitorLogsQueryAudience.AzureChina,
        });
    });

    it("has the ARM, sign-in and portal hosts, and the cloud names, ARM's metadata endpoint answers", () => {
        const byName = Object.fromEntries(ARM_METADATA_2019_05_01.map((m) => [m.name, m]));
        assert.deepStrictEqual(Object.keys(byName).sort(), [...AZURE_CLOUDS].sort(), "the same clouds, by the names ARM gives them");
        for (const cloud of AZURE_CLOUDS) {
            const m = byName[cloud];
            assert.deepStrictEqual(
                [CLOUDS[cloud].name, CLOUDS[cloud].resourceManager, CLOUDS[cloud].authorityHost, CLOUDS[cloud].portal],
                [m.name, origin(m.resourceManager), origin(m.authentication.loginEndpoint), origin(m.portal)],
                cloud,
            );
        }
        const m = ARM_METADATA_2022_09_01_PUBLIC;
        assert.deepStrictEqual(
            [CLOUDS.AzureCloud.resourceManager, CLOUDS.AzureCloud.authorityHost, CLOUDS.AzureCloud.portal],
            [origin(m.resourceManager), origin(m.authentication.loginEndpoint), origin(m.portal)],
        );
        assert.strictEqual(PUBLIC_PORTAL, origin(m.portal));
    });

    it("has the Microsoft Graph and Log Analytics hosts of ARM's metadata and the azure-native provider", () => {
        assert.strictEqual(CLOUDS.AzureCloud.microsoftGraph, origin(ARM_METADATA_2022_09_01_PUBLIC.microsoftGraphResourceId));
        assert.strictEqual(CLOUDS.AzureCloud.logsQuery, origin(ARM_METADATA_2022_09_01_PUBLIC.logAnalyticsResourceId));
        assert.deepStrictEqual(
            hostsOf("microsoftGraph"),
            Object.fromEntries(AZURE_CLOUDS.map((c) => [c, origin(PROVIDER_MICROSOFT_GRAPH[c])])),
        );
    });

    it("keeps only hosts a source above vouches for, each as an origin", () => {
        // A host added to the table needs a source of its own here.
        const checked = ["name", "displayName", "resourceManager", "authorityHost", "logsQuery", "microsoftGraph", "portal"];
        assert.deepStrictEqual(Object.keys(CLOUDS), [...AZURE_CLOUDS]);
        for (const cloud of AZURE_CLOUDS) {
            assert.deepStrictEqual(Object.keys(CLOUDS[cloud]).sort(), [...checked].sort(), cloud);
            for (const [key, url] of Object.entries(CLOUDS[cloud]).filter(([key]) => !["name", "displayName"].includes(key))) {
                assert.strictEqual(url, origin(url), `${cloud}.${key}`);
            }
        }
    });

    it("never sends a sovereign cloud's calls or links to a public-cloud host", () => {
        const publicHosts = Object.entries(CLOUDS.AzureCloud)
            .filter(([key]) => !["name", "displayName"].includes(key))
            .map(([, url]) => new URL(url).host);
        for (const cloud of ["AzureUSGovernment", "AzureChinaCloud"] as const) {
            const hosts = Object.entries(CLOUDS[cloud])
                .filter(([key]) => !["name", "displayName"].includes(key))
                .map(([, url]) => new URL(url).host);
            assert.deepStrictEqual(
                hosts.filter((h) => publicHosts.includes(h)),
                [],
                cloud,
            );
        }
    });

    it("names a token's scope from the resource's origin", () => {
        assert.strictEqual(scopeOf("https://management.usgovcloudapi.net"), "https://management.usgovcloudapi.net/.default");
        assert.strictEqual(scopeOf("https://graph.microsoft.us/"), "https://graph.microsoft.us/.default");
    });

    it("uses the region names and display names of the same clouds for messages", () => {
        for (const cloud of AZURE_CLOUDS) {
            assert.strictEqual(CLOUD_NAMES[cloud], CLOUDS[cloud].displayName);
        }
    });
});

describe("choosing the cloud the azure-native provider deploys to", () => {
    const cases: Array<[string, Record<string, string>, Record<string, string>, AzureCloud]> = [
        ["the public cloud when nothing is set", {}, {}, "AzureCloud"],
        ["azure-native:environment", { "azure-native:environment": "usgovernment" }, {}, "AzureUSGovernment"],
        [
            "azure-native:environment over ARM_ENVIRONMENT",
            { "azure-native:environment": "china" },
            { ARM_ENVIRONMENT: "usgovernment" },
            "AzureChinaCloud",
        ],
        ["ARM_ENVIRONMENT", {}, { ARM_ENVIRONMENT: "usgovernment" }, "AzureUSGovernment"],
        ["ARM_ENVIRONMENT over AZURE_ENVIRONMENT", {}, { ARM_ENVIRONMENT: "china", AZURE_ENVIRONMENT: "usgovernment" }, "AzureChinaCloud"],
        ["AZURE_ENVIRONMENT when it is the only one", {}, { AZURE_ENVIRONMENT: "AzureUSGovernment" }, "AzureUSGovernment"],
        [
            "the public cloud for a configured empty value, whatever the variables say",
            { "azure-native:environment": "" },
            { ARM_ENVIRONMENT: "usgovernment" },
            "AzureCloud",
        ],
        ["any letter case", { "azure-native:environment": "USGovernment" }, {}, "AzureUSGovernment"],
    ];
    for (const [what, config, env, cloud] of cases) {
        it(`reads ${what}`, () => {
            assert.strictEqual(chooseCloud({ config, env }), cloud);
        });
    }

    it("accepts the provider's aliases", () => {
        assert.deepStrictEqual(
            Object.fromEntries(
                Object.keys(ENVIRONMENT_NAMES).map((name) => [name, chooseCloud({ config: { "azure-native:environment": name } })]),
            ),
            {
                public: "AzureCloud",
                azurecloud: "AzureCloud",
                china: "AzureChinaCloud",
                azurechinacloud: "AzureChinaCloud",
                usgov: "AzureUSGovernment",
                usgovernment: "AzureUSGovernment",
                azureusgovernment: "AzureUSGovernment",
                azureusgovernmentcloud: "AzureUSGovernment",
                usgovernmentl4: "AzureUSGovernment",
            },
        );
    });

    it("refuses a name the provider does not know, where the provider would quietly use the public cloud", () => {
        assert.throws(() => chooseCloud({ env: { ARM_ENVIRONMENT: "usgovermnent" } }), {
            message:
                'ARM_ENVIRONMENT must be public, usgovernment or china (or an alias the azure-native provider accepts: public, azurecloud, china, azurechinacloud, usgov, usgovernment, azureusgovernment, azureusgovernmentcloud, usgovernmentl4) (got "usgovermnent")',
        });
    });

    it("refuses a custom cloud's endpoints, which it can't follow", () => {
        assert.throws(() => chooseCloud({ env: { ARM_RESOURCE_MANAGER_ENDPOINT: "https://management.local.azurestack.external" } }), {
            message:
                "ARM_RESOURCE_MANAGER_ENDPOINT is set (https://management.local.azurestack.external): the azure-native provider then uses that custom cloud's endpoints, " +
                "which the program's own Azure calls can't follow; use azure-native:environment (public, usgovernment or china) or azure-native:metadataHost instead",
        });
    });

    it("follows the cloud a metadata host was found to describe, over the environment, as the provider does", () => {
        const metadataClouds = { "https://management.usgovcloudapi.net": "AzureUSGovernment" } as const;
        assert.strictEqual(
            chooseCloud({
                config: { "azure-native:metadataHost": "management.usgovcloudapi.net", "azure-native:environment": "china" },
                metadataClouds,
            }),
            "AzureUSGovernment",
        );
        assert.strictEqual(
            chooseCloud({ env: { ARM_METADATA_HOSTNAME: "https://management.usgovcloudapi.net/" }, metadataClouds }),
            "AzureUSGovernment",
        );
    });

    it("refuses a metadata host whose cloud was not read first, naming the way out", () => {
        assert.throws(() => chooseCloud({ config: { "azure-native:metadataHost": "management.usgovcloudapi.net" } }), {
            message:
                "azure-native:metadataHost is set (management.usgovcloudapi.net), but the cloud its metadata describes was not read before this call " +
                "(discoverCloud in components/azure/cloud.ts): a bug in this program; meanwhile unset azure-native:metadataHost and use azure-native:environment " +
                "(public, usgovernment or china) instead",
        });
    });
});

describe("the https origin of a metadata host, as the provider forms its URL", () => {
    const cases: Array<[string, string | undefined]> = [
        ["management.azure.com", "https://management.azure.com"],
        ["management.local.azurestack.external:4443", "https://management.local.azurestack.external:4443"],
        ["https://management.usgovcloudapi.net/", "https://management.usgovcloudapi.net"],
        ["http://management.azure.com", undefined],
        ["management.azure.com/metadata", undefined],
        ["https://user:pw@management.azure.com", undefined],
        ["management.azure.com?x=1", undefined],
        ["", undefined],
    ];
    for (const [host, origin] of cases) {
        it(`${origin ? "makes" : "refuses"} ${JSON.stringify(host)}${origin ? ` into ${origin}` : ""}`, () => {
            assert.strictEqual(metadataOrigin(host), origin);
        });
    }
});

/** What ARM's metadata endpoint answers (api-version 2022-09-01), trimmed to what the provider reads. */
const metadataOf = (name: string, resourceManager: string, loginEndpoint: string) => ({
    name,
    resourceManager,
    authentication: { loginEndpoint, audiences: [resourceManager], tenant: "common", identityProvider: "AAD" },
    microsoftGraphResourceId: "https://graph.microsoft.com/",
});

/** A loopback HTTPS server that answers `/metadata/endpoints` with `reply`, and records what was asked. */
class MetadataServer {
    readonly asked: string[] = [];
    reply: (url: string) => { status: number; body: string } | "hang" = () => ({ status: 404, body: "" });
    private constructor(
        private readonly server: https.Server,
        readonly host: string,
        readonly ca: string,
    ) {}

    static async start(): Promise<MetadataServer> {
        const selfsigned: typeof import("selfsigned") = require("selfsigned");
        const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
            keySize: 2048,
            algorithm: "sha256",
            extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
        });
        let self: MetadataServer | undefined;
        const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
            self!.asked.push(`${req.method} ${req.url}`);
            const reply = self!.reply(req.url ?? "");
            if (reply !== "hang") {
                res.writeHead(reply.status, { "content-type": "application/json" });
                res.end(reply.body);
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        self = new MetadataServer(server, `127.0.0.1:${(server.address() as AddressInfo).port}`, pems.cert);
        return self;
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}

describe("discovering the cloud a metadata host describes", () => {
    let server: MetadataServer;
    before(async () => {
        server = await MetadataServer.start();
    });
    after(() => server.close());

    const answering = (body: unknown, status = 200) => {
        server.reply = () => ({ status, body: typeof body === "string" ? body : JSON.stringify(body) });
    };
    const input = () => ({ config: { "azure-native:metadataHost": server.host } });
    const url = () => `https://${server.host}/metadata/endpoints?api-version=2022-09-01`;

    const clouds: Array<[string, object, AzureCloud]> = [
        ["the public cloud", metadataOf("AzureCloud", "https://management.azure.com/", "https://login.microsoftonline.com"), "AzureCloud"],
        [
            "Azure Government",
            metadataOf("AzureUSGovernment", "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us"),
            "AzureUSGovernment",
        ],
        [
            "Azure China",
            metadataOf("AzureChinaCloud", "https://management.chinacloudapi.cn/", "https://login.chinacloudapi.cn/"),
            "AzureChinaCloud",
        ],
    ];
    for (const [what, metadata, cloud] of clouds) {
        it(`recognizes ${what} by its ARM and sign-in hosts, asking what the provider asks`, async () => {
            answering(metadata);
            server.asked.length = 0;
            const discovered = await discoverCloud(input(), { trustedCa: server.ca });
            assert.deepStrictEqual(discovered.metadataClouds, { [`https://${server.host}`]: cloud });
            assert.strictEqual(chooseCloud(discovered), cloud);
            assert.deepStrictEqual(server.asked, ["GET /metadata/endpoints?api-version=2022-09-01"]);
        });
    }

    it("makes the stack's location a region of the cloud the metadata host describes, in the settings the program reads", async () => {
        answering(clouds[1][1]);
        const config = {
            ...readStackConfig("dev").config,
            "azure-native:metadataHost": server.host,
            "entra-provisioning-logs:location": "usgovvirginia",
        };
        const discovered = await discoverCloud({ config }, { trustedCa: server.ca });
        assert.strictEqual(
            settingsFromConfig({ config }, "entra-provisioning-logs", "dev", {}, discovered.metadataClouds).location,
            "usgovvirginia",
        );
        assert.throws(() => settingsFromConfig({ config }, "entra-provisioning-logs", "dev", {}), {
            message: /^azure-native:metadataHost is set .*, but the cloud its metadata describes was not read before this call/,
        });
    });

    it("reads an answer that starts with a byte order mark, as the provider does", async () => {
        answering(`\uFEFF${JSON.stringify(clouds[1][1])}`);
        assert.strictEqual(
            await cloudFromMetadata({ value: server.host, from: "ARM_METADATA_HOSTNAME" }, { trustedCa: server.ca }),
            "AzureUSGovernment",
        );
    });

    it("asks nothing when no metadata host is set, or its cloud was read already", async () => {
        server.asked.length = 0;
        const plain = { config: { "azure-native:environment": "china" } };
        assert.strictEqual(await discoverCloud(plain), plain);
        const known = { ...input(), metadataClouds: { [`https://${server.host}`]: "AzureChinaCloud" as const } };
        assert.strictEqual(await discoverCloud(known), known);
        assert.deepStrictEqual(server.asked, []);
    });

    it("refuses a cloud that is none of the program's, such as Azure Stack Hub, naming what it answered", async () => {
        answering(metadataOf("AzureStackUser", "https://management.local.azurestack.external/", "https://login.microsoftonline.com/"));
        await assert.rejects(discoverCloud(input(), { trustedCa: server.ca }), {
            message:
                `azure-native:metadataHost is ${server.host}, whose metadata describes a cloud with ARM at management.local.azurestack.external and sign-in at ` +
                "login.microsoftonline.com, none of the Azure public cloud, Azure Government or Azure operated by 21Vianet (China): the azure-native provider would deploy there, " +
                "but the program's own Azure calls can't follow; use azure-native:environment (public, usgovernment or china) instead",
        });
    });

    const unreadable: Array<[string, () => void, string]> = [
        ["an answer but 200", () => answering({ error: { code: "NotFound" } }, 404), "it answered 404"],
        ["an answer that is not JSON", () => answering("<html>"), "the answer is not JSON"],
        [
            "an answer without the endpoints",
            () => answering({ name: "AzureCloud" }),
            "the answer names no resourceManager and authentication.loginEndpoint",
        ],
    ];
    for (const [what, reply, why] of unreadable) {
        it(`refuses ${what}, saying what to check`, async () => {
            reply();
            await assert.rejects(discoverCloud(input(), { trustedCa: server.ca }), {
                message:
                    `azure-native:metadataHost is ${server.host}, but the cloud metadata at ${url()} could not be read (${why}); the azure-native provider reads its cloud ` +
                    "from there too: check the host, or unset azure-native:metadataHost and use azure-native:environment (public, usgovernment or china) instead",
            });
        });
    }

    it("gives up on a host that doesn't answer within its timeout, on the injected clock", async () => {
        const clock = new VirtualClock();
        server.reply = () => {
            clock.advanceToNextTimer();
            return "hang";
        };
        await assert.rejects(discoverCloud(input(), { trustedCa: server.ca, clock, timeoutMs: 30_000 }), {
            message:
                `azure-native:metadataHost is ${server.host}, but the cloud metadata at ${url()} could not be read (no answer within 30 s); the azure-native provider reads ` +
                "its cloud from there too: check the host, or unset azure-native:metadataHost and use azure-native:environment (public, usgovernment or china) instead",
        });
        assert.deepStrictEqual(clock.timers, [30_000]);
    });

    it("refuses a host that is not one, before asking anything", async () => {
        server.asked.length = 0;
        await assert.rejects(discoverCloud({ env: { ARM_METADATA_HOSTNAME: "http://management.azure.com" } }), {
            message:
                'ARM_METADATA_HOSTNAME must be the host name of an Azure Resource Manager, such as management.azure.com, or its https:// URL (got "http://management.azure.com")',
        });
        assert.deepStrictEqual(server.asked, []);
    });
});

describe("a region of the stack's cloud", () => {
    it("passes a region of the cloud", () => {
        validateRegion("usgovvirginia", "AzureUSGovernment");
        validateRegion("chinanorth3", "AzureChinaCloud");
        validateRegion("westeurope", "AzureCloud");
    });

    it("refuses a region of another cloud in one line naming the setting and both clouds", () => {
        assert.throws(
            () => validateRegion("westeurope", "AzureUSGovernment"),
            (e: Error) =>
                e instanceof ConfigError &&
                e.message ===
                    '`location` must be a region of Azure Government; westeurope is a region of the Azure public cloud (got "westeurope")',
        );
        assert.throws(() => validateRegion("usgovvirgina", "AzureUSGovernment"), {
            message: '`location` must be the name of a region of Azure Government; did you mean usgovvirginia? (got "usgovvirgina")',
        });
    });

    it("knows the Government regions", () => {
        assert.ok(regionsOf("AzureUSGovernment").some((r) => r.name === "usgovvirginia"));
    });
});
