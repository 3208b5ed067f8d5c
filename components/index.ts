/**
 * ml-gitops components: import them into your own stack and pass your own Kubernetes provider
 * through `opts`. See docs/composing.md.
 */
export { AppProject, Application, applicationManifest, appProjectManifest, BACKGROUND_FINALIZER, FOREGROUND_FINALIZER, WAIT_FOR } from "./application";
export type { AppProjectArgs, ApplicationArgs, Subscription } from "./application";
export { ArgoCd, argoCdValues } from "./argocd";
export type { ArgoCdArgs } from "./argocd";
export type * from "./argocdTypes";
export { IN_CLUSTER } from "./argocdNames";
export { CONFIG_NAMESPACE, parseConfig, rawFromPulumiConfig } from "./config";
export { ConfigError } from "./configErrors";
export type { ConfigSource } from "./configErrors";
export * from "./generated/settingsTypes";
export { Notifications, notificationsConfigData } from "./notifications";
export type { NotificationsArgs } from "./notifications";
export { planApplications, planProjects, plannedRayClusterName } from "./plan";
export type { PlannedApplication, PlannedProject } from "./plan";
export { MlPlatform } from "./platform";
export type { MlPlatformArgs, MlPlatformSettings } from "./platform";
export { SECRET_KEYS } from "./schema";
export { rayClusterFullname, rayClusterValues } from "./raycluster";
