"""The host's "host.import" background job: import a file uploaded to the instance folder.

Params: ``{"kind": "products", "filename": "catalogue.csv", "path": "uploads/abc.csv"}``. `path`
is relative to the shop's folder under the instance's ``uploads/<shop id>`` directory (or absolute inside it); anything
resolving outside that directory is refused. The upload is deleted once imported; a failed
import keeps it and fails the job with the report's summary, the full report (every row error)
being stored as the job's result for the job page.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import update

from host.importers import ImportFailed, ImportReport, import_file
from host.models import Job

if TYPE_CHECKING:
    from host.app import AppState
    from host.jobs import JobQueue, JobRun

log = logging.getLogger("shopwright.importers")
JOB_TYPE = "host.import"


def register_import_job(jobs: JobQueue, state: AppState) -> None:
    """Register "host.import" with the app's job queue; `state` is the app's `AppState`."""

    def run_import(job: JobRun) -> dict:
        path = upload_path(state.config["INSTANCE_PATH"], job.shop_id, job.params.get("path", ""))
        kind = job.params.get("kind", "")
        report = import_file(state, job.shop_id, kind, job.params.get("filename") or path.name,
                             path.read_bytes(), progress=job.progress)
        if not report.ok:
            log.warning("import job %s failed: %s", job.id, report.as_dict())
            keep_report(state, job.id, report)
            raise ImportFailed(report)
        path.unlink(missing_ok=True)
        return report.as_dict()

    jobs.register(JOB_TYPE, run_import, title="Import a file")


def keep_report(state: AppState, job_id: int, report: ImportReport) -> None:
    """Store a refused import's report as the job's result (the job then fails with its summary),
    so the job page lists the same row errors as the uploads page."""
    with state.db.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(result=report.as_dict()))


def refused_report(job: Job) -> dict | None:
    """The row-level report of an import job that failed because its file was refused, or None
    (any other job, or one whose latest attempt failed otherwise)."""
    refused = job.type == JOB_TYPE and job.status == "failed" and (job.error or "").startswith("ImportFailed:")
    result = job.result if refused else None
    if isinstance(result, dict) and result.get("ok") is False and isinstance(result.get("errors"), list):
        return result
    return None


def shop_uploads(instance_path: str, shop_id: int) -> Path:
    """Each shop's uploads live apart, so one shop's job can never read another's file."""
    return Path(instance_path) / "uploads" / str(shop_id)


def upload_path(instance_path: str, shop_id: int, given: str) -> Path:
    uploads = shop_uploads(instance_path, shop_id).resolve()
    path = (uploads / given).resolve()  # an absolute `given` replaces `uploads` here
    if not given or not path.is_relative_to(uploads) or path == uploads:
        raise ValueError(f"import path {given!r} is not a file in the uploads folder")
    if not path.is_file():
        raise FileNotFoundError(f"no uploaded file {given!r} (was it imported already?)")
    return path
