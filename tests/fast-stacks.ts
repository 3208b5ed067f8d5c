/**
 * Required after esbuild-register (the TypeScript loader) by .mocharc.json and .mocharc.unit.json.
 * Pulumi's SDK takes a stack trace for every promise it makes (runtime/debuggable.js; printed only
 * with PULUMI_DEBUG_PROMISE_LEAKS) and for every resource it registers (Resource.callsites, the
 * source position the engine shows; the mock engine ignores it), and the loader's
 * source-map-support maps every frame of each: about 6 of the 16 s of CPU the mock-engine suites
 * took under ts-node, and 4 of 9.7 under esbuild-register. Those two captures get no frames in tests (all
 * of them, formatted by V8, with PULUMI_DEBUG_PROMISE_LEAKS set); every other stack, a failing
 * test's included, is still mapped to the TypeScript lines.
 */
export {};

const mapped = Error.prepareStackTrace?.bind(Error);
const PULUMI_CAPTURES = new Set(["debuggablePromise", "callsites"]);
/** V8's own format (a CallSite's toString is the text after "at "). */
const v8Format = (error: Error, frames: NodeJS.CallSite[]) =>
    `${String(error)}\n${frames.map((f) => `    at ${(f as NodeJS.CallSite & { toString(): string }).toString()}`).join("\n")}`;

Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]): unknown => {
    const top = frames[0];
    if (top && PULUMI_CAPTURES.has(top.getFunctionName() ?? "") && (top.getFileName() ?? "").includes("/@pulumi/pulumi/")) {
        return process.env.PULUMI_DEBUG_PROMISE_LEAKS ? v8Format(error, frames) : String(error);
    }
    return mapped ? mapped(error, frames) : v8Format(error, frames);
};

// The capture itself (V8 walking the frames, up to mocha's Error.stackTraceLimit of Infinity) costs
// more than formatting it: debuggablePromise's capture runs with a limit of 0 (its stack reads
// "Error"; the leak detection, which tracks the promises, is unchanged); with
// PULUMI_DEBUG_PROMISE_LEAKS set it is left as it is. Resource.callsites is left alone: it sets its own limit.
if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}
