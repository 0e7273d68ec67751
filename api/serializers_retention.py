"""Retention on the API: sweeps and their reports, legal holds, archived persons (DPO only)."""

from __future__ import annotations

from rest_framework import serializers

from tenants.retention.holds import REASON_MAX, REASON_MIN
from tenants.retention.models import LegalHold, Sweep, SweepRow


class SweepSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Sweep
        fields = [
            "id",
            "today",
            "status",
            "created_at",
            "reported_at",
            "confirmed_at",
            "finished_at",
            "total",
            "processed",
            "progress_percent",
        ]
        read_only_fields = fields


class SweepRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = SweepRow
        fields = [
            "id",
            "pseudonym",
            "last_contact_on",
            "outcome",
            "reason",
            "result",
            "result_note",
            "processed_at",
        ]
        read_only_fields = fields


class SweepDetailSerializer(SweepSerializer):
    rows = SweepRowSerializer(many=True, read_only=True)

    class Meta(SweepSerializer.Meta):
        fields = [*SweepSerializer.Meta.fields, "rows"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=REASON_MIN, max_length=REASON_MAX)


class HoldCreateSerializer(ReasonSerializer):
    pseudonym = serializers.CharField(max_length=32)


class HoldSerializer(serializers.ModelSerializer):
    pseudonym = serializers.CharField(source="person.pseudonym", read_only=True)
    standing = serializers.BooleanField(source="is_standing", read_only=True)

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "pseudonym",
            "reason",
            "set_by_id",
            "set_at",
            "standing",
            "lifted_at",
            "lifted_by_id",
            "lift_reason",
        ]
        read_only_fields = fields


class ArchivedPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pseudonym = serializers.CharField()
    archived_on = serializers.DateField(allow_null=True)
    last_contact_on = serializers.DateField(allow_null=True)


class ArchivedDossierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    decision = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    notified_on = serializers.DateField(allow_null=True)


class ArchivedRightSerializer(serializers.Serializer):
    right_type = serializers.CharField()
    status = serializers.CharField()
    granted_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)


class ArchivedDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doc_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ArchivedFileSerializer(serializers.Serializer):
    person = ArchivedPersonSerializer()
    identity = serializers.DictField(child=serializers.CharField(allow_blank=True))
    dossiers = ArchivedDossierSerializer(many=True)
    rights = ArchivedRightSerializer(many=True)
    documents = ArchivedDocumentSerializer(many=True)
    holds = HoldSerializer(many=True)
