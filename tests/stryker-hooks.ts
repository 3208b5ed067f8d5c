/**
 * Imported by tests/setup.ts (which .mocharc.json, and so Stryker's mocha runner, requires); a
 * no-op outside Stryker's test runner processes: gives the code a suite's `before` hooks run to
 * each test of that suite in Stryker's per-test coverage.
 *
 * StrykerJS's mocha runner records which mutants each test reaches under the id of the test that
 * is running (`__stryker__.currentTestId`, set by its root `beforeEach`). A `before` hook runs
 * before the first test of its suite, so what it reaches was recorded under the previous test,
 * of another suite, or as static; a mutant only a `before` hook reached (the stack-level suites
 * render the shipped stacks there and assert on the result in each test) was then run with the
 * wrong tests, and reported Survived although the suite fails on it. Here each `before` hook runs
 * under an id of its own, and what it reached is added to every test of its suite, nested suites
 * included, so a mutant run selects those tests and mocha runs the hook again for them.
 */
import { Suite, type Test } from "mocha";

interface StrykerNamespace {
    currentTestId?: string;
    mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}

const stryker = () => (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;

function testsOf(suite: Suite): Test[] {
    return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

/** Moves what the hook's own id reached to each test of the suite. */
function attribute(suite: Suite, hookId: string): void {
    const perTest = stryker()?.mutantCoverage?.perTest;
    const reached = perTest?.[hookId];
    if (perTest === undefined || reached === undefined) return;
    delete perTest[hookId];
    for (const test of testsOf(suite)) {
        const own = (perTest[test.fullTitle()] ??= {});
        for (const [mutant, hits] of Object.entries(reached)) own[mutant] = (own[mutant] ?? 0) + hits;
    }
}

type Hook = (this: Mocha.Context, ...args: unknown[]) => unknown;
type BeforeAll = (this: Suite, title: string | Hook, fn?: Hook) => Suite;

if (process.env.STRYKER_MUTATOR_WORKER !== undefined) {
    const prototype = Suite.prototype as unknown as { beforeAll: BeforeAll };
    const beforeAll = prototype.beforeAll;
    prototype.beforeAll = function (title, fn) {
        const hook = typeof title === "function" ? title : fn;
        const name = typeof title === "function" ? title.name : title;
        // A hook that takes mocha's `done` callback is left as it is (the suites here have none).
        if (hook === undefined || hook.length > 0) return beforeAll.call(this, title, fn);
        // eslint-disable-next-line @typescript-eslint/no-this-alias -- the hook's own `this` is mocha's context
        const suite = this;
        const wrapped = async function (this: Mocha.Context) {
            const ns = stryker();
            if (ns === undefined) return hook.call(this);
            const hookId = `before hook of ${suite.fullTitle()}`;
            const previous = ns.currentTestId;
            ns.currentTestId = hookId;
            try {
                return await hook.call(this);
            } finally {
                ns.currentTestId = previous;
                attribute(suite, hookId);
            }
        };
        return beforeAll.call(this, name, wrapped);
    };
}
