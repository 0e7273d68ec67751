from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commission", "0003_lawful_avis"),
    ]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="ended_on",
            field=models.DateField(
                blank=True,
                help_text="first day the member no longer sits (mandate ended early)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("resignation", "Démission"),
                    ("death", "Décès"),
                    ("change_of_post", "Changement de fonctions"),
                    ("other", "Autre motif"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
    ]
