"""The part of `kustomize build` these manifests use, for machines without the binary.

Supported: `resources` (files and directories with their own kustomization), `namespace`,
`labels` (metadata, and pod templates with `includeTemplates`; never selectors), `images`,
`replicas` and `patches` given by `path` (strategic merge: maps merge, lists of named items
merge by name, other lists are replaced). Anything else in a kustomization is refused by
name, so the manifests cannot silently outgrow this equivalent. CI compares it with
`kustomize build` wherever the binary (or `kubectl kustomize`) exists.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "replicas",
    "patches",
}
# Kinds that are not namespaced, among those a Parcours overlay could hold.
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


class KustomizeError(ValueError):
    pass


def _load(path: Path) -> list[Resource]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def build(directory: Path) -> list[Resource]:
    """The resources of the kustomization in `directory`, as `kustomize build` gives them."""
    directory = Path(directory)
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise KustomizeError(f"{directory}: not supported here: {', '.join(sorted(unknown))}")
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        target = directory / entry
        resources.extend(build(target) if target.is_dir() else _load(target))
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise KustomizeError(f"{directory}: only patches by path are supported")
        for document in _load(directory / patch["path"]):
            _patch(resources, document)
    for replica in kustomization.get("replicas", []):
        matches = [
            r
            for r in resources
            if r["metadata"]["name"] == replica["name"] and r["kind"] in WORKLOADS - {"Job"}
        ]
        if not matches:
            raise KustomizeError(f"replicas: no resource named {replica['name']}")
        for resource in matches:
            resource["spec"]["replicas"] = replica["count"]
    for image in kustomization.get("images", []):
        _set_image(resources, image)
    for label in kustomization.get("labels", []):
        if label.get("includeSelectors"):
            raise KustomizeError("labels with includeSelectors are not supported")
        for resource in resources:
            _add_labels(resource, label["pairs"], templates=bool(label.get("includeTemplates")))
    namespace = kustomization.get("namespace")
    if namespace:
        for resource in resources:
            if resource["kind"] not in CLUSTER_KINDS:
                resource["metadata"]["namespace"] = namespace
    return resources


def _key(resource: Resource) -> tuple[str, str]:
    return resource["kind"], resource["metadata"]["name"]


def _patch(resources: list[Resource], document: Resource) -> None:
    matches = [r for r in resources if _key(r) == _key(document)]
    if len(matches) != 1:
        raise KustomizeError(f"patch: no single target for {_key(document)}")
    merged = merge(matches[0], document)
    resources[resources.index(matches[0])] = merged


def merge(base: Any, patch: Any) -> Any:
    """A strategic merge of `patch` into `base` (a new value; neither is changed)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        result = copy.deepcopy(base)
        for key, value in patch.items():
            result[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return result
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        items: list[Any] = copy.deepcopy(base)
        names = [item["name"] for item in items]
        for item in patch:
            if item["name"] in names:
                index = names.index(item["name"])
                items[index] = merge(items[index], item)
            else:
                items.append(copy.deepcopy(item))
        return items
    return copy.deepcopy(patch)


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _pod_specs(resource: Resource) -> list[Resource]:
    if resource["kind"] in WORKLOADS:
        return [resource["spec"]["template"]["spec"]]
    if resource["kind"] == "CronJob":
        return [resource["spec"]["jobTemplate"]["spec"]["template"]["spec"]]
    return []


def _set_image(resources: list[Resource], image: dict[str, str]) -> None:
    for resource in resources:
        for spec in _pod_specs(resource):
            for container in spec.get("containers", []) + spec.get("initContainers", []):
                name = container["image"].split("@")[0].rsplit(":", 1)[0]
                if name == image["name"]:
                    new = image.get("newName", name)
                    tag = image.get("newTag")
                    container["image"] = f"{new}:{tag}" if tag else new


def _add_labels(resource: Resource, pairs: dict[str, str], *, templates: bool) -> None:
    resource["metadata"].setdefault("labels", {}).update(pairs)
    if templates and resource["kind"] in WORKLOADS:
        template = resource["spec"]["template"]
        template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
    if templates and resource["kind"] == "CronJob":
        template = resource["spec"]["jobTemplate"]["spec"]["template"]
        template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def kustomize_binary() -> list[str] | None:
    """The real `kustomize build` (or `kubectl kustomize`) when this machine has one."""
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def build_with_binary(directory: Path, command: list[str]) -> list[Resource]:
    output = subprocess.run(
        [*command, str(directory)], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]
