"""The production runtime: the web (gunicorn), the Celery worker and beat, and what starts them.

One definition of each process (`programs.py`), used by `make run` (under the supervisor of
`supervisor.py`), by the container image (`python -m infra.runtime web|worker|beat|migrate`)
and by the Kubernetes manifests (`infra/k8s/`), so the demo runs what production runs.
"""
