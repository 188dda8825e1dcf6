"""Tile claims: among concurrent jobs of one scene, each missing tile is rendered by one run.

Two combinations share every tile their differing layers do not touch; when both are
rendered at once, the first run to claim a tile (an atomic cache ``add``) renders it
and the other waits for it to enter the index. A claim lives for the stale period and
is refreshed by its run's heartbeat, so a dead run's claims lapse as its job does.
Without a shared cache (Redis away, or the in-process cache of the embedded mode
across processes), every run renders what it misses: a duplicate write of a
content-addressed tile is wasted work, never a wrong pixel.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from panoconfig.errors import CACHE_ERRORS

logger = logging.getLogger(__name__)
PREFIX = "tile-claim:"


def _timeout():
    return settings.PANOCONFIG_RENDER_STALE_SECONDS


def claim(keys, token):
    """The subset of ``keys`` this run now owns (its own earlier claims included)."""
    owned = set()
    try:
        for key in keys:
            name = PREFIX + key
            if cache.add(name, token, _timeout()) or cache.get(name) == token:
                owned.add(key)
    except CACHE_ERRORS as error:
        logger.warning("tile claims unavailable (%s): rendering every missing tile", error)
        return set(keys)
    return owned


def refresh(keys, token):
    if not keys:
        return
    try:
        cache.set_many({PREFIX + key: token for key in keys}, _timeout())
    except CACHE_ERRORS as error:
        logger.warning("tile claims not refreshed: %s", error)


def release(keys):
    if not keys:
        return
    try:
        cache.delete_many([PREFIX + key for key in keys])
    except CACHE_ERRORS as error:
        logger.warning("tile claims not released: %s", error)
