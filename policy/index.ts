/**
 * The ml-gitops guardrails, as a CrossGuard policy pack:
 *   pulumi preview --stack prod --policy-pack policy --policy-pack-config policy/config.prod.json
 * Mandatory unless a config file lowers it (config.dev.json makes the pack advisory for dev).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("ml-gitops-guardrails", { enforcementLevel: "mandatory", policies });
