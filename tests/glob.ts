/**
 * Argo CD's glob matching, as `util/glob` does it with gobwas/glob and no separators: `*` matches
 * any run of characters (including `/`), `?` one character, `[abc]`/`[!abc]` a class and `{a,b}`
 * alternatives. Used to check that an AppProject admits each Application placed in it.
 */
export function globMatch(pattern: string, text: string): boolean {
    return globToRegExp(pattern).test(text);
}

function globToRegExp(pattern: string): RegExp {
    let out = "";
    let inGroup = 0;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "\\" && i + 1 < pattern.length) out += escape(pattern[++i]);
        else if (c === "*") out += ".*";
        else if (c === "?") out += ".";
        else if (c === "[") {
            const end = pattern.indexOf("]", i + 1);
            if (end < 0) out += "\\[";
            else {
                const body = pattern.slice(i + 1, end);
                out += body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
                i = end;
            }
        } else if (c === "{") {
            inGroup++;
            out += "(?:";
        } else if (c === "}" && inGroup > 0) {
            inGroup--;
            out += ")";
        } else if (c === "," && inGroup > 0) out += "|";
        else out += escape(c);
    }
    return new RegExp(`^${out}$`, "s");
}

function escape(c: string): string {
    return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Argo CD normalises git URLs before matching: lower case, no trailing `.git` or `/`. */
export function normalizeRepoUrl(url: string): string {
    return url
        .toLowerCase()
        .replace(/\/+$/, "")
        .replace(/\.git$/, "");
}

/** Argo CD's `IsSourcePermitted`: a `!` pattern denies, otherwise any match admits. */
export function sourcePermitted(patterns: readonly string[], repoURL: string): boolean {
    const url = normalizeRepoUrl(repoURL);
    let admitted = false;
    for (const p of patterns) {
        if (p.startsWith("!")) {
            if (globMatch(normalizeRepoUrl(p.slice(1)), url)) return false;
        } else if (globMatch(normalizeRepoUrl(p), url)) admitted = true;
    }
    return admitted;
}

/** Argo CD's destination check: server (or name) and namespace must both match one destination. */
export function destinationPermitted(destinations: readonly { server?: string; namespace?: string }[], server: string, namespace: string): boolean {
    let admitted = false;
    for (const d of destinations) {
        const ns = d.namespace ?? "";
        const deny = ns.startsWith("!");
        const serverOk = globMatch(d.server ?? "", server);
        const nsOk = globMatch(deny ? ns.slice(1) : ns, namespace);
        if (deny && serverOk && nsOk) return false;
        if (!deny && serverOk && nsOk) admitted = true;
    }
    return admitted;
}

/**
 * Argo CD's resource whitelist check for one group/kind, and, given a name, one object: an entry
 * with a `name` (a filepath.Match glob in Argo CD 3.4; no `/` occurs in these names) admits only
 * the objects it matches, so a kind asked without a name is admitted only by an unnamed entry.
 */
export function resourcePermitted(list: readonly { group: string; kind: string; name?: string }[], group: string, kind: string, name?: string): boolean {
    return list.some((e) => globMatch(e.group, group) && globMatch(e.kind, kind) && (!e.name || (name !== undefined && globMatch(e.name, name))));
}
