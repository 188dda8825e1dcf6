"""Copy the tile bucket to a folder (backup) or a folder to the bucket (restore).

    scripts/sync-bucket.sh backup DIR     # bucket -> DIR, only objects DIR lacks
    scripts/sync-bucket.sh restore DIR    # DIR -> bucket, only objects the bucket lacks

Tiles are content-addressed (a key never changes its bytes), so an object present on
both sides with the same size is skipped. Restored tiles get the immutable
Cache-Control header the app sets. R2_* variables as for the app.
"""

import argparse
import os
import sys
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from configure_r2_cors import s3_client  # noqa: E402

CACHE_CONTROL = "public, max-age=31536000, immutable"


def _safe_local_path(folder, key):
    # A key such as "../x" must never write outside the backup folder.
    parts = PurePosixPath(key).parts
    if not parts or any(part in ("..", "") for part in parts) or key.startswith("/"):
        raise ValueError(f"refusing object key {key!r}")
    return folder.joinpath(*parts)


def bucket_objects(client, bucket):
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"], item["Size"]


def backup(*, client, bucket, folder):
    copied = skipped = 0
    for key, size in bucket_objects(client, bucket):
        target = _safe_local_path(folder, key)
        if target.is_file() and target.stat().st_size == size:
            skipped += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        client.download_file(bucket, key, str(partial))
        partial.replace(target)
        copied += 1
    return copied, skipped


def _content_type(path):
    return {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}.get(
        path.suffix.lower(), "application/octet-stream"
    )


def restore(*, client, bucket, folder):
    present = dict(bucket_objects(client, bucket))
    copied = skipped = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".partial")):
        key = path.relative_to(folder).as_posix()
        if present.get(key) == path.stat().st_size:
            skipped += 1
            continue
        client.upload_file(
            str(path), bucket, key,
            ExtraArgs={"CacheControl": CACHE_CONTROL, "ContentType": _content_type(path)},
        )
        copied += 1
    return copied, skipped


def main(argv=None):
    parser = argparse.ArgumentParser(description="Back up or restore the tile bucket.")
    parser.add_argument("direction", choices=["backup", "restore"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    client = s3_client()
    bucket = os.environ["R2_BUCKET"]
    args.folder.mkdir(parents=True, exist_ok=True)
    run = backup if args.direction == "backup" else restore
    copied, skipped = run(client=client, bucket=bucket, folder=args.folder)
    print(f"{args.direction}: {copied} objects copied, {skipped} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
