"""A plugin whose job dies mid-write on its first attempt, for the crash-recovery test."""

import os
import time
from decimal import Decimal
from pathlib import Path

from shopwright import PluginMeta, hookimpl
from shopwright.host.models import Product, Variant

plugin_meta = PluginMeta(name="crashy", version="1.0", permissions=("read:catalog",))


@hookimpl
def register_job_types(register):
    register("write_then_stall", write_then_stall)


def write_then_stall(job):
    marker = Path(job.params["marker"])
    db = job.ctx._db
    with db.session() as session:
        session.add(Product(shop_id=job.shop_id, handle=f"half-{job.attempt}", title="Half written",
                            variants=[Variant(shop_id=job.shop_id, sku=f"HALF-{job.attempt}", price=Decimal(1))]))
        session.flush()
        if job.attempt == 1:
            marker.write_text(str(os.getpid()))
            time.sleep(60)  # the test kills the process here, inside the open transaction
    job.progress(1, 1, "written")
    return {"attempt": job.attempt}


def stall_imports_midway(marker: Path, at_row: int = 1000) -> None:
    """Make this process's imports stop for good half-way through writing (rows flushed, the
    transaction open) once `marker` is written, so a test can kill the process right there."""
    from shopwright.host.importers import report

    original = report.Progress.step

    def step(self, phase: int, done: int) -> None:
        original(self, phase, done)
        if phase == 1 and done == at_row:
            marker.write_text(str(os.getpid()))
            time.sleep(120)

    report.Progress.step = step
