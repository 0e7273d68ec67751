"""Recovery codes stored as keyed digests (accounts/mfa.py, recovery_digest), not in clear."""

from django.db import migrations

CLEAR_LENGTH = 10  # the codes issued in clear: 10 base32 characters; digests have 16


def digest_codes(apps, schema_editor):  # type: ignore[no-untyped-def]
    from parcours.accounts.mfa import recovery_digest

    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        if len(token.token) == CLEAR_LENGTH:
            token.token = recovery_digest(token.token)
            token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token_second_factor"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(digest_codes, migrations.RunPython.noop)]
