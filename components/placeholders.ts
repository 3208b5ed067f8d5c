/**
 * Placeholders: the example values the committed stacks and the defaults ship with, which name
 * nothing real. Argo CD cannot fetch from them, so a prod stack that keeps one would wait out
 * `sync.timeoutSeconds` (900 s) and then fail. The program refuses them in prod before anything
 * is registered, and warns about them elsewhere (index.ts).
 *
 * A placeholder is a URL, host name or address on a name reserved for examples (RFC 2606 and
 * RFC 6761: `example`, `example.com`, `example.net`, `example.org`, `.test`, `.invalid`), or a
 * repository of the seeds' example GitHub organisation `org`.
 */
import { SECRET_KEYS } from "./schema";

/** Reserved example names, and any name under them. */
const RESERVED_HOST = /(^|\.)(example|example\.com|example\.net|example\.org|test|invalid)\.?$/i;
/** A repository of the seeds' example organisation on GitHub: `https://github.com/org/…`, `git@github.com:org/…`. */
const EXAMPLE_ORG = /^(?:[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?|[^@\s/]+@)github\.com[:/]org(?:\/|$)/i;
/** `scheme://[user@]host…`. */
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:?#]+)/i;
/** `user@host[:path]` (scp-like git addresses, e-mail addresses). */
const AT_HOST = /^[^@\s/]+@([^:/\s]+)/;
const HOST_LIKE = /^[a-z0-9*-]+(\.[a-z0-9-]+)+\.?$/i;

/** The host a value names: of a URL, of `user@host:path`, or the value itself when it is a host name. */
function hostOf(value: string): string | undefined {
    const named = URL_HOST.exec(value) ?? AT_HOST.exec(value);
    if (named) return named[1];
    return HOST_LIKE.test(value) ? value : undefined;
}

/** Whether a value is an example value that names nothing real. */
export function isPlaceholder(value: string): boolean {
    const host = hostOf(value);
    return (host !== undefined && RESERVED_HOST.test(host)) || EXAMPLE_ORG.test(value);
}

/** A placeholder found in the config: its key path (list items by index) and its value. */
export interface Placeholder {
    path: string[];
    value: string;
}

/**
 * Every placeholder in a config (parsed, with its defaults, or raw). Secret values are never
 * read. `derived` lists key paths (dotted) whose values the parse derived from other keys; they are
 * skipped, as the key they come from is reported already.
 */
export function placeholdersIn(config: Record<string, unknown>, derived: string[]): Placeholder[] {
    const found: Placeholder[] = [];
    const skip = new Set<string>([...SECRET_KEYS, ...derived]);
    const walk = (v: unknown, path: string[]) => {
        if (skip.has(path.join("."))) return;
        if (typeof v === "string") {
            if (isPlaceholder(v)) found.push({ path, value: v });
        } else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(config, []);
    return found;
}

/** What `pulumi preview` shows for a placeholder the stack keeps: an error in prod, a warning elsewhere (and in an offline render of prod). */
export function placeholderProblem(key: string, value: string, outcome: "refused" | "warned"): string {
    return outcome === "refused"
        ? `${key}: ${JSON.stringify(value)} is a placeholder, which prod refuses: replace it with your own before the first pulumi up`
        : `${key}: ${JSON.stringify(value)} is a placeholder: what uses it cannot work until you replace it with your own (pulumi up refuses placeholders in prod)`;
}
