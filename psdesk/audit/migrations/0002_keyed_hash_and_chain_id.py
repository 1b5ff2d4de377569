"""Rows written before this migration keep their plain SHA-256 (scheme 1) and stay verifiable;
every new row is an HMAC with the audit key (scheme 2). The chain head gets the id that names its
lines in the anchor file."""

from django.db import migrations, models

import psdesk.audit.models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="chain_id",
            field=models.CharField(default=psdesk.audit.models._chain_id, max_length=32),
        ),
        # Existing rows: scheme 1 (plain). Then the model's default for new rows: 2 (keyed).
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=1, help_text="1 plain SHA-256 (older rows), 2 keyed HMAC"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="scheme",
            field=models.PositiveSmallIntegerField(default=2, help_text="1 plain SHA-256 (older rows), 2 keyed HMAC"),
        ),
    ]
