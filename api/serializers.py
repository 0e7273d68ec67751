from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from parcours.accounts.models import Membership, User
from parcours.referentiel.models import (
    Confidence,
    Departement,
    LegalParameter,
    NomenclatureItem,
    Region,
)


class MembershipSerializer(serializers.ModelSerializer):
    departement = serializers.CharField(source="tenant.code", default=None, allow_null=True)
    departement_name = serializers.CharField(source="tenant.name", default=None, allow_null=True)
    role_label = serializers.CharField(source="get_role_display")
    association = serializers.CharField(source="association.name", default=None, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "role_label", "departement", "departement_name", "association"]


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "memberships"]

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, obj: User) -> list[dict[str, object]]:
        return MembershipSerializer(self.context["memberships"], many=True).data  # type: ignore[return-value]


class DepartementStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["not_provisioned", "requested", "active", "suspended"]
    )
    status_label = serializers.CharField()
    host = serializers.CharField(allow_null=True)
    provisioned_at = serializers.CharField(allow_null=True)


class ProvisionRequestSerializer(serializers.Serializer):
    codes = serializers.ListField(child=serializers.CharField(max_length=3), allow_empty=False)


class ProvisionAcceptedSerializer(serializers.Serializer):
    queued = serializers.ListField(child=serializers.CharField())


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class DepartementReferenceSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Departement
        fields = ["code", "name", "region", "source"]


class NomenclatureItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = NomenclatureItem
        fields = ["id", "kind", "code", "label", "position", "is_active", "attributes", "source"]


class LegalParameterSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalParameter
        fields = [
            "id",
            "key",
            "territory",
            "value",
            "unit",
            "effective_from",
            "label",
            "source",
            "confidence",
        ]


class LegalParameterCreateSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=64)
    territory = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    effective_from = serializers.DateField()
    source = serializers.CharField(max_length=300)  # type: ignore[assignment]
    confidence = serializers.ChoiceField(choices=Confidence.choices)


class TenantSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    your_roles = serializers.ListField(child=serializers.CharField())
    people_by_role = serializers.DictField(child=serializers.IntegerField())
    agrements_in_force = serializers.IntegerField()


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text=(
            "The second factor, required for accounts whose role reads identities "
            "(coordinator, préfet, association worker, DPO, national operator): the 6-digit "
            "code of the authenticator application, or one of the single-use recovery codes. "
            "Without it such an account gets 403 `permission_denied`, unless the request "
            "comes from a browser session that already gave its second factor."
        ),
    )


class MfaResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    reason = serializers.CharField(max_length=500)


class MfaResetSerializer(serializers.Serializer):
    email = serializers.EmailField()
    devices_removed = serializers.IntegerField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class LegalParameterValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    on = serializers.DateField()
    territory = serializers.CharField(allow_blank=True)
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
