"""access: API key revocation and sign-in attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

API keys record when and by whom they were revoked. Sign-in throttling moved from counters on
the account row (`failed_logins`, `locked_until`: one lock for everyone, the owner included) to
counters shared by the server processes (host.limitstore); what stays in the database is what the
owner is told: failed and refused sign-ins per account and address since the last successful one.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_keys') as batch:
        batch.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('revoked_by', sa.String(length=254), nullable=False, server_default=''))
    with op.batch_alter_table('admin_users') as batch:
        batch.add_column(sa.Column('last_sign_in_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('sign_in_notice', sa.JSON(), nullable=True))
        batch.drop_column('failed_logins')
        batch.drop_column('locked_until')
    op.create_table(
        'sign_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('admin_user_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('refused', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('first_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['admin_user_id'], ['admin_users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('admin_user_id', 'address'),
    )
    with op.batch_alter_table('sign_in_failures') as batch:
        batch.create_index(batch.f('ix_sign_in_failures_admin_user_id'), ['admin_user_id'], unique=False)
        batch.create_index(batch.f('ix_sign_in_failures_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    op.drop_table('sign_in_failures')
    with op.batch_alter_table('admin_users') as batch:
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch.drop_column('sign_in_notice')
        batch.drop_column('last_sign_in_at')
    with op.batch_alter_table('api_keys') as batch:
        batch.drop_column('revoked_by')
        batch.drop_column('revoked_at')
