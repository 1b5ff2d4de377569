"""US PubSec memberships that expire, the access policy (four-eyes, membership days), API token expiry."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seed_access_policy_and_memberships(apps, schema_editor):  # noqa: ARG001 — the migration signature
    """The default access policy, and a membership record expiring in the policy's days for every
    holder of the US PubSec role that has none (so each membership expires and is recertified)."""
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415 — kept inside the seed, which also reruns after flush

    AccessPolicy = apps.get_model("accounts", "AccessPolicy")
    PubSecMembership = apps.get_model("accounts", "PubSecMembership")
    User = apps.get_model("auth", "User")
    policy = AccessPolicy.objects.first() or AccessPolicy.objects.create()
    now = datetime.now(UTC)
    for user in User.objects.filter(groups__name="us_public_sector", pubsec_membership__isnull=True):
        PubSecMembership.objects.create(
            user=user, granted_at=now, expires_at=now + timedelta(days=policy.pubsec_membership_days)
        )



class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pubsec_four_eyes', models.BooleanField(default=True, help_text='granting PubSec access needs a second approver (PS Ops Manager or PS Leadership) besides the first PS Ops Manager; nobody ever decides their own request')),
                ('pubsec_membership_days', models.PositiveIntegerField(default=180, help_text='a granted or renewed membership expires after this many days')),
                ('pubsec_review_warning_days', models.PositiveIntegerField(default=30, help_text='the recertification page lists memberships expiring within this many days as due')),
            ],
            options={
                'verbose_name_plural': 'access policy',
            },
        ),
        migrations.AlterModelOptions(
            name='profile',
            options={'permissions': [('grant_pubsec', 'Grant or revoke US Public Sector access'), ('confirm_pubsec', 'Give the second approval of a US Public Sector access grant')]},
        ),
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(blank=True, help_text='refused (401) from this time on; empty: no expiry', null=True),
        ),
        migrations.CreateModel(
            name='PubSecMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('granted_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('granted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('second_approver', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='pubsec_membership', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'US PubSec membership',
                'ordering': ['expires_at', 'id'],
            },
        ),
        migrations.RunPython(seed_access_policy_and_memberships, migrations.RunPython.noop),
    ]

