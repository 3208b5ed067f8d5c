import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { MlPlatform, type MlPlatformSettings } from "../components";
import { declaredObjects } from "../components/composition";
import { parseConfig } from "../components/config";
import { planApplications, planProjects } from "../components/plan";
import { evaluate, recordedByLastEvaluation, type Evaluation } from "../testing/engine";
import { T } from "./harness";

/**
 * A platform team's own program: two platforms in one stack and one cluster. Team A installs
 * Argo CD and KubeRay; team B reuses both, with its own namespaces, projects and prefixed
 * Application names in the shared Argo CD.
 */
function teamProgram() {
    const provider = new k8s.Provider("shared-cluster", { context: "shared" });
    const a = new MlPlatform(
        "team-a",
        {
            settings: {
                environment: "dev",
                notifications: {
                    enabled: true,
                    slack: { enabled: true },
                    subscriptions: { "ml-platform": [{ trigger: "on-sync-failed", service: "slack", recipient: "a" }] },
                },
            },
            slackToken: "xoxb-team-a",
        },
        { provider },
    );
    const b = new MlPlatform(
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
        { provider, dependsOn: [a] },
    );
    return { a: a.argocdNamespace, b: b.argocdNamespace, bApps: b.applicationNames, bPassword: b.adminPassword };
}

const settingsOnly = (settings: MlPlatformSettings) => ({ settings });

