from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    VendorProfile = apps.get_model("branding", "VendorProfile")
    if not VendorProfile.objects.exists():
        VendorProfile.objects.create()


class Migration(migrations.Migration):
    dependencies = [("branding", "0001_vendor_profile")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
