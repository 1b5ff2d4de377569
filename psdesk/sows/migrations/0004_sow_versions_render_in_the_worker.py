from django.db import migrations, models

STATES = [("rendering", "Rendering"), ("ready", "Ready"), ("failed", "Failed")]


class Migration(migrations.Migration):
    """SOW versions' DOCX and PDF render in the worker; versions stored before were rendered (ready)."""

    dependencies = [
        ("branding", "0004_rendered_document_in_the_worker"),
        ("sows", "0003_esignature_and_vendor_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="sowversion",
            name="render_state",
            field=models.CharField(choices=STATES, default="ready", max_length=16),
        ),
        migrations.AlterField(
            model_name="sowversion",
            name="render_state",
            field=models.CharField(choices=STATES, default="rendering", max_length=16),
        ),
        migrations.AddField(model_name="sowversion", name="render_error", field=models.TextField(blank=True)),
        migrations.AddField(
            model_name="sowversion", name="rendered_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AlterField(
            model_name="sowversion", name="docx", field=models.FileField(blank=True, upload_to="sows/versions/")
        ),
        migrations.AlterField(
            model_name="sowversion", name="docx_sha256", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AlterField(
            model_name="sowversion", name="pdf", field=models.FileField(blank=True, upload_to="sows/versions/")
        ),
        migrations.AlterField(
            model_name="sowversion", name="pdf_sha256", field=models.CharField(blank=True, max_length=64)
        ),
    ]
