// The source-based Pulumi component package: `pulumi package add <repo>/plugin@<tag>`.
export { AppProject, Application, ArgoCd, MlPlatform, Notifications } from "../components";
