"""Gunicorn access log as one JSON object per request (set by gunicorn.conf.py)."""

import json
from datetime import datetime, timezone

from gunicorn.glogging import Logger


def access_entry(*, status, environ, response_headers, request_time, sent):
    headers = {name.lower(): value for name, value in response_headers}
    return {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "type": "access",
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "query": environ.get("QUERY_STRING") or None,
        "status": int(str(status).split(None, 1)[0]),
        "bytes": sent,
        "duration_ms": round(request_time.total_seconds() * 1000, 2),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "request_id": headers.get("x-request-id"),
    }


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        entry = access_entry(
            status=resp.status,
            environ=environ,
            response_headers=resp.headers,
            request_time=request_time,
            sent=getattr(resp, "sent", None),
        )
        self.access_log.info(json.dumps(entry, ensure_ascii=False))
