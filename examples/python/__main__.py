"""One ML platform from Python: the MlPlatform component of the ml-gitops package, with the settings
of the e2e stack (Pulumi.e2e.yaml's `ml-gitops:` keys), through the SDK `pulumi package add`
generates from plugin/.

The Kubernetes provider is the default one (KUBECONFIG); the platform is named "ml", as the
TypeScript program names its own, so that both make the same Kubernetes objects.
"""

import importlib

import pulumi

config = pulumi.Config()
# The generated SDK's Python package is named after where the package came from: pulumi_ml_gitops
# from a local path, <owner>_ml_gitops from https://<host>/<owner>/ml-gitops.git/plugin (the
# owner is the package's namespace); `pulumi package add` prints it.
ml = importlib.import_module(config.get("sdk") or "pulumi_ml_gitops")
base = (config.get("repoBase") or "https://127.0.0.1:18443").rstrip("/")

settings = ml.MlPlatformSettingsArgs(
    environment=ml.Environment.DEV,
    argocd=ml.ArgoCdSettingsArgs(chart_repository=f"{base}/charts", version="v3.4.14"),
    kuberay=ml.KubeRaySettingsArgs(
        crds_repo_url=f"{base}/git/kuberay.git",
        chart_repository=f"{base}/charts",
    ),
    ml_platform=ml.MlPlatformAppSettingsArgs(
        repo_url=f"{base}/git/ml-platform-config.git",
        target_revision="main",
        path="environments/dev",
    ),
    project=ml.ProjectSettingsArgs(name="ml-e2e", description="ML Platform e2e"),
    ray_project=ml.RayProjectSettingsArgs(name="ray-e2e"),
    ray_cluster=ml.RayClusterSettingsArgs(
        service_account=ml.RayClusterServiceAccountSettingsArgs(
            name="ray-workloads",
            create=True,
            annotations={"e2e.ml-gitops/identity": "ray-workloads"},
        ),
        worker_groups={
            "standard-worker": ml.WorkerGroupSettingsArgs(
                replicas=1, min_replicas=0, max_replicas=2, cpu="1", memory="1G",
            ),
            "gpu-worker": ml.WorkerGroupSettingsArgs(
                replicas=1, min_replicas=0, max_replicas=2, cpu="1", memory="1Gi", shm_size="512Mi",
                gpu=ml.WorkerGroupGpuSettingsArgs(count=1, node_selector={"nvidia.com/gpu.present": "true"}),
            ),
            "spot-worker": ml.WorkerGroupSettingsArgs(
                replicas=1, min_replicas=0, max_replicas=2, cpu="1", memory="1Gi",
                node_selector={"cloud.google.com/gke-spot": "true"},
                tolerations=[
                    ml.WorkerGroupTolerationsSettingsArgs(
                        key="cloud.google.com/gke-spot",
                        operator=ml.WorkerGroupTolerationsOperator.EQUAL,
                        value="true",
                        effect=ml.WorkerGroupTolerationsEffect.NO_SCHEDULE,
                    )
                ],
            ),
        },
    ),
    sync=ml.SyncSettingsArgs(wait=True, timeout_seconds=300),
    notifications=ml.NotificationsSettingsArgs(
        slack=ml.NotificationsSlackSettingsArgs(enabled=True, api_url=f"{base}/slack/api/"),
        subscriptions={
            "ml-platform": [ml.SubscriptionSettingsArgs(trigger="on-health-degraded", service=ml.SubscriptionService.SLACK, recipient="ml-oncall")]
        },
    ),
)

# One secret arg, the Slack bot token (`pulumi config set --secret slackToken <token>`); no
# adminPassword (a generated one), as in the e2e stack.
platform = ml.MlPlatform("ml", settings=settings, slack_token=config.require_secret("slackToken"))

pulumi.export("adminPassword", platform.admin_password)
pulumi.export("applications", platform.application_names)
pulumi.export("argocdNamespace", platform.argocd_namespace)
pulumi.export("argocdUrl", platform.argocd_url)
pulumi.export("projects", platform.project_names)
pulumi.export("rayClusterName", platform.ray_cluster_name)