describe("composing the platform into a larger stack", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluate(teamProgram, { project: "platform-team", stack: "shared", config: {}, secretKeys: [] });
    });

    it("builds team A's platform completely and team B's on top of it, without a second Argo CD or KubeRay", () => {
        const names = (type: string) =>
            ev.resources
                .filter((r) => r.type === type)
                .map((r) => r.name)
                .sort();
        assert.deepEqual(names("ml-gitops:platform:MlPlatform"), ["team-a", "team-b"]);
        assert.deepEqual(names(T.release), ["team-a-argocd"]);
        assert.deepEqual(
            ev.resources
                .filter((r) => r.type === T.app)
                .map((r) => (r.inputs.metadata as { name: string }).name)
                .sort(),
            ["ml-platform", "ray-operator", "ray-operator-crds", "raycluster", "team-b-ml-platform", "team-b-raycluster"],
        );
        assert.deepEqual(
            ev.resources
                .filter((r) => r.type === T.project)
                .map((r) => (r.inputs.metadata as { name: string }).name)
                .sort(),
            ["ml-b", "ml-dev", "ray-b", "ray-platform"],
        );
        assert.deepEqual(
            ev.outputs,
            { a: "argocd", b: "argocd", bApps: ["team-b-raycluster", "team-b-ml-platform"] },
            "no admin password output: team B installs no Argo CD",
        );
    });

    it("makes team B's objects wait for team A's Argo CD (a component's dependsOn, handed down)", () => {
        const release = ev.resources.find((r) => r.type === T.release)!.urn;
        const teamB = ev.resources.filter((x) => x.name.startsWith("team-b-") && (x.type === T.app || x.type === T.project));
        assert.deepEqual(teamB.map((r) => r.name).sort(), ["team-b-ml-platform", "team-b-project", "team-b-ray-project", "team-b-raycluster"]);
        for (const r of teamB) assert.ok(r.dependencies.includes(release), `${r.name} waits for ${release}`);
        const rc = ev.resources.find((r) => r.name === "team-b-raycluster")!;
        assert.ok(!rc.dependencies.some((d) => d.endsWith("::team-b-ray-operator")), "no operator of its own to follow");
    });

    it("has no URN collision", () => {
        const urns = ev.resources.map((r) => r.urn);
        assert.equal(urns.length, 36, "the stack, the provider, two platforms and their 32 children");
        assert.equal(new Set(urns).size, urns.length);
    });

    it("has no Kubernetes name collision", () => {
        const keys = ev.resources
            .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== T.release)
            .map((r) => {
                const m = r.inputs.metadata as { name: string; namespace?: string };
                return `${String(r.inputs.apiVersion)}/${String(r.inputs.kind)} ${m.namespace ?? "(cluster)"}/${m.name}`;
            });
        assert.equal(new Set(keys).size, keys.length, keys.join("\n"));
        assert.deepEqual(keys.sort(), [
            "argoproj.io/v1alpha1/AppProject argocd/ml-b",
            "argoproj.io/v1alpha1/AppProject argocd/ml-dev",
            "argoproj.io/v1alpha1/AppProject argocd/ray-b",
            "argoproj.io/v1alpha1/AppProject argocd/ray-platform",
            "argoproj.io/v1alpha1/Application argocd/ml-platform",
            "argoproj.io/v1alpha1/Application argocd/ray-operator",
            "argoproj.io/v1alpha1/Application argocd/ray-operator-crds",
            "argoproj.io/v1alpha1/Application argocd/raycluster",
            "argoproj.io/v1alpha1/Application argocd/team-b-ml-platform",
            "argoproj.io/v1alpha1/Application argocd/team-b-raycluster",
            "v1/ConfigMap argocd/argocd-notifications-cm",
            "v1/Namespace (cluster)/argocd",
            "v1/Namespace (cluster)/ml-b",
            "v1/Namespace (cluster)/ml-serving",
            "v1/Namespace (cluster)/ray-b",
            "v1/Namespace (cluster)/ray-system",
            "v1/Secret argocd/argocd-notifications-secret",
            "v1/Secret argocd/argocd-secret",
        ]);
    });

    it("parents every child under its platform and hands every Kubernetes resource the one provider", () => {
        const stackUrn = ev.resources.find((r) => r.type === T.stack)!.urn;
        const providerUrn = ev.resources.find((r) => r.type === T.provider)!.urn;
        assert.match(providerUrn, /::shared-cluster$/);
        const checked: Record<string, string[]> = { stack: [], "team-a": [], "team-b": [] };
        const withProvider: string[] = [];
        for (const r of ev.resources) {
            if (r.type === T.stack) continue;
            if (r.type === T.provider || r.type === "ml-gitops:platform:MlPlatform") {
                assert.equal(r.parent, stackUrn, r.urn);
                checked.stack.push(r.name);
                continue;
            }
            assert.ok(r.name.startsWith("team-a-") || r.name.startsWith("team-b-"), `${r.name} is named after its platform`);
            const platform = ev.resources.find((p) => p.type === "ml-gitops:platform:MlPlatform" && r.name.startsWith(`${p.name}-`))!;
            let up = r.parent;
            while (up && up !== platform.urn) up = ev.resources.find((p) => p.urn === up)!.parent;
            assert.equal(up, platform.urn, `${r.urn} sits under ${platform.name}`);
            checked[platform.name].push(r.type.startsWith("ml-gitops:") ? `${r.name} (component)` : r.name);
            if (r.custom && r.type.startsWith("kubernetes:")) {
                assert.equal(r.provider, providerUrn, r.urn);
                withProvider.push(r.name);
            }
        }
        // Every resource the loop walked, by the platform it sits under (registration order aside).
        assert.deepEqual(Object.fromEntries(Object.entries(checked).map(([k, v]) => [k, v.sort()])), {
            stack: ["shared-cluster", "team-a", "team-b"],
            "team-a": [
                "team-a-argocd",
                "team-a-argocd (component)",
                "team-a-argocd-admin-password",
                "team-a-argocd-ns",
                "team-a-argocd-secret",
                "team-a-ml-ns",
                "team-a-ml-platform",
                "team-a-ml-platform (component)",
                "team-a-notifications (component)",
                "team-a-notifications-cm",
                "team-a-notifications-secret",
                "team-a-project",
                "team-a-project (component)",
                "team-a-ray-ns",
                "team-a-ray-operator",
                "team-a-ray-operator (component)",
                "team-a-ray-operator-crds",
                "team-a-ray-operator-crds (component)",
                "team-a-ray-project",
                "team-a-ray-project (component)",
                "team-a-raycluster",
                "team-a-raycluster (component)",
            ],
            "team-b": [
                "team-b-ml-ns",
                "team-b-ml-platform",
                "team-b-ml-platform (component)",
                "team-b-project",
                "team-b-project (component)",
                "team-b-ray-ns",
                "team-b-ray-project",
                "team-b-ray-project (component)",
                "team-b-raycluster",
                "team-b-raycluster (component)",
            ],
        });
        assert.equal(withProvider.length, 19, "13 Kubernetes objects of team A's (the Release and argocd-secret among them) and 6 of team B's");
    });

    it("names the instance and the arg path in an args error, and registers nothing", async () => {
        await assert.rejects(
            evaluate(
                () =>
                    new MlPlatform("bad", {
                        settings: { environment: "dev", kuberay: { version: "latest" }, mlPlatfrom: {} } as MlPlatformSettings,
                        slackToken: "x",
                    }),
                {
                    project: "p",
                    stack: "s",
                    config: {},
                    secretKeys: [],
                },
            ),
            (e: Error) => {
                assert.equal(
                    e.message,
                    'invalid args of MlPlatform "bad" (2 problems):\n' +
                        `  - args.settings.kuberay.version: must be an exact version such as 1.2.3 (no 'v', ranges or 'latest') (got "latest")\n` +
                        '  - args.settings.mlPlatfrom: unknown key; did you mean "mlPlatform"?',
                );
                return true;
            },
        );
        assert.deepEqual(
            recordedByLastEvaluation().map((r) => r.type),
            ["pulumi:pulumi:Stack"],
        );
    });

    it("refuses a second platform whose objects collide with the first's, naming both, before registering it", async () => {
        const program = () => {
            new MlPlatform("one", settingsOnly({ environment: "dev", notifications: { enabled: false } }));
            new MlPlatform(
                "two",
                settingsOnly({ environment: "dev", argocd: { install: false }, kuberay: { install: false }, notifications: { enabled: false } }),
            );
        };
        await assert.rejects(evaluate(program, { project: "p", stack: "s", config: {}, secretKeys: [] }), (e: Error) => {
            const why =
                'give one of them other names, or let MlPlatform "two" reuse what MlPlatform "one" installs (argocd.install: false, kuberay.install: false)';
            assert.equal(
                e.message,
                'MlPlatform "two" collides with another platform in this stack (7 problems):\n' +
                    [
                        "AppProject argocd/ml-dev",
                        "AppProject argocd/ray-platform",
                        "Application argocd/ml-platform",
                        "Application argocd/raycluster",
                        "Namespace ml-serving",
                        "Namespace ray-system",
                        "RayCluster ray-system/raycluster-kuberay",
                    ]
                        .map((o) => `  - MlPlatform "two" and MlPlatform "one" both declare ${o}: ${why}`)
                        .join("\n"),
            );
            return true;
        });
        assert.equal(recordedByLastEvaluation().filter((r) => r.name === "two" || r.name.startsWith("two-")).length, 0, "nothing of two registered");
    });

    it("refuses two platforms that both install Argo CD and KubeRay into one cluster", async () => {
        const program = () => {
            new MlPlatform("one", settingsOnly({ environment: "dev", notifications: { enabled: false } }));
            new MlPlatform(
                "two",
                settingsOnly({
                    environment: "dev",
                    argocd: { namespace: "argocd-two", releaseName: "argocd-two" },
                    kuberay: { namespace: "ray-two" },
                    mlPlatform: { namespace: "ml-two" },
                    notifications: { enabled: false },
                }),
            );
        };
        await assert.rejects(evaluate(program, { project: "p", stack: "s", config: {}, secretKeys: [] }), (e: Error) => {
            assert.match(e.message, /^MlPlatform "two" collides with another platform in this stack \(3 problems\):\n/);
            assert.match(
                e.message,
                /both declare the Argo CD CRDs \(applications\.argoproj\.io, appprojects\.argoproj\.io, applicationsets\.argoproj\.io\) from the argo-cd chart: /,
            );
            assert.match(e.message, /both declare the KubeRay CRDs \(rayclusters\.ray\.io, rayjobs\.ray\.io, rayservices\.ray\.io\): /);
            assert.match(e.message, /both declare the KubeRay operator's ClusterRole kuberay-operator: /);
            return true;
        });
    });

    it("keeps separate stack evaluations apart: the same platform in a new evaluation is no collision", async () => {
        const program = () => new MlPlatform("one", settingsOnly({ environment: "dev", notifications: { enabled: false } }));
        await evaluate(program, { project: "p", stack: "s", config: {}, secretKeys: [] });
        const again = await evaluate(program, { project: "p", stack: "s", config: {}, secretKeys: [] });
        assert.equal(again.resources.filter((r) => r.type === "ml-gitops:platform:MlPlatform").length, 1);
    });

    it("refuses notifications on a platform that reuses another's Argo CD", async () => {
        await assert.rejects(
            evaluate(() => new MlPlatform("b", settingsOnly({ environment: "dev", argocd: { install: false } })), {
                project: "p",
                stack: "s",
                config: {},
                secretKeys: [],
            }),
            /args\.settings\.notifications\.enabled: must be false when argocd\.install is false: argocd-notifications-cm and -secret belong to the platform that installs Argo CD/,
        );
    });

    describe("what a platform declares (the keys two platforms are compared by, and how a message names each)", () => {
        const declared = (raw: Record<string, unknown>, rayClusterName?: string) => {
            const c = parseConfig(raw);
            const apps = planApplications(c);
            return [...declaredObjects(c, apps, planProjects(c, apps), rayClusterName)];
        };

        it("installing Argo CD and KubeRay, notifications on: the release, both CRD sets, the notifications objects, the Ray namespace but not Argo CD's twice", () => {
            assert.deepEqual(
                declared(
                    {
                        environment: "dev",
                        kuberay: { namespace: "argocd" },
                        mlPlatform: { enabled: false },
                        notifications: { enabled: true, slack: { enabled: true } },
                        slackToken: "xoxb-t",
                    },
                    "rc",
                ),
                [
                    ["Namespace argocd", "Namespace argocd"],
                    ["Release argocd/argocd", "helm release argocd/argocd"],
                    [
                        "cluster:argocd-crds",
                        "the Argo CD CRDs (applications.argoproj.io, appprojects.argoproj.io, applicationsets.argoproj.io) from the argo-cd chart",
                    ],
                    ["ConfigMap argocd/argocd-notifications-cm", "ConfigMap argocd/argocd-notifications-cm"],
                    ["Secret argocd/argocd-notifications-secret", "Secret argocd/argocd-notifications-secret"],
                    ["AppProject argocd/ml-dev", "AppProject argocd/ml-dev"],
                    ["AppProject argocd/ray-platform", "AppProject argocd/ray-platform"],
                    ["Application argocd/ray-operator-crds", "Application argocd/ray-operator-crds"],
                    ["Application argocd/ray-operator", "Application argocd/ray-operator"],
                    ["Application argocd/raycluster", "Application argocd/raycluster"],
                    ["cluster:kuberay-crds", "the KubeRay CRDs (rayclusters.ray.io, rayjobs.ray.io, rayservices.ray.io)"],
                    ["ClusterRole kuberay-operator", "the KubeRay operator's ClusterRole kuberay-operator"],
                    ["RayCluster argocd/rc", "RayCluster argocd/rc"],
                ],
            );
        });

        it("reusing Argo CD and KubeRay, notifications off: its own namespaces (Argo CD's too, which it does not create), projects and Applications only", () => {
            assert.deepEqual(
                declared({
                    environment: "dev",
                    argocd: { install: false },
                    kuberay: { install: false, namespace: "argocd" },
                    mlPlatform: { namespace: "ml-b" },
                    notifications: { enabled: false },
                }),
                [
                    ["Namespace argocd", "Namespace argocd"],
                    ["Namespace ml-b", "Namespace ml-b"],
                    ["AppProject argocd/ml-dev", "AppProject argocd/ml-dev"],
                    ["AppProject argocd/ray-platform", "AppProject argocd/ray-platform"],
                    ["Application argocd/raycluster", "Application argocd/raycluster"],
                    ["Application argocd/ml-platform", "Application argocd/ml-platform"],
                ],
            );
        });
    });
});
