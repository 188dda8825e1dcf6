from urllib.parse import urlsplit

from django.core.exceptions import ValidationError


def validate_origin(value):
    """An origin is scheme://host[:port], nothing more: no path, query, user or wildcard."""
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError for a malformed port
    except ValueError:
        raise ValidationError("Enter an origin such as https://showroom.example.com.") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "*" in value
        or parts.path not in ("",)
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
        or value != value.strip()
    ):
        raise ValidationError(
            "Enter an origin such as https://showroom.example.com (scheme and host, optional port, no path)."
        )
