# Squashed by hand: the state of
# 0001_initial + 0002_append_only + 0003_hash_unique_constraint in one step, so that a new département's schema
# is created without indexes that the later migration drops (each one costs every schema a file
# and a sync). Databases that already applied 0001_initial apply the rest instead.

import django.utils.timezone
from importlib import import_module

from django.db import migrations, models

# The append-only trigger, as 0002 creates it (one definition of its SQL).
_append_only = import_module("parcours.audit.migrations.0002_append_only")


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('audit', '0001_initial'),
        ('audit', '0002_append_only'),
        ('audit', '0003_hash_unique_constraint'),
    ]

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occurred_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('actor_id', models.BigIntegerField(blank=True, null=True)),
                ('actor_role', models.CharField(blank=True, max_length=32)),
                ('action', models.CharField(max_length=64)),
                ('object_type', models.CharField(blank=True, max_length=64)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('reason', models.TextField(blank=True)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'ordering': ['id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object_idx')],
            },
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('hash',), name='audit_hash_uniq'),
        ),
        migrations.RunSQL(_append_only.APPEND_ONLY, _append_only.DROP),
    ]
