# Squashed by hand: the state of
# 0001_initial + 0002_drop_redundant_indexes in one step, so that a new département's schema
# is created without indexes that the later migration drops (each one costs every schema a file
# and a sync). Databases that already applied 0001_initial apply the rest instead.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('casework', '0001_initial'),
        ('casework', '0002_drop_redundant_indexes'),
    ]

    dependencies = [
        ('associations', '0001_initial'),
        ('workflows', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Pathway',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('requested', 'Demande en cours'), ('active', 'En cours'), ('refused', 'Refusé'), ('ended_early', 'Arrêté avant terme'), ('completed', 'Terminé (durée atteinte)'), ('exited', 'Sorti du parcours'), ('withdrawn', 'Demande retirée')], default='requested', max_length=16)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('ended_on', models.DateField(blank=True, null=True)),
                ('end_reason', models.TextField(blank=True)),
                ('exit_outcome', models.CharField(blank=True, max_length=64)),
                ('exited_on', models.DateField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='PseudonymCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveIntegerField(unique=True)),
                ('last', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='TenantKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('wrapped_key', models.BinaryField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='Dossier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('first_request', 'Première demande'), ('renewal', 'Renouvellement')], max_length=16)),
                ('number', models.PositiveSmallIntegerField(help_text='1 for the first request, 2… for renewals')),
                ('state', models.CharField(max_length=32)),
                ('extra', models.JSONField(blank=True, default=dict)),
                ('association_avis', models.CharField(blank=True, choices=[('favourable', 'Favorable'), ('unfavourable', 'Défavorable')], max_length=16)),
                ('association_avis_motivation', models.TextField(blank=True)),
                ('association_avis_on', models.DateField(blank=True, null=True)),
                ('submitted_at', models.DateTimeField(blank=True, null=True)),
                ('clock_paused_since', models.DateTimeField(blank=True, null=True)),
                ('paused_seconds', models.PositiveIntegerField(default=0)),
                ('missing_items', models.TextField(blank=True)),
                ('closed_at', models.DateTimeField(blank=True, help_text='entered a final state', null=True)),
                ('session_on', models.DateField(blank=True, null=True)),
                ('commission_avis', models.CharField(blank=True, choices=[('favourable', 'Favorable'), ('unfavourable', 'Défavorable')], max_length=16)),
                ('commission_votes_for', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('commission_votes_against', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('commission_abstentions', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('commission_avis_on', models.DateField(blank=True, null=True)),
                ('decision', models.CharField(blank=True, choices=[('authorised', 'Autorisation'), ('refused', 'Refus')], max_length=16)),
                ('decision_motivation', models.TextField(blank=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decided_by_id', models.BigIntegerField(blank=True, null=True)),
                ('start_on', models.DateField(blank=True, null=True)),
                ('notified_on', models.DateField(blank=True, null=True)),
                ('notification_channel', models.CharField(blank=True, choices=[('hand', 'Remise en main propre'), ('mail', 'Courrier recommandé'), ('association', "Par l'association"), ('email', 'Courriel')], max_length=16)),
                ('notification_acknowledged_on', models.DateField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('association', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='associations.association')),
                ('workflow_variant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflows.workflowvariant')),
                ('pathway', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='dossiers', to='casework.pathway')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='DossierEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('transition', models.CharField(max_length=64)),
                ('from_state', models.CharField(max_length=32)),
                ('to_state', models.CharField(max_length=32)),
                ('actor_id', models.BigIntegerField(blank=True, null=True)),
                ('actor_role', models.CharField(blank=True, max_length=32)),
                ('comment', models.TextField(blank=True)),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='casework.dossier')),
            ],
            options={
                'ordering': ['dossier', 'at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='InsertionProject',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('goals', models.JSONField(blank=True, default=dict, help_text='domain → list of goals')),
                ('commitments', models.TextField(blank=True, help_text="the person's commitments")),
                ('signed_on', models.DateField(blank=True, help_text='co-signed by the person and the association', null=True)),
                ('dossier', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='project', to='casework.dossier')),
            ],
        ),
        migrations.CreateModel(
            name='Person',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('pseudonym', models.CharField(max_length=32)),
                ('identity_encrypted', models.TextField()),
                ('children_count', models.PositiveSmallIntegerField(default=0)),
                ('languages', models.JSONField(blank=True, default=list)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by_id', models.BigIntegerField(blank=True, null=True)),
                ('last_contact_on', models.DateField(blank=True, null=True)),
                ('association', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='associations.association')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.AddField(
            model_name='pathway',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pathways', to='casework.person'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dossiers', to='casework.person'),
        ),
        migrations.CreateModel(
            name='Document',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('doc_type', models.CharField(max_length=64)),
                ('storage_name', models.CharField(max_length=200)),
                ('content_type', models.CharField(max_length=100)),
                ('size', models.PositiveIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('uploaded_by_id', models.BigIntegerField(blank=True, null=True)),
                ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                ('dossier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='casework.dossier')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='casework.person')),
            ],
            options={
                'ordering': ['dossier', 'doc_type', '-uploaded_at'],
            },
        ),
        migrations.CreateModel(
            name='ProjectAction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(choices=[('logement', 'Logement'), ('hebergement', 'Hébergement'), ('soins', 'Soins'), ('acces_droits', 'Accès aux droits'), ('insertion_sociale', 'Insertion sociale'), ('insertion_professionnelle', 'Insertion professionnelle')], max_length=32)),
                ('description', models.CharField(max_length=300)),
                ('partner', models.CharField(blank=True, max_length=200)),
                ('due_on', models.DateField(blank=True, null=True)),
                ('status', models.CharField(choices=[('planned', 'Prévue'), ('in_progress', 'En cours'), ('done', 'Réalisée'), ('abandoned', 'Abandonnée')], default='planned', max_length=16)),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='casework.insertionproject')),
            ],
            options={
                'ordering': ['project', 'due_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Right',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('right_type', models.CharField(max_length=32)),
                ('status', models.CharField(choices=[('todo', 'À faire'), ('requested', 'Demandé'), ('granted', 'Obtenu'), ('refused', 'Refusé'), ('ended', 'Terminé')], default='todo', max_length=16)),
                ('requested_on', models.DateField(blank=True, null=True)),
                ('granted_on', models.DateField(blank=True, null=True)),
                ('refused_on', models.DateField(blank=True, null=True)),
                ('ends_on', models.DateField(blank=True, help_text='planned or actual end (AFIS stop, APS expiry)', null=True)),
                ('details', models.JSONField(blank=True, default=dict)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('pathway', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rights', to='casework.pathway')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rights', to='casework.person')),
            ],
            options={
                'ordering': ['person', 'right_type'],
            },
        ),
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=120)),
                ('kind', models.CharField(choices=[('period_ending', 'Fin de période proche'), ('aps_expiring', 'APS bientôt expirée'), ('waiting_instruction', "Dossier en attente d'instruction"), ('waiting_decision', 'Décision en attente'), ('missing_items_unanswered', 'Pièces manquantes sans réponse')], max_length=32)),
                ('role', models.CharField(max_length=32)),
                ('association_id', models.BigIntegerField(blank=True, null=True)),
                ('message', models.CharField(help_text='pseudonyms only', max_length=300)),
                ('due_on', models.DateField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('dossier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='casework.dossier')),
                ('right', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='casework.right')),
            ],
            options={
                'ordering': ['due_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='NeedsEvaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(choices=[('sante', 'Santé'), ('social', 'Social'), ('professionnel', 'Professionnel')], max_length=16)),
                ('items', models.JSONField(blank=True, default=list)),
                ('notes_encrypted', models.TextField(blank=True)),
                ('evaluated_on', models.DateField()),
                ('signed_off_at', models.DateTimeField(blank=True, null=True)),
                ('signed_off_by_id', models.BigIntegerField(blank=True, null=True)),
                ('dossier', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='casework.dossier')),
            ],
            options={
                'ordering': ['dossier', 'domain'],
                'constraints': [models.UniqueConstraint(fields=('dossier', 'domain'), name='evaluation_domain_per_dossier')],
            },
        ),
        migrations.CreateModel(
            name='Period',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField()),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField(help_text='last day of the period')),
                ('ended_early_on', models.DateField(blank=True, null=True)),
                ('dossier', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='period', to='casework.dossier')),
                ('pathway', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='periods', to='casework.pathway')),
            ],
            options={
                'ordering': ['pathway', 'number'],
                'constraints': [models.UniqueConstraint(fields=('pathway', 'number'), name='period_number_per_pathway'), models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='period_ends_after_start')],
            },
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['association', '-created_at'], name='person_assoc_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['state', 'submitted_at'], name='dossier_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['association', '-created_at'], name='dossier_assoc_idx'),
        ),
        migrations.AddConstraint(
            model_name='dossier',
            constraint=models.UniqueConstraint(fields=('pathway', 'number'), name='dossier_number_per_pathway'),
        ),
        migrations.AddConstraint(
            model_name='document',
            constraint=models.UniqueConstraint(fields=('storage_name',), name='document_storage_name_uniq'),
        ),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.UniqueConstraint(fields=('pseudonym',), name='person_pseudonym_uniq'),
        ),
        migrations.AddConstraint(
            model_name='reminder',
            constraint=models.UniqueConstraint(fields=('key',), name='reminder_key_uniq'),
        ),
    ]
