"""The API's throttles, counted across every host and by an address a client cannot forge.

DRF's throttles keep their counters in the default cache, whose keys carry the schema: the
same guesses could go to 101 département hosts, each with its own allowance. These count in
the `global` cache alias, shared by every host. The address is `REMOTE_ADDR` unless
`TRUSTED_PROXY_COUNT` proxies sit in front (settings `NUM_PROXIES`): an `X-Forwarded-For`
header is otherwise whatever the client wrote, and rewriting it reset the limit.
"""

from __future__ import annotations

from typing import cast

from django.core.cache import BaseCache, caches
from django.utils.connection import ConnectionProxy
from rest_framework import throttling

# A proxy, not the cache object: the alias is looked up at each use (tests reconfigure it).
global_cache = cast(BaseCache, ConnectionProxy(caches, "global"))


class AnonRateThrottle(throttling.AnonRateThrottle):
    cache = global_cache


class UserRateThrottle(throttling.UserRateThrottle):
    cache = global_cache


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    cache = global_cache
