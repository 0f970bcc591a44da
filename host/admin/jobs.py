"""The jobs page: every job of the shop with a live progress bar, cancel and retry; a detail
page with the result or error (a refused import: its row errors, as on the uploads page).
`admin.js` polls `/admin/jobs.json` (the page's job ids, one query) while any job on the page is
unfinished, and swaps a finished job's Cancel for Retry; without JavaScript the page shows the
values of the moment it was loaded.

Anyone signed in sees the shop's jobs; cancelling and retrying are for owners (a retried import
writes data). A job of another shop is "not found".
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for

from shopwright.host.admin.core import admin, owner_only, render, safe_next, shop_id
from shopwright.host.admin.dashboard import job_titles
from shopwright.host.importers.jobs import refused_report
from shopwright.host.jobs import JobError
from shopwright.host.models import Job
from shopwright.host.serialize import job_params
from shopwright.host.state import current_state

FINISHED = ("succeeded", "failed", "cancelled")
LISTED = 50


def percent(job: Job) -> int:
    return round(job.progress * 100)


def live_dict(job: Job) -> dict:
    """What the progress poller needs; kept small, it is fetched every second."""
    return {"id": job.id, "type": job.type, "status": job.status, "progress": round(job.progress, 4),
            "percent": percent(job), "message": job.message, "finished": job.status in FINISHED}


@admin.get("/jobs")
def jobs():
    listed = current_state().jobs.list(shop_id(), limit=LISTED)
    return render("jobs.html", jobs=listed, job_titles=job_titles(), percent=percent,
                  polling=any(job.status not in FINISHED for job in listed))


@admin.get("/jobs.json")
def jobs_json():
    """The latest jobs, or just `?id=3&id=9` (the ones a page shows), for the progress poller."""
    ids = request.args.getlist("id", type=int)[:LISTED]
    # Another shop's or a gone job is simply not listed.
    listed = current_state().jobs.find(shop_id(), ids) if ids else current_state().jobs.list(shop_id(), limit=LISTED)
    return jsonify({"jobs": [live_dict(job) for job in listed]})


@admin.get("/jobs/<int:job_id>")
def jobs_detail(job_id: int):
    job = _job(job_id)
    return render("job.html", job=job, title=job_titles().get(job.type, job.type), percent=percent,
                  polling=job.status not in FINISHED, report=refused_report(job), params=job_params(job))


@admin.post("/jobs/<int:job_id>/cancel")
@owner_only
def jobs_cancel(job_id: int):
    return _act(job_id, current_state().jobs.cancel, "Job {id} is cancelled (or stops at its next checkpoint).")


@admin.post("/jobs/<int:job_id>/retry")
@owner_only
def jobs_retry(job_id: int):
    return _act(job_id, current_state().jobs.retry, "Job {id} is queued again.")


def _job(job_id: int) -> Job:
    try:
        return current_state().jobs.get(shop_id(), job_id)
    except JobError as exc:
        abort(404, str(exc))


def _act(job_id: int, action, done: str):
    _job(job_id)  # another shop's job is "not found", not "cannot be cancelled"
    try:
        action(shop_id(), job_id)
    except JobError as exc:
        flash(str(exc), "error")
    else:
        flash(done.format(id=job_id), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("admin.jobs"))
