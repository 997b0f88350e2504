"""Password hashing that cannot stall a process.

A password check is ~0.3 s of PBKDF2, all CPU. Under gunicorn's gevent workers it ran on the event
loop, so eight concurrent wrong logins (no account needed) held every other request of the worker,
autosaves included, for seconds. Here each hash runs in a real thread (gevent's thread pool, when
gevent is patched in; OpenSSL's PBKDF2 releases the GIL, so the loop keeps serving) and at most
PASSWORD_HASH_CONCURRENCY run at once per process: a burst of logins queues for the hasher
instead of taking every core.
"""

import threading

from django.conf import settings
from django.contrib.auth import hashers

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _semaphore() -> threading.BoundedSemaphore:
    # Made on first use, so it is gevent's own semaphore where gevent patched threading first.
    global _slots
    if _slots is None:
        with _slots_lock:
            if _slots is None:
                _slots = threading.BoundedSemaphore(settings.PASSWORD_HASH_CONCURRENCY)
    return _slots


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("threading")


def off_the_event_loop(function, *args):
    """Run a CPU-bound call with a bounded number of them at once, outside gevent's event loop."""
    with _semaphore():
        if _gevent_patched():
            import gevent

            return gevent.get_hub().threadpool.apply(function, args)
        return function(*args)


class BoundedPBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    """Django's PBKDF2 (same algorithm name, so stored hashes verify unchanged), run through
    off_the_event_loop. Verifying and Django's dummy hash for unknown users both call encode()."""

    def encode(self, password, salt, iterations=None):
        parent = super().encode
        return off_the_event_loop(lambda: parent(password, salt, iterations))
