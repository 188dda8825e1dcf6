"""Apply the tile bucket's CORS policy: GET and HEAD from the tenants' allowed origins.

    scripts/configure-r2-cors.sh                      # origins of every active tenant (database)
    scripts/configure-r2-cors.sh --origin https://showroom.example.com [--origin ...]
    scripts/configure-r2-cors.sh --dry-run            # print the policy, change nothing

The bucket and credentials come from R2_BUCKET, R2_ENDPOINT_URL, R2_ACCESS_KEY_ID,
R2_SECRET_ACCESS_KEY (and R2_REGION, default "auto"), as for the app. With no origin
at all the bucket's CORS policy is removed, so no other site can read tiles by script.
Run it again whenever a tenant's allowed origins change.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_AGE_SECONDS = 86400


def cors_policy(origins):
    return {
        "CORSRules": [
            {
                "AllowedOrigins": sorted(set(origins)),
                "AllowedMethods": ["GET", "HEAD"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": MAX_AGE_SECONDS,
            }
        ]
    }


def checked_origins(origins):
    from django.core.exceptions import ValidationError

    from tenants.validators import validate_origin

    for origin in origins:
        try:
            validate_origin(origin)
        except ValidationError:
            raise SystemExit(f"not an origin (scheme://host[:port]): {origin!r}") from None
    return list(origins)


def origins_from_db():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panoconfig.settings")
    import django

    django.setup()
    from tenants.models import AllowedOrigin

    return list(
        AllowedOrigin.objects.filter(tenant__is_active=True).values_list("origin", flat=True).distinct()
    )


def s3_client():
    import boto3

    missing = [n for n in ("R2_BUCKET", "R2_ENDPOINT_URL", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY") if not os.environ.get(n)]
    if missing:
        raise SystemExit(f"missing environment variables: {', '.join(missing)}")
    return boto3.client(
        "s3",
        endpoint_url=os.environ["R2_ENDPOINT_URL"],
        aws_access_key_id=os.environ["R2_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["R2_SECRET_ACCESS_KEY"],
        region_name=os.environ.get("R2_REGION") or "auto",
    )


def apply_cors(*, client, bucket, origins):
    """Put the policy (or remove it when there is no origin); returns what was applied."""
    if not origins:
        client.delete_bucket_cors(Bucket=bucket)
        return None
    policy = cors_policy(origins)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=policy)
    return policy


def main(argv=None):
    parser = argparse.ArgumentParser(description="Apply the tile bucket's CORS policy.")
    parser.add_argument("--origin", action="append", default=None, help="an allowed origin (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="print the policy and change nothing")
    args = parser.parse_args(argv)
    origins = checked_origins(args.origin if args.origin is not None else origins_from_db())
    if args.dry_run:
        print(json.dumps(cors_policy(origins) if origins else None, indent=2))
        return 0
    policy = apply_cors(client=s3_client(), bucket=os.environ["R2_BUCKET"], origins=origins)
    if policy is None:
        print(f"no allowed origin: CORS policy removed from {os.environ['R2_BUCKET']}")
    else:
        print(f"CORS on {os.environ['R2_BUCKET']}: GET, HEAD from {', '.join(policy['CORSRules'][0]['AllowedOrigins'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
