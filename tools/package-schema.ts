/**
 * The Pulumi package schema of the source-based component package in plugin/, from Pulumi's own
 * component analyzer (`@pulumi/pulumi/provider/experimental`), as the Node.js language host
 * builds it when a program runs `pulumi package add`. `npm run docs` rewrites plugin/schema.json;
 * a test fails when it is out of date, so a change to a component's args shows up in review.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { sortKeys } from "../components/util";
import { ROOT } from "../commands/cli";

export const PLUGIN_DIR = join(ROOT, "plugin");
export const SCHEMA_FILE = join(PLUGIN_DIR, "schema.json");
/** The components the package offers to every Pulumi language (plugin/index.ts exports them). */
export const COMPONENTS = ["AppProject", "Application", "ArgoCd", "MlPlatform", "Notifications"];

/** The schema text: the analyzer's result through the SDK's generateSchema, keys sorted. */
export function packageSchemaText(): string {
    const pkg = JSON.parse(readFileSync(join(PLUGIN_DIR, "package.json"), "utf8")) as { name: string; version: string; description: string };
    const analyzed = new Analyzer(PLUGIN_DIR, pkg.name, pkg, new Set(COMPONENTS)).analyze();
    const schema = generateSchema(pkg.name, pkg.version, pkg.description, analyzed.components, analyzed.typeDefinitions, analyzed.dependencies);
    return `${JSON.stringify(sortKeys(schema), null, 2)}\n`;
}

/** Rewrites plugin/schema.json; whether it changed. */
export function writePackageSchema(): boolean {
    const text = packageSchemaText();
    if (existsSync(SCHEMA_FILE) && readFileSync(SCHEMA_FILE, "utf8") === text) return false;
    writeFileSync(SCHEMA_FILE, text);
    return true;
}
