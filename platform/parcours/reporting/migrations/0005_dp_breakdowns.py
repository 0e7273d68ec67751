# The noisy release gains the départements' breakdown cells: a figure names its dimension and
# category (empty for a total), and one cell is unique per release.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_commission_status"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="dpfigure",
            name="dp_figure_uniq",
        ),
        migrations.AlterModelOptions(
            name="dpfigure",
            options={"ordering": ["indicator", "dimension", "level", "code", "category"]},
        ),
        migrations.AddField(
            model_name="dpfigure",
            name="dimension",
            field=models.CharField(blank=True, help_text="empty for a total", max_length=40),
        ),
        migrations.AddField(
            model_name="dpfigure",
            name="category",
            field=models.CharField(blank=True, help_text="empty for a total", max_length=64),
        ),
        migrations.AddConstraint(
            model_name="dpfigure",
            constraint=models.UniqueConstraint(
                fields=("release", "indicator", "dimension", "level", "code", "category"),
                name="dp_figure_cell_uniq",
            ),
        ),
    ]
