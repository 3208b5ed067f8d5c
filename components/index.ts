/**
 * ml-gitops components: import them into your own stack and pass your own Kubernetes provider
 * through `opts`. See the README's "Composing the platform" section.
 */
export { AppProject, Application, applicationManifest, appProjectManifest, BACKGROUND_FINALIZER, FOREGROUND_FINALIZER, WAIT_FOR } from "./application";
export type { AppProjectArgs, ApplicationArgs, Subscription } from "./application";
export { ArgoCd, argoCdValues } from "./argocd";
export type { ArgoCdArgs } from "./argocd";
export type * from "./argocdTypes";
export { ConfigError, parseConfig, rawFromPulumiConfig, CONFIG_NAMESPACE, IN_CLUSTER, SECRET_KEYS } from "./config";
export type { ConfigSource } from "./config";
export * from "./generated/settingsTypes";
export { Notifications, notificationsConfigData } from "./notifications";
export type { NotificationsArgs } from "./notifications";
export { MlPlatform, planApplications, planProjects, plannedRayClusterName } from "./platform";
export type { MlPlatformArgs, MlPlatformSettings, PlannedApplication, PlannedProject } from "./platform";
export { rayClusterFullname, rayClusterValues } from "./raycluster";
