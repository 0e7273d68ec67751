"""Issue #10: a seat has one vote, the quorum is recorded with each avis, and a second
convocation follows a recorded failure of quorum (procès-verbal de carence)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commission", "0002_drop_redundant_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="first_session",
            field=models.ForeignKey(
                blank=True,
                help_text="for a second convocation: the session that met without quorum",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="second_sessions",
                to="commission.session",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="carence_at",
            field=models.DateTimeField(
                blank=True,
                help_text="the session met and recorded that the quorum was not reached (procès-verbal de carence); only then may a second convocation be sent",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="quorum_counted",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="quorum_needed",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="vote",
            name="seat",
            field=models.ForeignKey(
                help_text="the titular seat the vote counts for: a seat has one vote, cast by the titular, else by a substitute present, else by the holder of the titular's proxy",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="commission.member",
            ),
        ),
        # Votes recorded before: a substitute's vote counted for their titular's seat.
        migrations.RunSQL(
            "UPDATE commission_vote v SET seat_id = COALESCE(m.titular_id, m.id) "
            "FROM commission_member m WHERE m.id = v.member_id",
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(fields=("item", "seat"), name="vote_once_per_seat"),
        ),
    ]
