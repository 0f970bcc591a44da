"""The uploads page: import a products/customers/orders/reviews/events file and read the
importer's report. A refused file lists every problem by row (CSV line) and field, and nothing
is written. Big files can go to the `host.import` background job instead. Owners only.
"""

from __future__ import annotations

from flask import flash, redirect, url_for

from shopwright.host.admin.core import admin, owner_only, render, shop_id, user
from shopwright.host.admin.forms import UploadForm
from shopwright.host.importers import import_file
from shopwright.host.importers.jobs import queue_import
from shopwright.host.state import current_state


@admin.route("/uploads", methods=["GET", "POST"])
@owner_only
def uploads():
    form = UploadForm()
    if not form.validate_on_submit():
        return render("uploads.html", 422 if form.is_submitted() else 200, form=form, report=None)
    upload = form.file.data
    data, filename = upload.read(), upload.filename or "upload"
    if form.background.data:
        return _queue(form.kind.data, filename, data)
    report = import_file(current_state(), shop_id(), form.kind.data, filename, data)
    return render("uploads.html", 200 if report.ok else 422, form=UploadForm(formdata=None, kind=form.kind.data),
                  report=report, filename=filename)


def _queue(kind: str, filename: str, data: bytes):
    job_id = queue_import(current_state(), shop_id(), kind, filename, data, created_by=user().actor)
    flash(f"{filename} is queued for import as job {job_id}.", "success")
    return redirect(url_for("admin.jobs_detail", job_id=job_id))
