"""The host's "host.import" background job: import a file uploaded to the shop's uploads folder.

`queue_import` saves the upload under ``<instance>/uploads/<shop id>/`` with a random name and
queues the job with ``{"kind": "products", "filename": "catalogue.csv", "upload": "<name>"}``:
the upload's name inside that folder, never a server path (API answers and job pages show
`filename`, see `shopwright.host.serialize.job_params`). Jobs queued before this carry ``"path"`` instead,
absolute or relative to the same folder; they still run. Anything resolving outside the shop's
folder is refused.

An import is all or nothing, so a crashed attempt left nothing behind and is simply run again
(the job gets the queue's usual attempts). The import's report is written to the job's row inside
the import's own transaction, so an attempt that crashed after the commit (before the job was
marked done) is not imported again: the retry finds the report and finishes with it.

A refused file is `ImportFailed`, a `PermanentError`: the job fails at once with the report's
summary, the full report (every row error) being stored as the job's result for the job page,
and the upload is kept. The upload is deleted once imported.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from werkzeug.utils import secure_filename

from shopwright.host.importers import ImportFailed, ImportReport, import_file
from shopwright.host.jobs import JobError, PermanentError
from shopwright.host.models import Job

if TYPE_CHECKING:
    from shopwright.host.jobs import JobQueue, JobRun
    from shopwright.host.state import AppState

log = logging.getLogger("shopwright.importers")
JOB_TYPE = "host.import"


class UploadMissing(PermanentError):
    """The job's upload is not (or no longer) a file in the shop's uploads folder."""


def queue_import(state: AppState, shop_id: int, kind: str, filename: str, data: bytes, created_by: str) -> int:
    """Save an upload and queue its import; returns the job id. Raises JobError (nothing kept)."""
    folder = shop_uploads(state.config["INSTANCE_PATH"], shop_id)
    folder.mkdir(parents=True, exist_ok=True)
    # A random prefix: uploads never overwrite each other, and the name cannot climb out of the folder.
    path = folder / f"{uuid.uuid4().hex}-{secure_filename(filename) or 'upload'}"
    path.write_bytes(data)
    try:
        return state.jobs.enqueue(shop_id, JOB_TYPE, {"kind": kind, "filename": filename, "upload": path.name},
                                  created_by=created_by)
    except JobError:
        path.unlink(missing_ok=True)
        raise


def register_import_job(jobs: JobQueue, state: AppState) -> None:
    """Register "host.import" with the app's job queue; `state` is the app's `AppState`."""

    def run_import(job: JobRun) -> dict:
        given = job.params.get("upload") or job.params.get("path") or ""
        committed = committed_report(state, job.id)
        if committed is not None:  # an earlier attempt imported the file, then its process died
            (shop_uploads(state.config["INSTANCE_PATH"], job.shop_id) / Path(given).name).unlink(missing_ok=True)
            return committed
        path = upload_path(state.config["INSTANCE_PATH"], job.shop_id, given)
        report = import_file(state, job.shop_id, job.params.get("kind", ""), job.params.get("filename") or path.name,
                             read_upload(path), progress=watching(job), on_written=noting(job.id))
        if not report.ok:
            log.warning("import job %s failed: %s", job.id, report.as_dict())
            keep_report(state, job.id, report)
            raise ImportFailed(report)
        path.unlink(missing_ok=True)
        return report.as_dict()

    jobs.register(JOB_TYPE, run_import, title="Import a file")


def watching(job: JobRun):
    """The importer's progress callback: reports progress and stops a cancelled import (its
    transaction is rolled back, so nothing is written)."""

    def progress(done: int, total: int, message: str) -> None:
        job.progress(done, total, message)
        job.check_cancelled()

    return progress


def noting(job_id: int):
    """Writes the report to the job's row inside the import's transaction (see the docstring)."""

    def on_written(session, report: ImportReport) -> None:
        session.execute(update(Job).where(Job.id == job_id).values(result=report.as_dict()))

    return on_written


def committed_report(state: AppState, job_id: int) -> dict | None:
    """The report an earlier attempt of this job committed with its rows, or None."""
    with state.db.session() as session:
        result = session.scalar(select(Job.result).where(Job.id == job_id))
    return result if isinstance(result, dict) and result.get("ok") is True else None


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
    """The upload's file; errors name no server path (they end up in the job's error)."""
    uploads = shop_uploads(instance_path, shop_id).resolve()
    path = (uploads / given).resolve()  # an absolute `given` (an older job's) replaces `uploads` here
    if not given or not path.is_relative_to(uploads) or path == uploads:
        raise UploadMissing("the import's file is not in this shop's uploads folder")
    if not path.is_file():
        raise UploadMissing("the uploaded file is gone (was it imported already?)")
    return path


def read_upload(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:  # its message would name the server path
        raise UploadMissing(f"the uploaded file cannot be read ({exc.strerror or type(exc).__name__})") from exc
