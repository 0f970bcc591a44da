"""/jobs: background work for the key's shop: list and follow, queue, cancel, retry."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from shopwright.host.api import schemas as s
from shopwright.host.api.auth import current_key
from shopwright.host.api.errors import ApiError
from shopwright.host.api.routing import api, operation
from shopwright.host.jobs import JobError
from shopwright.host.serialize import job_dict
from shopwright.host.state import current_state

TAG = "jobs"


def _job_error(exc: JobError) -> ApiError:
    return ApiError(exc.status, str(exc))


@api.get("/jobs")
@operation("List jobs, newest first", tag=TAG, scope="read:jobs", query=s.JobQuery, responses={200: s.JobPage})
def list_jobs(query: dict[str, Any]):
    jobs = current_state().jobs.list(current_key().shop_id, query.get("status"), query["limit"] + 1, query["offset"])
    more = len(jobs) > query["limit"]
    return jsonify({"items": [job_dict(j) for j in jobs[: query["limit"]]], "limit": query["limit"],
                    "offset": query["offset"], "more": more})


@api.get("/jobs/<int:job_id>")
@operation("Get a job and its progress", tag=TAG, scope="read:jobs", responses={200: s.JobOut, 404: "no such job"})
def get_job(job_id: int):
    try:
        return jsonify(job_dict(current_state().jobs.get(current_key().shop_id, job_id)))
    except JobError as exc:
        raise _job_error(exc) from exc


@api.post("/jobs")
@operation("Queue a job", tag=TAG, scope="write:jobs", body=s.JobIn,
           responses={202: s.JobOut, 409: "its plugin is not enabled for this shop", 422: "unknown job type"})
def queue_job(body: dict[str, Any]):
    key = current_key()
    _check_runnable(key.shop_id, body["type"])
    try:
        job_id = current_state().jobs.enqueue(key.shop_id, body["type"], body["params"],
                                      max_attempts=body.get("max_attempts"), created_by=f"api:{key.name}")
    except JobError as exc:
        raise _job_error(exc) from exc
    return jsonify(job_dict(current_state().jobs.get(key.shop_id, job_id))), 202


def _check_runnable(shop_id: int, job_type: str) -> None:
    # A plugin's job would fail at run time for a shop that has not enabled the plugin.
    known = current_state().jobs.types.get(job_type)
    if known is None:
        raise ApiError(422, f"unknown job type {job_type!r}", fields={"type": ["unknown job type"]},
                       extra={"known": sorted(current_state().jobs.types)})
    if known.plugin and known.plugin not in current_state().lifecycle.enabled(shop_id):
        raise ApiError(409, f"plugin {known.plugin} is not enabled for this shop")


@api.post("/jobs/<int:job_id>/cancel")
@operation("Cancel a queued or running job", tag=TAG, scope="write:jobs",
           responses={200: s.JobOut, 404: "no such job", 409: "the job has finished"})
def cancel_job(job_id: int):
    try:
        return jsonify(job_dict(current_state().jobs.cancel(current_key().shop_id, job_id)))
    except JobError as exc:
        raise _job_error(exc) from exc


@api.post("/jobs/<int:job_id>/retry")
@operation("Queue a failed or cancelled job again", tag=TAG, scope="write:jobs",
           responses={200: s.JobOut, 404: "no such job", 409: "the job has not failed"})
def retry_job(job_id: int):
    try:
        return jsonify(job_dict(current_state().jobs.retry(current_key().shop_id, job_id)))
    except JobError as exc:
        raise _job_error(exc) from exc
