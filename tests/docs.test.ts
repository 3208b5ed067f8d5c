import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../components/config";
import { withReference } from "../scripts/config-reference";

describe("the README's config reference", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");

    it("is in step with the config schema (run `npm run docs` to update it)", () => {
        assert.equal(readme, withReference(readme));
    });

    it("lists every top-level key of the schema", () => {
        for (const key of Object.keys(configSchema.shape)) assert.ok(readme.includes(`| \`${key}\` |`), key);
    });
});
