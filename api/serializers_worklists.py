"""Each role's work queue (tenants/worklists), as the API serves it."""

from __future__ import annotations

from rest_framework import serializers


class WorkItemSerializer(serializers.Serializer):
    dossier = serializers.IntegerField(source="dossier_id", allow_null=True)
    reference = serializers.CharField(help_text="the person's pseudonym")
    summary = serializers.CharField(source="label")
    on = serializers.DateField(allow_null=True, help_text="since when it waits, or when it ends")
    days = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)
    late = serializers.BooleanField()


class QueueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    count = serializers.IntegerField()
    state = serializers.CharField(allow_blank=True, help_text="filter of the file list, if any")
    date_label = serializers.CharField(help_text="how an item's date reads (depuis le, fin le…)")
    items = WorkItemSerializer(many=True, help_text="the oldest first")


class QuorumSerializer(serializers.Serializer):
    members = serializers.IntegerField(help_text="titular seats")
    needed = serializers.IntegerField()
    present = serializers.IntegerField()
    represented = serializers.IntegerField()


class NextSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="session.pk")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    status = serializers.CharField(source="session.status")
    items = serializers.IntegerField()
    quorum = QuorumSerializer()


class WorklistReminderSerializer(serializers.Serializer):
    kind = serializers.CharField()
    message = serializers.CharField()
    due_on = serializers.DateField()
    dossier = serializers.IntegerField(source="dossier_id", allow_null=True)


class CoordinationWorklistSerializer(serializers.Serializer):
    queues = QueueSerializer(many=True)
    reminders = WorklistReminderSerializer(many=True)
    next_session = NextSessionSerializer(allow_null=True)


class PrefetWorklistSerializer(serializers.Serializer):
    decisions = QueueSerializer()
    target_days = serializers.IntegerField()


class MemberWorklistSerializer(serializers.Serializer):
    next_session = serializers.IntegerField(source="next_session.pk", allow_null=True, default=None)
    next_session_starts_at = serializers.DateTimeField(
        source="next_session.starts_at", allow_null=True, default=None
    )
    agenda = serializers.ListField(child=serializers.CharField())
    mandate_ends_on = serializers.DateField(allow_null=True)
    mandate_ending = serializers.BooleanField()


class WorkerFileSerializer(serializers.Serializer):
    departement = serializers.CharField(source="departement_code")
    departement_name = serializers.CharField()
    dossier = serializers.IntegerField(source="dossier_id")
    reference = serializers.CharField()
    kind = serializers.CharField()
    state_label = serializers.CharField()
    next_action = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    missing_items = serializers.CharField(allow_blank=True)
    theirs = serializers.BooleanField(help_text="the association has to act")


class WorkerWorklistSerializer(serializers.Serializer):
    departements = serializers.ListField(child=serializers.CharField())
    to_act = serializers.IntegerField()
    files = WorkerFileSerializer(many=True)


class WorklistSerializer(serializers.Serializer):
    """One section per role the person holds here; the others are null."""

    coordination = CoordinationWorklistSerializer(allow_null=True)
    prefet = PrefetWorklistSerializer(allow_null=True)
    member = MemberWorklistSerializer(allow_null=True)
    association = WorkerWorklistSerializer(allow_null=True)
    audit_trail = serializers.CharField(
        allow_null=True, help_text="the DPO's audit trail page (null for the other roles)"
    )
