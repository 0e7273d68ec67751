"""`python -m infra.k8s.check`: build each overlay, validate it, refuse any secret value.

Builds with `kustomize build` (or `kubectl kustomize`) when the machine has it, and then
also checks that the Python equivalent (kustomize.py) gives the same resources; without the
binary, with the Python equivalent alone. Every resource is validated against the
Kubernetes API's schemas (kubernetes-validate, strict: an unknown field is an error).
Exits non-zero with the reasons. Run by `.ci/run` and by tests/infra/k8s.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate

from infra.k8s import kustomize

HERE = Path(__file__).resolve().parent
OVERLAYS = sorted(path for path in (HERE / "overlays").iterdir() if path.is_dir())
KUBERNETES_VERSION = "1.31.0"
# Names under which a secret value would be written; they may only be referenced.
SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|MASTER_KEY|API_KEY|DSN|DATABASE_URL|BROKER_URL|CACHE_URL|RESULT_BACKEND"
)
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s:]+:[^/@\s]+@")


def secret_values(resources: list[dict[str, Any]]) -> list[str]:
    """Every place where a manifest would hold a secret instead of referencing one."""
    problems: list[str] = []
    for resource in resources:
        where = f"{resource['kind']}/{resource['metadata']['name']}"
        if resource["kind"] == "Secret":
            problems.append(f"{where}: a Secret in the repository")
        for key, value in (resource.get("data") or {}).items():
            if SECRET_NAME.search(key):
                problems.append(f"{where}: {key} written in a ConfigMap")
            if CREDENTIALS_IN_URL.search(str(value)):
                problems.append(f"{where}: credentials in {key}")
        for spec in kustomize._pod_specs(resource):
            for container in spec.get("containers", []) + spec.get("initContainers", []):
                for variable in container.get("env", []):
                    if "value" in variable and SECRET_NAME.search(variable["name"]):
                        problems.append(f"{where}: {variable['name']} has a value")
                    if CREDENTIALS_IN_URL.search(str(variable.get("value", ""))):
                        problems.append(f"{where}: credentials in {variable['name']}")
    return problems


def _by_key(resources: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["kind"], r["metadata"]["name"]): r for r in resources}


def check_overlay(
    overlay: Path, *, binary: list[str] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    problems: list[str] = []
    ours = kustomize.build(overlay)
    resources = ours
    if binary:
        theirs = kustomize.build_with_binary(overlay, binary)
        if _by_key(theirs) != _by_key(ours):
            differing = sorted(
                key
                for key in set(_by_key(theirs)) | set(_by_key(ours))
                if _by_key(theirs).get(key) != _by_key(ours).get(key)
            )
            problems.append(f"the Python equivalent differs from {' '.join(binary)}: {differing}")
        resources = theirs
    for resource in resources:
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(
                f"{resource['kind']}/{resource['metadata']['name']}: {error.message} "
                f"at {'.'.join(str(p) for p in error.path)}"
            )
    problems.extend(secret_values(resources))
    return resources, problems


def main() -> int:
    binary = kustomize.kustomize_binary()
    print(f"k8s: building with {' '.join(binary) if binary else 'the Python equivalent'}")
    failed = False
    for overlay in OVERLAYS:
        resources, problems = check_overlay(overlay, binary=binary)
        for problem in problems:
            print(f"k8s: {overlay.name}: {problem}")
        failed = failed or bool(problems)
        print(f"k8s: {overlay.name}: {len(resources)} resources, {len(problems)} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
