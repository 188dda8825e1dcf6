"""Services for per-tenant API keys: create (the only time the key is visible), revoke, check.

A key reads `pcfg_<prefix>_<secret>`: the prefix is stored in clear so staff can tell
keys apart; the whole key is stored only as its SHA-256 digest. The secret carries
256 bits, so a plain (unsalted) digest is enough: there is nothing to guess.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tenants.models import TenantApiKey

KEY_PATTERN = re.compile(r"^pcfg_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$")
_LAST_USED_GRANULARITY = timedelta(minutes=5)


def api_key_digest(raw_key):
    return hashlib.sha256(raw_key.encode("ascii")).hexdigest()


def _new_raw_key():
    prefix = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
    return prefix, f"pcfg_{prefix}_{secrets.token_urlsafe(32)}"


def api_key_assign_secret(*, api_key):
    """Give an unsaved key its prefix and digest; returns the raw key (never stored)."""
    prefix, raw_key = _new_raw_key()
    api_key.prefix = prefix
    api_key.key_digest = api_key_digest(raw_key)
    return raw_key


@transaction.atomic
def api_key_create(*, tenant, name):
    """Returns (api_key, raw_key). The raw key is never stored: show it once."""
    api_key = TenantApiKey(tenant=tenant, name=name)
    raw_key = api_key_assign_secret(api_key=api_key)
    api_key.save()
    return api_key, raw_key


def api_key_revoke(*, api_key):
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_find_active(*, raw_key):
    """The active key matching raw_key, or None. Touches last_used_at at most every 5 minutes."""
    if not raw_key or not KEY_PATTERN.match(raw_key):
        return None
    api_key = (
        TenantApiKey.objects.select_related("tenant")
        .filter(key_digest=api_key_digest(raw_key), revoked_at__isnull=True, tenant__is_active=True)
        .first()
    )
    if api_key is not None:
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > _LAST_USED_GRANULARITY:
            TenantApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
