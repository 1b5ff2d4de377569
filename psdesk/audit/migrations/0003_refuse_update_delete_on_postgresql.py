"""On PostgreSQL the database itself refuses UPDATE and DELETE of audit rows: a trigger raises
before any such statement touches a row, whoever runs it (the app, a console, a migration).
TRUNCATE is left to the table owner (Django's test flush needs it); run the application under a
role that does not own the table to take that away too. SQLite has no such trigger; there the ORM
refuses (`AuditEventQuerySet`) and `audit verify` with the anchor detects the change."""

from typing import Any

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION psdesk_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: % on audit_auditevent refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS psdesk_audit_append_only ON audit_auditevent;
CREATE TRIGGER psdesk_audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION psdesk_audit_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS psdesk_audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS psdesk_audit_refuse_change();
"""


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL (a no-op elsewhere)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_keyed_hash_and_chain_id"),
    ]

    operations = [PostgreSQLOnly(FORWARD, BACKWARD)]
