// A platform team's Pulumi program: its own resource next to two ML platforms in one cluster.
// Team A installs Argo CD and KubeRay; team B reuses both.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MlPlatform } from "ml-gitops";

const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", { kubeconfig: config.getSecret("kubeconfig") });

const quotas = new k8s.core.v1.Namespace("team-quotas", { metadata: { name: "team-quotas" } }, { provider });

const teamA = new MlPlatform("team-a", { settings: { environment: "dev", notifications: { enabled: false } } }, { provider });

const teamB = new MlPlatform(
    "team-b",
    {
        settings: {
            environment: "dev",
            argocd: { install: false, applicationNamePrefix: "team-b-" },
            kuberay: { install: false, namespace: "ray-b" },
            mlPlatform: { namespace: "ml-b", path: "teams/b" },
            notifications: { enabled: false },
            project: { name: "ml-b" },
            rayProject: { name: "ray-b" },
        },
    },
    { provider, dependsOn: [teamA] },
);

export const quotaNamespace = quotas.metadata.name;
export const adminPassword = teamA.adminPassword;
export const applications = [...teamA.applicationNames, ...teamB.applicationNames];
