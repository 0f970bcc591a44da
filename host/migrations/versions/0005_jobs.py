"""jobs: the job_live table for running jobs' progress, heartbeat and cancel request

Job liveness (progress, message, heartbeat, cancel request) lives in `host.joblive`'s `job_live`
table, one row per running job, so that a job's own long transaction never blocks it. On
PostgreSQL the rows are written here, in the shop's database (row locks keep them apart from an
import's transaction). On SQLite they go to a scratch file of its own next to the database, which
`host.joblive` creates; the table is made here too so that the schema is the same on every engine
and matches the models (it stays empty there). Import uploads are named relative to the shop's
uploads folder in the job's JSON params, and a resumed description job reads its stored drafts:
neither needs a column.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table('job_live'):
        return  # an earlier build of this revision had the app create it at start-up
    op.create_table(
        'job_live',
        sa.Column('job_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('worker', sa.String(length=100), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('job_id'),
    )


def downgrade() -> None:
    op.drop_table('job_live')
