# The DPO's search of the trail (tenants/privacy/trail.py) filters by account, by the start of
# an event kind and by period; the person's file already has audit_object_idx.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_hash_unique_constraint'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['actor_id', 'id'], name='audit_actor_idx'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action'], name='audit_action_idx'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['occurred_at'], name='audit_occurred_idx'),
        ),
    ]
