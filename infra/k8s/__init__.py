"""Kubernetes manifests of the platform (kustomize: base/ and overlays/<environment>/)."""
