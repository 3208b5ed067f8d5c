"use strict";
// The components from this checkout's sources, as the tests load them (a consumer would
// `require("ml-gitops")`); the Kubernetes provider is the default one, from KUBECONFIG.
require("ts-node/register/transpile-only");
const { Application } = require("../../components");

new Application("feature-branch", {
    name: "feature-branch",
    namespace: "argocd",
    spec: {
        project: "ml-prod",
        // A branch: what is deployed would be whatever was pushed last, not what was reviewed.
        source: { repoURL: process.env.E2E_REPO_URL, path: "ml-platform", targetRevision: "main" },
        destination: { server: "https://kubernetes.default.svc", namespace: "ml-serving" },
        syncPolicy: { retry: { limit: 3, backoff: { duration: "5s", factor: 2, maxDuration: "1m" } } },
    },
});
