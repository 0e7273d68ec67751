"""gunicorn's configuration for the web (`python -m infra.runtime web`, `make run`).

Variables: PORT (8000), WEB_BIND (0.0.0.0), WEB_CONCURRENCY and WEB_THREADS (from the cores,
see sizing.py), WEB_TIMEOUT (60 s), FORWARDED_ALLOW_IPS (the proxies trusted for
X-Forwarded-*; none by default), PARCOURS_METRICS_PORT and PARCOURS_METRICS_BIND (the
Prometheus endpoint, on a port of its own, never the public one), PROMETHEUS_MULTIPROC_DIR
(where each process writes its metrics; required with more than one process).
"""

import gc
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for _source_root in (str(ROOT), str(ROOT / "platform")):
    if _source_root not in sys.path:
        # Appended, as manage.py does: `platform/` never shadows the standard library.
        sys.path.append(_source_root)

from infra.runtime import sizing  # noqa: E402

wsgi_app = "parcours.wsgi:application"
bind = [f"{os.environ.get('WEB_BIND', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"]  # noqa: S104
workers = sizing.web_workers()
threads = sizing.web_threads()
# One thread per process (the default): the sync worker, which takes a connection only when it
# is idle and closes it after the answer, so the kernel hands each new request to a free process.
# A gthread worker keeps accepting while it is busy and holds each keep-alive connection for
# good: on the 2-core benchmark machine, 8 clients' connections landed 5/2/1/0 on the four
# processes, and a run where most fell on one served 66 req/s with one core idle, against 110 to
# 133 for the sync worker (benchmarks/results/load.txt). Slow clients never reach it: pods take
# HTTP from ingress-nginx only (infra/k8s/base/networkpolicy.yaml), which buffers requests and
# answers, as gunicorn asks of the sync worker. With WEB_THREADS > 1, gthread serves the
# threads, keeping connections alive between a client's requests.
worker_class = "sync" if threads == 1 else "gthread"
keepalive = 5
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (staggered), which bounds any slow leak.
max_requests = 5000
max_requests_jitter = 500
# The heartbeat files live in memory: the root file system may be read-only in a container.
SHARED_MEMORY = "/dev/shm"  # noqa: S108
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "parcours-web"
# gunicorn's control socket (under $HOME) is not used: signals and Kubernetes manage the web.
control_socket_disable = True
# No access log: its lines carry query strings, which may hold what a person typed. Django
# writes one JSON line per request instead (route name, status, duration, request id, schema;
# parcours.observability.RequestLogMiddleware).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (workers booting, timeouts) in the platform's JSON format.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "parcours.observability.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {
                "handlers": ["console"],
                "level": loglevel.upper(),
                "propagate": False,
            }
        },
    }


def post_worker_init(worker: object) -> None:
    """Django is loaded: what it built at start-up (modules, URL patterns, models' metadata)
    lives as long as the worker, so the garbage collector stops walking it. A full collection
    otherwise traverses all of it again: 160 ms on the 2-core benchmark machine, a request
    held that long every few hundred, against some 6 ms once frozen."""
    gc.freeze()


def when_ready(server: object) -> None:
    """The metrics of every process of this pod, served by the master on their own port."""
    port = os.environ.get("PARCOURS_METRICS_PORT", "")
    if port:
        from parcours.metrics import serve_metrics

        serve_metrics(port=int(port), address=os.environ.get("PARCOURS_METRICS_BIND", "0.0.0.0"))  # noqa: S104


def child_exit(server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
