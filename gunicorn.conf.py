"""gunicorn's settings for the company-scale deployment: `gunicorn simulator.wsgi:application`.

gunicorn reads this file from the working directory. Each setting can be overridden on the command
line or through the environment variables named below.

Workers are gevent workers: one process per core serves many keep-alive connections, so the
autosaves that arrive together in a process are written in one statement by its group committer
(simulator/groupcommit.py), and each request takes its database connection from a per-process
pool (DATABASE_POOL), since a request's greenlet does not outlive it.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
workers = int(os.environ.get("GUNICORN_WORKERS", len(os.sched_getaffinity(0))))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", 1000))
keepalive = 5
graceful_timeout = 10
backlog = 2048


def _gevent(worker) -> bool:
    return worker.cfg.worker_class_str == "gevent"


def post_fork(server, worker):
    # Runs in the new worker before it loads the application, so the settings see these.
    if _gevent(worker):
        os.environ.setdefault("AUTOSAVE_GROUP_COMMIT", "true")
        os.environ.setdefault("DATABASE_POOL", "true")


def post_worker_init(worker):
    # The application is loaded: freeze what it allocated so the cyclic garbage collector stops
    # scanning it; a full collection over Django's import graph stalls every request in the process.
    gc.freeze()


def post_request(worker, req, environ, resp):
    # A gevent worker only switches between connections when one waits; a client whose next request
    # is already in the socket would be served again and again while the others wait. Yield after
    # each response so the connections of a process take turns.
    if _gevent(worker):
        import gevent

        gevent.sleep(0)
