"""The départements' PostgreSQL roles (departements/roles.py) for a database migrated before
they existed: the national role and one per provisioned département. Shared app only, so never
part of the script that provisioning replays into new schemas (role names depend on the
database)."""

from django.db import migrations


def roles_create(apps, schema_editor):  # type: ignore[no-untyped-def]
    from parcours.db_backend.base import roles_enabled
    from parcours.departements.roles import roles_sync

    if not roles_enabled() or schema_editor.connection.schema_name != "public":
        return
    Tenant = apps.get_model("departements", "Tenant")
    roles_sync(schema_names=list(Tenant.objects.values_list("schema_name", flat=True)))


class Migration(migrations.Migration):
    dependencies = [("departements", "0001_initial")]
    operations = [migrations.RunPython(roles_create, migrations.RunPython.noop)]
