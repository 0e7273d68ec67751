"""Requests and answers of the person's rights: identity rectification and its history, access
exports, the DPO's audit trail. One serializer per request and per answer (OpenAPI)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from parcours.validation import no_bidi_controls
from tenants.casework.persons import SEXES
from tenants.privacy.models import AccessExport, ExportStatus
from tenants.privacy.rectification import MAX_REASON, MAX_VALUE


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=MAX_VALUE,
        required=False,
        allow_blank=True,
        validators=[no_bidi_controls],
        **kwargs,
    )


class IdentityChangesSerializer(serializers.Serializer):
    """The fields to correct; those left out keep their value."""

    last_name = _text()
    first_name = _text()
    sex = serializers.ChoiceField(choices=[("", ""), *SEXES.items()], required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    nationality = _text(help_text="ISO 3166 alpha-3 code")
    phone = _text()
    email = _text()
    address = _text()
    id_document = _text()


class IdentityRectifySerializer(serializers.Serializer):
    changes = IdentityChangesSerializer()
    reason = serializers.CharField(max_length=MAX_REASON, validators=[no_bidi_controls])


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    before = serializers.CharField(allow_blank=True)
    after = serializers.CharField(allow_blank=True)


class RevisionSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_account = serializers.CharField(allow_blank=True)
    actor_role = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    changes = ChangeSerializer(many=True)


class IdentityHistorySerializer(serializers.Serializer):
    person = serializers.IntegerField()
    pseudonym = serializers.CharField()
    changed = serializers.BooleanField(help_text="whether the request changed anything")
    revisions = RevisionSerializer(many=True)


class AccessExportSerializer(serializers.ModelSerializer):
    pseudonym = serializers.CharField(source="person.pseudonym")
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    downloadable = serializers.SerializerMethodField()

    class Meta:
        model = AccessExport
        fields = [
            "id",
            "person",
            "pseudonym",
            "status",
            "status_label",
            "progress",
            "created_at",
            "finished_at",
            "expires_at",
            "downloadable",
        ]

    def get_downloadable(self, obj: AccessExport) -> bool:
        return obj.is_downloadable()


class TrailQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(
        max_length=254,
        required=False,
        help_text="an account's e-mail or id",
        validators=[no_bidi_controls],
    )
    action = serializers.CharField(
        max_length=64,
        required=False,
        help_text="an event kind (dossier.read) or a family (person, privacy)",
        validators=[no_bidi_controls],
    )
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    person = serializers.CharField(
        max_length=32,
        required=False,
        help_text="a pseudonym or a person's id",
        validators=[no_bidi_controls],
    )
    text = serializers.CharField(max_length=100, required=False, validators=[no_bidi_controls])
    reads_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": ["La fin précède le début."]})
        return attrs


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_account = serializers.CharField(allow_blank=True)
    actor_role = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    object_type = serializers.CharField(allow_blank=True)
    object_id = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    request_id = serializers.CharField(allow_blank=True)
    data = serializers.DictField(child=serializers.CharField(allow_blank=True))  # type: ignore[assignment]


class ReaderSerializer(serializers.Serializer):
    actor_id = serializers.IntegerField(allow_null=True)
    actor_account = serializers.CharField(allow_blank=True, source="actor_label")
    actor_role = serializers.CharField(allow_blank=True)
    reads = serializers.IntegerField()
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
