"""The production settings plus one benchmark-only URL (loadtest.urls); used by `make load` only."""

from panoconfig.settings import *  # noqa: F401,F403

ROOT_URLCONF = "loadtest.urls"
