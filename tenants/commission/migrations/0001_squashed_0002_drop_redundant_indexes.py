# Squashed by hand: the state of
# 0001_initial + 0002_drop_redundant_indexes in one step, so that a new département's schema
# is created without indexes that the later migration drops (each one costs every schema a file
# and a sync). Databases that already applied 0001_initial apply the rest instead.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('commission', '0001_initial'),
        ('commission', '0002_drop_redundant_indexes'),
    ]

    dependencies = [
        ('associations', '0001_initial'),
        ('casework', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CollegeSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('college', models.CharField(max_length=64)),
                ('titular_seats', models.PositiveSmallIntegerField(default=1)),
                ('may_see_health', models.BooleanField(default=False)),
            ],
            options={
                'ordering': ['college'],
            },
        ),
        migrations.CreateModel(
            name='Session',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_at', models.DateTimeField()),
                ('place', models.CharField(blank=True, max_length=200)),
                ('video_link', models.URLField(blank=True)),
                ('status', models.CharField(choices=[('planned', 'Prévue'), ('convened', 'Convoquée'), ('open', 'En cours'), ('closed', 'Close')], default='planned', max_length=16)),
                ('urgent', models.BooleanField(default=False)),
                ('urgent_reason', models.TextField(blank=True)),
                ('second_convocation', models.BooleanField(default=False, help_text='convened again after a session without quorum: no quorum required')),
                ('convened_at', models.DateTimeField(blank=True, null=True)),
                ('opened_at', models.DateTimeField(blank=True, null=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-starts_at'],
            },
        ),
        migrations.CreateModel(
            name='AgendaItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField()),
                ('title', models.CharField(blank=True, help_text='policy items; files show a pseudonym', max_length=300)),
                ('avis', models.CharField(blank=True, max_length=16)),
                ('votes_for', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('votes_against', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('abstentions', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('casting_vote_used', models.BooleanField(default=False)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('dossier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='casework.dossier')),
                ('session', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='commission.session')),
            ],
            options={
                'ordering': ['session', 'position'],
            },
        ),
        migrations.CreateModel(
            name='Member',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('college', models.CharField(help_text="code of the 'college' nomenclature", max_length=64)),
                ('is_chair', models.BooleanField(default=False)),
                ('arrete_reference', models.CharField(max_length=100, verbose_name="référence de l'arrêté")),
                ('arrete_on', models.DateField(verbose_name="date de l'arrêté")),
                ('arrete_storage_name', models.CharField(blank=True, help_text="the arrêté's PDF", max_length=200)),
                ('mandate_start', models.DateField()),
                ('mandate_end', models.DateField()),
                ('ended_on', models.DateField(blank=True, null=True)),
                ('association', models.ForeignKey(blank=True, help_text='the association a member of the associations college represents', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='associations.association')),
                ('titular', models.ForeignKey(blank=True, help_text='empty for a titular member; the titular replaced for a substitute', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='substitutes', to='commission.member')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['college', 'titular_id', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Vote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('choice', models.CharField(choices=[('favourable', 'Favorable'), ('unfavourable', 'Défavorable'), ('abstention', 'Abstention')], max_length=16)),
                ('cast_at', models.DateTimeField(auto_now_add=True)),
                ('cast_by', models.ForeignKey(help_text='who cast it (proxy holder)', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commission.member')),
                ('item', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='commission.agendaitem')),
                ('member', models.ForeignKey(help_text='whose vote it is', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commission.member')),
            ],
        ),
        migrations.CreateModel(
            name='ConflictOfInterest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(max_length=300)),
                ('declared_at', models.DateTimeField(auto_now_add=True)),
                ('item', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='conflicts', to='commission.agendaitem')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commission.member')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('item', 'member'), name='conflict_once')],
            },
        ),
        migrations.CreateModel(
            name='Attendance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('presence', models.CharField(choices=[('in_person', 'Présent'), ('video', 'Présent en visioconférence'), ('absent', 'Absent')], max_length=16)),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attendances', to='commission.member')),
                ('proxy_to', models.ForeignKey(blank=True, help_text='an absent member gives a proxy to another member present', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='proxies_held', to='commission.member')),
                ('session', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='attendances', to='commission.session')),
            ],
            options={
                'ordering': ['session', 'member'],
                'constraints': [models.UniqueConstraint(fields=('session', 'member'), name='attendance_once_per_session'), models.UniqueConstraint(condition=models.Q(('proxy_to__isnull', False)), fields=('session', 'proxy_to'), name='attendance_one_proxy_held')],
            },
        ),
        migrations.AddConstraint(
            model_name='agendaitem',
            constraint=models.UniqueConstraint(fields=('session', 'position'), name='agenda_position_uniq'),
        ),
        migrations.AddConstraint(
            model_name='agendaitem',
            constraint=models.UniqueConstraint(condition=models.Q(('dossier__isnull', False)), fields=('session', 'dossier'), name='agenda_file_once_per_session'),
        ),
        migrations.AddConstraint(
            model_name='vote',
            constraint=models.UniqueConstraint(fields=('item', 'member'), name='vote_once_per_item'),
        ),
        migrations.AddConstraint(
            model_name='collegesetting',
            constraint=models.UniqueConstraint(fields=('college',), name='college_setting_uniq'),
        ),
    ]
