// The same program in plain JavaScript.
"use strict";
const k8s = require("@pulumi/kubernetes");
const pulumi = require("@pulumi/pulumi");
const { MlPlatform } = require("ml-gitops");

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

exports.quotaNamespace = quotas.metadata.name;
exports.adminPassword = teamA.adminPassword;
exports.applications = [...teamA.applicationNames, ...teamB.applicationNames];
