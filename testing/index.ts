/**
 * `ml-gitops/testing`: render and unit-test a stack that uses these components, offline, the way
 * this repository tests its own program. `evaluate` runs a program under Pulumi's mock engine and
 * records every resource (type, name, parent, provider, dependencies, inputs with secrets kept as
 * secrets); `manifestsYaml` and `resourcesJson` turn that into the review files `npm run render`
 * writes. One evaluation at a time: the mock engine is process-global.
 */
export { evaluate, isSecret, recordedByLastEvaluation, REDACTED, redact, reveal } from "./engine";
export type { EvaluateOptions, Evaluation, RecordedResource, SecretValue } from "./engine";
export { dependencyOrder, manifestsYaml, resourcesJson } from "./renderFiles";
export type { ChartExpansion, K8sObject } from "./renderFiles";
