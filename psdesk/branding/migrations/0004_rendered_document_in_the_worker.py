import psdesk.core.clock
from django.db import migrations, models


class Migration(migrations.Migration):
    """Documents render in the worker: a row per (content hash, format) with its state; rows stored
    before this were rendered PDFs (state ready)."""

    dependencies = [
        ("branding", "0003_rendered_document"),
    ]

    operations = [
        migrations.RenameField("rendereddocument", "pdf", "file"),
        migrations.RenameField("rendereddocument", "pdf_sha256", "sha256"),
        migrations.AlterField(
            model_name="rendereddocument", name="file", field=models.FileField(blank=True, upload_to="documents/")
        ),
        migrations.AlterField(
            model_name="rendereddocument", name="sha256", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AlterField(
            model_name="rendereddocument", name="content_hash", field=models.CharField(max_length=64)
        ),
        migrations.AlterField(
            model_name="rendereddocument", name="rendered_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="fmt",
            field=models.CharField(choices=[("pdf", "PDF"), ("docx", "DOCX")], default="pdf", max_length=8),
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="state",
            field=models.CharField(
                choices=[("rendering", "Rendering"), ("ready", "Ready"), ("failed", "Failed")],
                default="ready",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="rendereddocument",
            name="state",
            field=models.CharField(
                choices=[("rendering", "Rendering"), ("ready", "Ready"), ("failed", "Failed")],
                default="rendering",
                max_length=16,
            ),
        ),
        migrations.AddField(model_name="rendereddocument", name="error", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="rendereddocument", name="source", field=models.JSONField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="rendereddocument",
            name="requested_at",
            field=models.DateTimeField(default=psdesk.core.clock.now),
        ),
        migrations.AlterModelOptions(name="rendereddocument", options={"ordering": ["-requested_at", "-id"]}),
        migrations.AddConstraint(
            model_name="rendereddocument",
            constraint=models.UniqueConstraint(fields=("content_hash", "fmt"), name="rendered_document_once"),
        ),
    ]
