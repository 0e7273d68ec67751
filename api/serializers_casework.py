from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.casework.models import Document, Dossier, DossierEvent, DossierKind, Period, Person
from tenants.casework.persons import SEXES


class PersonSerializer(serializers.ModelSerializer):
    association = serializers.CharField(source="association.name", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "pseudonym",
            "association",
            "children_count",
            "languages",
            "created_at",
            "last_contact_on",
        ]


class IdentitySerializer(serializers.Serializer):
    last_name = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150)
    sex = serializers.ChoiceField(choices=list(SEXES.items()), required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    nationality = serializers.CharField(max_length=3, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    id_document = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PersonDetailSerializer(PersonSerializer):
    identity = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "identity"]

    def get_identity(self, obj: Person) -> dict[str, Any] | None:
        return self.context.get("identity")


class PersonCreateSerializer(serializers.Serializer):
    identity = IdentitySerializer()
    children_count = serializers.IntegerField(min_value=0, max_value=20, default=0)
    languages = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=3), default=list, max_length=10
    )


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["number", "starts_on", "ends_on", "ended_early_on"]


class DossierSerializer(serializers.ModelSerializer):
    pseudonym = serializers.CharField(source="person.pseudonym", read_only=True)
    state_label = serializers.SerializerMethodField()
    workflow = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "id",
            "pseudonym",
            "person",
            "pathway",
            "kind",
            "number",
            "state",
            "state_label",
            "workflow",
            "submitted_at",
            "session_on",
            "association_avis",
            "commission_avis",
            "commission_votes_for",
            "commission_votes_against",
            "commission_abstentions",
            "decision",
            "decided_at",
            "start_on",
            "created_at",
        ]

    def get_state_label(self, obj: Dossier) -> str:
        return obj.state_label

    def get_workflow(self, obj: Dossier) -> str:
        workflow = obj.workflow  # built once per variant, its JSON not read again per row
        return f"{workflow.code}-{workflow.version}#{obj.workflow_variant_id}"


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DossierEvent
        fields = ["transition", "from_state", "to_state", "actor_role", "comment", "at"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "doc_type", "content_type", "size", "sha256", "uploaded_at"]


class EvaluationSummarySerializer(serializers.Serializer):
    domain = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    evaluated_on = serializers.DateField()
    signed_off_at = serializers.DateTimeField(allow_null=True)


class ProjectSummarySerializer(serializers.Serializer):
    goals = serializers.DictField()
    commitments = serializers.CharField()
    signed_on = serializers.DateField(allow_null=True)


class DossierNotificationSerializer(DossierSerializer):
    """A file with how its decision was notified and until when it can be appealed."""

    appeal_deadline = serializers.SerializerMethodField(
        help_text="last day to appeal the decision (délai franc), null until notified"
    )

    class Meta(DossierSerializer.Meta):
        fields = [
            *DossierSerializer.Meta.fields,
            "notified_on",
            "notification_channel",
            "notification_acknowledged_on",
            "appeal_deadline",
        ]

    def get_appeal_deadline(self, obj: Dossier) -> dt.date | None:
        return obj.appeal_deadline()


class DossierDetailSerializer(DossierNotificationSerializer):
    association_avis_motivation = serializers.CharField()
    decision_motivation = serializers.CharField()
    missing_items = serializers.CharField()
    timeline = EventSerializer(source="events", many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    periods = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    processing_days = serializers.SerializerMethodField()
    evaluations = serializers.SerializerMethodField()
    project = serializers.SerializerMethodField()
    extra = serializers.DictField(read_only=True)

    class Meta(DossierSerializer.Meta):
        fields = [
            *DossierNotificationSerializer.Meta.fields,
            "association_avis_motivation",
            "decision_motivation",
            "missing_items",
            "timeline",
            "documents",
            "periods",
            "transitions",
            "processing_days",
            "evaluations",
            "project",
            "extra",
        ]

    @extend_schema_field(EvaluationSummarySerializer(many=True))
    def get_evaluations(self, obj: Dossier) -> list[dict[str, Any]]:
        # Structured items only: the confidential notes stay on the association's side.
        return EvaluationSummarySerializer(obj.evaluations.all(), many=True).data  # type: ignore[return-value]

    @extend_schema_field(ProjectSummarySerializer(allow_null=True))
    def get_project(self, obj: Dossier) -> dict[str, Any] | None:
        project = getattr(obj, "project", None)
        return ProjectSummarySerializer(project).data if project else None

    def get_periods(self, obj: Dossier) -> list[dict[str, Any]]:
        return PeriodSerializer(obj.pathway.periods.all(), many=True).data  # type: ignore[return-value]

    def get_transitions(self, obj: Dossier) -> list[dict[str, str]]:
        return self.context.get("transitions", [])

    def get_processing_days(self, obj: Dossier) -> int | None:
        return obj.processing_days()


class DossierCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DossierKind.choices)


class EvaluationSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(choices=["sante", "social", "professionnel"])
    items = serializers.ListField(child=serializers.DictField(), default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    evaluated_on = serializers.DateField()
    sign_off = serializers.BooleanField(default=False)


class ProjectSerializer(serializers.Serializer):
    goals = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), default=dict
    )
    commitments = serializers.CharField(allow_blank=True, default="", max_length=10000)
    signed_on = serializers.DateField(required=False, allow_null=True)


class AssociationAvisSerializer(serializers.Serializer):
    avis = serializers.ChoiceField(choices=["favourable", "unfavourable"])
    motivation = serializers.CharField(max_length=10000)


class DocumentUploadSerializer(serializers.Serializer):
    doc_type = serializers.CharField(max_length=64)
    file = serializers.FileField()


class EndEarlySerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField(max_length=5000)


class ExitSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=64)
    on = serializers.DateField()


class RightSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.CharField()
    requested_on = serializers.DateField(allow_null=True)
    granted_on = serializers.DateField(allow_null=True)
    refused_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    details = serializers.DictField()


class RightUpdateSerializer(serializers.Serializer):
    right_type = serializers.CharField(max_length=32)
    status = serializers.ChoiceField(choices=["requested", "granted", "refused", "ended"])
    on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    details = serializers.DictField(required=False, default=dict)


class NotificationSerializer(serializers.Serializer):
    notified_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=["hand", "mail", "association", "email"])
    acknowledged_on = serializers.DateField(required=False, allow_null=True)


class ReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    message = serializers.CharField()
    due_on = serializers.DateField()
    dossier = serializers.IntegerField(source="dossier_id", allow_null=True)


class WorkflowSerializer(serializers.Serializer):
    template = serializers.CharField()
    version = serializers.IntegerField()
    variant = serializers.IntegerField()
    adjustments = serializers.DictField()
    definition = serializers.DictField()


class WorkflowAdjustSerializer(serializers.Serializer):
    adjustments = serializers.DictField()


class ExtraSerializer(serializers.Serializer):
    values = serializers.DictField()


class ProjectActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    domain = serializers.ChoiceField(
        choices=[
            "logement",
            "hebergement",
            "soins",
            "acces_droits",
            "insertion_sociale",
            "insertion_professionnelle",
        ]
    )
    description = serializers.CharField(max_length=300)
    partner = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(
        choices=["planned", "in_progress", "done", "abandoned"], default="planned"
    )


class TransmissionSerializer(serializers.Serializer):
    on = serializers.DateField()
