"""On PostgreSQL, a trigram index makes substring search over millions of log lines fast. It is on
upper(message) because Django's icontains compares UPPER(message) LIKE UPPER(pattern).

SQLite has no such index; its LIKE scan over one scenario's lines is fast enough on a laptop.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS scenarios_logline_message_trgm "
        "ON scenarios_logline USING gin (upper(message) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS scenarios_logline_message_trgm")


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0002_log_lines_and_view_payload")]
    operations = [migrations.RunPython(forwards, backwards)]
