/**
 * Derives strict JSON schemas from upstream CRDs, for the tests that validate every Argo CD
 * object the program declares: `npm run derive-schemas -- <crd.yaml>...`.
 *
 * Each CRD's openAPIV3Schema is kept as upstream has it, but without descriptions and `status`,
 * and with `additionalProperties: false` on every object that lists its properties (unless it
 * preserves unknown fields), so an unknown or misspelt field is rejected as the API server's
 * strict field validation would. The results are committed under `schemas/`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { strictCrdSchema, type Schema } from "./crdSchema";

function main(files: string[]): void {
    const outDir = resolve(__dirname, "..", "schemas");
    for (const file of files) {
        for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
            const crd = doc.toJS() as { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
            for (const v of crd.spec.versions) {
                const name = `${crd.spec.group}_${v.name}_${crd.spec.names.kind}.json`;
                writeFileSync(join(outDir, name), `${JSON.stringify(strictCrdSchema(v.schema.openAPIV3Schema), null, 1)}\n`);
                process.stdout.write(`wrote schemas/${name}\n`);
            }
        }
    }
}

main(process.argv.slice(2));
