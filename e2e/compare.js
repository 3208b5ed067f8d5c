#!/usr/bin/env node
// Compares the offline render (manifests.yaml of `node start.js render`) with the live objects:
// every field the render declares must be in the live object with the same value (the server may
// add fields). Values rendered as "[secret]" are not compared; a Secret's stringData is compared
// with the live data, decoded.
//
// usage: node e2e/compare.js <manifests.yaml> [kubectl]      (KUBECONFIG names the cluster)
// Run from the project directory (its node_modules has `yaml`). Exit 1 on any difference.
"use strict";
const { execFileSync } = require("node:child_process");
const { readFileSync, writeFileSync, mkdtempSync, rmSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const os = require("node:os");

const [manifestsPath, kubectl = "kubectl"] = process.argv.slice(2);
if (!manifestsPath) {
    process.stderr.write("usage: node e2e/compare.js <manifests.yaml> [kubectl]\n");
    process.exit(2);
}
const { parseAllDocuments, stringify } = createRequire(join(process.cwd(), "package.json"))("yaml");

const SECRET = "[secret]";

/** Differences between a declared value and the live one, as "path: declared … live …" lines. */
function diff(declared, live, path, out) {
    if (declared === SECRET) return out;
    if (declared === null || typeof declared !== "object") {
        if (declared !== live) out.push(`${path}: declared ${JSON.stringify(declared)}, live ${live === undefined ? "(absent)" : JSON.stringify(live)}`);
        return out;
    }
    if (Array.isArray(declared)) {
        if (!Array.isArray(live)) {
            out.push(`${path}: declared a list of ${declared.length}, live ${live === undefined ? "(absent)" : JSON.stringify(live).slice(0, 200)}`);
            return out;
        }
        if (declared.length !== live.length) out.push(`${path}: declared ${declared.length} items, live ${live.length}`);
        declared.forEach((d, i) => diff(d, live[i], `${path}[${i}]`, out));
        return out;
    }
    if (live === null || typeof live !== "object" || Array.isArray(live)) {
        out.push(`${path}: declared an object, live ${live === undefined ? "(absent)" : JSON.stringify(live).slice(0, 200)}`);
        return out;
    }
    for (const [k, v] of Object.entries(declared)) diff(v, live[k], path ? `${path}.${k}` : k, out);
    return out;
}

function leaves(v) {
    if (v === null || typeof v !== "object") return 1;
    return Object.values(v).reduce((n, x) => n + leaves(x), 0);
}

const docs = parseAllDocuments(readFileSync(manifestsPath, "utf8"))
    .map((d) => d.toJS())
    .filter((d) => d && typeof d === "object" && d.kind && d.metadata);
const tmp = mkdtempSync(join(os.tmpdir(), "e2e-compare-"));
let differing = 0;
let fields = 0;
try {
    for (const obj of docs) {
        const id = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
        const file = join(tmp, "obj.yaml");
        writeFileSync(file, stringify(obj));
        let live;
        try {
            live = JSON.parse(execFileSync(kubectl, ["get", "-f", file, "-o", "json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
        } catch (e) {
            differing++;
            console.log(
                `MISSING ${id}: ${
                    String(e.stderr || e.message)
                        .trim()
                        .split("\n")[0]
                }`,
            );
            continue;
        }
        let declared = obj;
        if (obj.kind === "Secret" && obj.stringData === SECRET) {
            const { stringData, ...rest } = obj; // the whole stringData is redacted: nothing of it to compare
            declared = rest;
        } else if (obj.kind === "Secret" && obj.stringData) {
            const { stringData, ...rest } = obj;
            declared = { ...rest, data: { ...(rest.data ?? {}) } };
            for (const [k, v] of Object.entries(stringData)) declared.data[k] = v === SECRET ? SECRET : Buffer.from(String(v)).toString("base64");
        }
        const out = diff(declared, live, "", []);
        fields += leaves(declared);
        if (out.length) {
            differing++;
            console.log(`DIFFERS ${id}:`);
            for (const line of out) console.log(`    ${line}`);
        } else console.log(`same    ${id} (${leaves(declared)} declared fields)`);
    }
} finally {
    rmSync(tmp, { recursive: true, force: true });
}
console.log(`render vs live: ${docs.length} objects, ${fields} declared fields, ${differing} object(s) differing or missing`);
process.exit(differing ? 1 : 0);
