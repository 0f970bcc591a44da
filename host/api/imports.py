"""/imports/<kind>: upload a CSV/JSON file of products, customers, orders, reviews or events.

Small files are imported while the request waits and answer the importer's report (422 with the
row-level errors when any row is rejected). `?background=1` saves the upload in the shop's
uploads folder and queues the `host.import` job instead (`shopwright.host.importers.jobs.queue_import`),
answering 202 with the job; the answer names the file as sent, never where the server keeps it.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import require_scope
from shopwright.host.api.errors import ApiError
from shopwright.host.api.routing import api, operation
from shopwright.host.importers.jobs import queue_import
from shopwright.host.jobs import JobError
from shopwright.host.serialize import job_dict
from shopwright.host.state import current_state

TAG = "imports"
KIND_SCOPES = {"products": "write:catalog", "customers": "write:customers", "orders": "write:orders",
               "reviews": "write:reviews", "events": "write:events"}


def _upload(query: dict[str, Any]) -> tuple[str, bytes]:
    """(filename, bytes) from a multipart `file` field or a raw body with ?filename=."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ApiError(400, "send the file in a multipart field named `file`", fields={"file": ["required"]})
        return upload.filename, upload.read()
    if not query.get("filename"):
        raise ApiError(400, "a raw upload needs ?filename= (its extension picks the format)",
                       fields={"filename": ["required for a raw body"]})
    return query["filename"], request.get_data()


@api.post("/imports/<kind>")
@operation("Import a file", tag=TAG, scope=None, query=s.ImportQuery,
           responses={200: s.ImportReportOut, 202: s.JobAccepted, 403: "the key lacks write:<area> of the kind",
                      404: "unknown kind", 413: "file too large", 422: "rows rejected; see error.report"})
def import_upload(kind: str, query: dict[str, Any]):
    """Scopes: products → write:catalog, customers → write:customers, orders → write:orders,
    reviews → write:reviews, events → write:events. Multipart field `file`, or a raw body."""
    if kind not in KIND_SCOPES:
        raise ApiError(404, f"unknown import kind {kind!r}; known: {', '.join(KIND_SCOPES)}")
    key = require_scope(KIND_SCOPES[kind])
    filename, data = _upload(query)
    if query["background"]:
        return _queue(key, kind, filename, data)
    try:
        from shopwright.host.importers import import_file
    except ImportError as exc:
        raise ApiError(501, f"imports are not available on this server: {exc}") from exc
    report = import_file(current_state(), key.shop_id, kind, filename, data)
    if not report.ok:
        raise ApiError(422, "some rows were rejected", extra={"report": report.as_dict()})
    return jsonify({"report": report.as_dict()})


def _queue(key, kind: str, filename: str, data: bytes):
    try:
        job_id = queue_import(current_state(), key.shop_id, kind, filename, data, created_by=f"api:{key.name}")
    except JobError as exc:
        raise ApiError(exc.status, str(exc)) from exc
    return jsonify({"job": job_dict(current_state().jobs.get(key.shop_id, job_id))}), 202
