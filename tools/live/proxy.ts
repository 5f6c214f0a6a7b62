/**
 * Which proxy a request of `verify` and `discover` goes through, decided by the Azure SDK itself.
 *
 * Every request these commands send goes through @azure/core-rest-pipeline, whose `proxyPolicy` is
 * in every pipeline `createPipelineFromOptions` builds: ARM and Microsoft Graph (`ArmClient`), the
 * Log Analytics query API (`LogsQueryClient`, a core-client `ServiceClient`), the cloud's metadata
 * host (cloud.ts), and @azure/identity's token requests (its `IdentityClient`, MSAL's network
 * module, is a `ServiceClient` too). The policy (@typespec/ts-http-runtime
 * policies/proxyPolicy.js, 0.3.11) takes the first of HTTPS_PROXY, ALL_PROXY and HTTP_PROXY that
 * is set, each upper case first, for http and https URLs alike; NO_PROXY, read once per process,
 * lists hosts without port, each matched whole, or with a leading dot as that domain and its
 * subdomains. Rather than restate those rules, {@link proxyFor} asks a policy of the SDK's own for
 * a URL and reads the agent it puts on the request, so a message names the proxy the request really
 * went through, and none for a host NO_PROXY exempts.
 */
import { UsageError } from "../cli";

/** The proxy a request goes through, for messages. */
export interface ProxyRoute {
    /** Its URL without credentials, e.g. `http://10.0.0.1:3128`. */
    readonly url: string;
    /** The variable it comes from, e.g. `HTTPS_PROXY`. */
    readonly variable: string;
}

/** The variables the SDK reads, in its order (`loadEnvironmentProxyValue`: each name, then its lower case). */
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"];

/**
 * The proxy variable the SDK will use must be a URL it can use: http:// or https:// and a host.
 * Otherwise the SDK fails every request with "Invalid URL" (`new URL` in its policy) or, for a value
 * like `proxy:3128`, which parses as a URL of scheme `proxy:`, sends nowhere sensible; this says so
 * in one line first, exit 2.
 */
export function checkProxyVariables(env: NodeJS.ProcessEnv = process.env): void {
    const variable = PROXY_VARIABLES.find((name) => env[name]);
    if (!variable) {
        return;
    }
    const value = env[variable] as string;
    let url: URL | undefined;
    try {
        url = new URL(value);
    } catch {
        url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.hostname === "") {
        throw new UsageError(
            `${variable} must be the proxy's URL, http:// or https:// and its host, such as http://proxy.example.com:3128 (got ${JSON.stringify(value.replace(/\/\/[^@/]*@/, "//"))})`,
        );
    }
}

/**
 * The proxy the Azure SDK sends `url` through, or undefined when no proxy is set or NO_PROXY exempts
 * its host. The SDK's policy picks the proxy in the part of `sendRequest` that runs before its first
 * `await`, so the agent is read at once, without sending anything.
 */
export function proxyFor(url: string): ProxyRoute | undefined {
    // The SDK reads process.env, so this does too.
    const variable = PROXY_VARIABLES.find((name) => process.env[name]);
    if (!variable) {
        return undefined;
    }
    const core: typeof import("@azure/core-rest-pipeline") = require("@azure/core-rest-pipeline");
    let agent: { proxy?: URL } | undefined;
    let asked = false;
    const request = core.createPipelineRequest({ url });
    void core.proxyPolicy().sendRequest(request, async (r) => {
        asked = true;
        agent = r.agent as { proxy?: URL } | undefined;
        return { request: r, status: 0, headers: core.createHttpHeaders() };
    });
    if (!asked) {
        throw new Error(
            "@azure/core-rest-pipeline's proxyPolicy no longer decides before its first await: tools/live/proxy.ts must follow it",
        );
    }
    if (!agent?.proxy) {
        return undefined;
    }
    const proxy = new URL(agent.proxy.href);
    proxy.username = "";
    proxy.password = "";
    return { url: proxy.origin, variable };
}

/** ` through the proxy http://10.0.0.1:3128 (HTTPS_PROXY)`, or nothing without a proxy. */
export function throughProxy(route: ProxyRoute | undefined): string {
    return route ? ` through the proxy ${route.url} (${route.variable})` : "";
}
