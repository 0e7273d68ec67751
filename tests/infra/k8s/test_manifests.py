"""The Kubernetes manifests build, validate against the API's schemas, and hold no secret."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from infra.k8s import kustomize
from infra.k8s.check import KUBERNETES_VERSION, OVERLAYS, check_overlay, secret_values

OVERLAY_IDS = [overlay.name for overlay in OVERLAYS]


def _built(overlay: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["kind"], r["metadata"]["name"]): r for r in kustomize.build(overlay)}


def test_there_is_an_overlay_per_environment() -> None:
    assert {"staging", "production"} <= set(OVERLAY_IDS)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=OVERLAY_IDS)
def test_each_overlay_validates_and_references_its_secrets(overlay: Path) -> None:
    resources, problems = check_overlay(overlay, binary=None)
    assert problems == []
    kinds = {(r["kind"], r["metadata"]["name"]) for r in resources}
    assert {
        ("Deployment", "parcours-web"),
        ("Deployment", "parcours-worker"),
        ("Deployment", "parcours-beat"),
        ("Job", "parcours-migrate"),
        ("PodDisruptionBudget", "parcours-web"),
        ("NetworkPolicy", "parcours-default-deny"),
    } <= kinds
    assert all(r["metadata"].get("namespace") for r in resources)


@pytest.mark.skipif(kustomize.kustomize_binary() is None, reason="no kustomize binary here")
@pytest.mark.parametrize("overlay", OVERLAYS, ids=OVERLAY_IDS)
def test_the_python_equivalent_builds_what_kustomize_builds(overlay: Path) -> None:
    binary = kustomize.kustomize_binary()
    assert binary is not None
    theirs = kustomize.build_with_binary(overlay, binary)
    assert {(r["kind"], r["metadata"]["name"]): r for r in theirs} == _built(overlay)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=OVERLAY_IDS)
def test_every_pod_runs_unprivileged_on_a_read_only_root_with_resources(overlay: Path) -> None:
    for resource in _built(overlay).values():
        for spec in kustomize._pod_specs(resource):
            assert spec["securityContext"]["runAsNonRoot"] is True
            assert spec["automountServiceAccountToken"] is False
            for container in spec["containers"]:
                assert container["securityContext"]["readOnlyRootFilesystem"] is True
                assert container["securityContext"]["allowPrivilegeEscalation"] is False
                assert container["resources"]["requests"] and container["resources"]["limits"]
                assert {"secretRef": {"name": "parcours-secrets"}} in container["envFrom"]
                assert container["image"].startswith("registry.example.fr/parcours/parcours:")


@pytest.mark.parametrize("overlay", OVERLAYS, ids=OVERLAY_IDS)
def test_the_web_probes_the_process_and_readiness_on_this_environments_host(
    overlay: Path,
) -> None:
    resources = _built(overlay)
    [web] = resources["Deployment", "parcours-web"]["spec"]["template"]["spec"]["containers"]
    domain = resources["ConfigMap", "parcours-config"]["data"]["PARCOURS_BASE_DOMAIN"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert web[probe]["httpGet"]["httpHeaders"] == [{"name": "Host", "value": domain}]


def test_production_runs_more_web_pods_than_staging() -> None:
    replicas = {
        overlay.name: _built(overlay)["Deployment", "parcours-web"]["spec"]["replicas"]
        for overlay in OVERLAYS
    }
    assert replicas["production"] > replicas["staging"]
    # Exactly one beat everywhere: two would send each scheduled task twice.
    for overlay in OVERLAYS:
        beat = _built(overlay)["Deployment", "parcours-beat"]["spec"]
        assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"


def test_validation_refuses_an_unknown_field() -> None:
    """Not vacuous: the same validation fails on a misspelt field."""
    web = copy.deepcopy(_built(OVERLAYS[0])["Deployment", "parcours-web"])
    web["spec"]["replicass"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    "resource",
    [
        {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"SECRET_KEY": "x"}},
        {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"SENTRY_DSN": "https://k@s/1"}},
        {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"X": "redis://u:p@h:6379/0"}},
        {
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "w", "env": [{"name": "DATABASE_URL", "value": "x"}]}
                        ]
                    }
                }
            },
        },
    ],
    ids=["secret", "dsn-in-configmap", "credentials-in-url", "env-value"],
)
def test_a_secret_value_in_a_manifest_is_found(resource: dict[str, Any]) -> None:
    assert secret_values([resource])


def test_a_reference_to_a_secret_is_not_a_secret_value() -> None:
    env = [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "w", "env": env}]}}},
    }
    assert secret_values([deployment]) == []


# --- the Python equivalent of `kustomize build` ------------------------------------------


def test_a_strategic_merge_merges_named_items_and_replaces_other_lists() -> None:
    base = {"containers": [{"name": "web", "image": "a", "args": ["x"]}], "ports": [1, 2]}
    patch = {"containers": [{"name": "web", "args": ["y"]}, {"name": "side"}], "ports": [3]}
    assert kustomize.merge(base, patch) == {
        "containers": [{"name": "web", "image": "a", "args": ["y"]}, {"name": "side"}],
        "ports": [3],
    }
    assert base["containers"][0]["args"] == ["x"]  # the base is left as it was


def _kustomization(folder: Path, content: dict[str, Any], **files: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(content))
    for name, document in files.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(document))
    return folder


def test_an_overlay_patches_sets_images_replicas_labels_and_namespace(tmp_path: Path) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "template": {"spec": {"containers": [{"name": "web", "image": "app"}]}},
        },
    }
    _kustomization(tmp_path / "base", {"resources": ["web.yaml"]}, web=deployment)
    overlay = _kustomization(
        tmp_path / "prod",
        {
            "resources": ["../base"],
            "namespace": "prod",
            "images": [{"name": "app", "newName": "registry/app", "newTag": "2"}],
            "replicas": [{"name": "web", "count": 4}],
            "labels": [{"pairs": {"env": "prod"}, "includeTemplates": True}],
            "patches": [{"path": "patch.yaml"}],
        },
        patch={
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "args": ["go"]}]}}},
        },
    )
    [web] = kustomize.build(overlay)
    assert web["metadata"] == {"name": "web", "namespace": "prod", "labels": {"env": "prod"}}
    assert web["spec"]["replicas"] == 4
    assert web["spec"]["template"]["metadata"]["labels"] == {"env": "prod"}
    assert web["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "registry/app:2", "args": ["go"]}
    ]


def test_what_the_equivalent_does_not_support_is_refused_by_name(tmp_path: Path) -> None:
    overlay = _kustomization(tmp_path, {"resources": [], "configMapGenerator": []})
    with pytest.raises(kustomize.KustomizeError, match="configMapGenerator"):
        kustomize.build(overlay)
