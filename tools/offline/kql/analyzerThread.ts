import * as path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { type KqlAnalysis, KqlAnalyzer } from "./analyzer";

/**
 * A {@link KqlAnalyzer} in a worker thread. Loading Kusto.Language and warming it up take most of a
 * second of CPU: the KQL check starts the thread before it loads the Pulumi SDK and evaluates the
 * stacks, so that the two overlap on two cores, and sends each query as soon as it is known.
 * (`npm run check:kql` gives V8 one background thread, `--v8-pool-size=1`, not one per core: with two
 * busy JavaScript threads on two cores, more background compiling and collecting only slowed both.)
 */
export class KqlAnalyzerThread {
    private readonly worker: Worker;
    /** Each query text is analysed once. */
    private readonly analyses = new Map<string, Promise<KqlAnalysis>>();
    private readonly waiting = new Map<number, { resolve(a: KqlAnalysis): void; reject(e: Error): void }>();
    private nextId = 0;
    private failure: Error | undefined;
    private closed = false;

    /** Starts the thread, which loads Kusto.Language at once. */
    constructor() {
        // The thread loads this file's TypeScript with the offline tools' loader, whichever loader
        // this process uses (ts-node under mocha). That loader's native module (SWC's) is loaded on
        // this thread first: loaded first by a worker, it brings the process down when a later
        // worker loads it again after the first one stopped.
        require("@swc/core");
        const code = `require(${JSON.stringify(LOADER)}); require(${JSON.stringify(__filename)});`;
        this.worker = new Worker(code, { eval: true, workerData: { role: ROLE } });
        this.worker.on("message", (reply: Reply) => {
            const w = this.waiting.get(reply.id);
            this.waiting.delete(reply.id);
            if (reply.error) {
                w?.reject(Object.assign(new Error(reply.error.message), { stack: reply.error.stack }));
            } else {
                w?.resolve(reply.analysis!);
            }
            if (this.waiting.size === 0) {
                this.worker.unref();
            }
        });
        this.worker.on("error", (e) => this.fail(e));
        this.worker.on("exit", (code) => this.fail(new Error(`the KQL analyzer thread stopped (exit code ${code})`)));
        // Only a thread with work to do keeps the process alive.
        this.worker.unref();
    }

    /** What {@link KqlAnalyzer.analyze} gives for `query`. */
    analyze(query: string): Promise<KqlAnalysis> {
        let analysis = this.analyses.get(query);
        if (!analysis) {
            analysis = new Promise<KqlAnalysis>((resolve, reject) => {
                if (this.failure || this.closed) {
                    return reject(this.failure ?? new Error("the KQL analyzer thread is closed"));
                }
                const id = this.nextId++;
                this.waiting.set(id, { resolve, reject });
                this.worker.ref();
                this.worker.postMessage({ id, query } satisfies Request);
            });
            this.analyses.set(query, analysis);
        }
        return analysis;
    }

    /**
     * Waits for the analyses of `queries` and returns an analyzer that answers from them, for
     * {@link checkQueries}: the findings are then put together as with a {@link KqlAnalyzer}.
     */
    async analyzed(queries: readonly string[]): Promise<Pick<KqlAnalyzer, "analyze">> {
        const done = new Map<string, KqlAnalysis>();
        await Promise.all(queries.map(async (q) => done.set(q, await this.analyze(q))));
        return {
            analyze: (query) => {
                const analysis = done.get(query);
                if (!analysis) {
                    throw new Error(`not analysed: ${query}`);
                }
                return analysis;
            },
        };
    }

    /** Stops the thread. */
    async close(): Promise<void> {
        this.closed = true;
        await this.worker.terminate();
    }

    private fail(e: Error): void {
        if (this.closed) {
            return;
        }
        this.failure ??= e;
        for (const w of this.waiting.values()) {
            w.reject(this.failure);
        }
        this.waiting.clear();
    }
}

const ROLE = "kql-analyzer";
const LOADER = path.join(__dirname, "..", "..", "register.js");

interface Request {
    readonly id: number;
    readonly query: string;
}

interface Reply {
    readonly id: number;
    readonly analysis?: KqlAnalysis;
    readonly error?: { readonly message: string; readonly stack?: string };
}

// In the thread: load Kusto.Language now, then answer the requests in turn.
if (!isMainThread && workerData?.role === ROLE) {
    const analyzer = new KqlAnalyzer();
    parentPort!.on("message", ({ id, query }: Request) => {
        let reply: Reply;
        try {
            reply = { id, analysis: analyzer.analyze(query) };
        } catch (e) {
            const error = e instanceof Error ? e : new Error(String(e));
            reply = { id, error: { message: error.message, stack: error.stack } };
        }
        parentPort!.postMessage(reply);
    });
}
