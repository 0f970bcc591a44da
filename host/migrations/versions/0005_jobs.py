"""jobs: progress and resumable work (no schema change)

Job liveness (progress, message, heartbeat, cancel request) went to `host.joblive`'s `job_live`
table, which that module creates itself where it belongs: in a SQLite file of its own next to a
SQLite shop database, or in a PostgreSQL shop database. Import uploads are named relative to the
shop's uploads folder in the job's JSON params, and a resumed description job reads its stored
drafts: neither needs a column. The revision stays so the chain has one head for everyone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
