"""The commission through the API: members, sessions, agenda, attendance, votes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.permissions import read_write, request_access, tenant_roles
from parcours.accounts.models import Role
from tenants.commission import commands, documents, members, seats, selectors, sessions
from tenants.commission.models import EndReason, Member, Session, Vote

READERS = tenant_roles({Role.COORDINATOR, Role.PREFET, Role.MEMBER})
COORDINATION = tenant_roles({Role.COORDINATOR})


class MemberSerializer(serializers.ModelSerializer):
    # Either an existing account (`user`) or the person's address and name: the account is then
    # created with the appointment, in the same transaction.
    email = serializers.EmailField(write_only=True, required=False)
    first_name = serializers.CharField(write_only=True, required=False, max_length=150)
    last_name = serializers.CharField(write_only=True, required=False, max_length=150)

    # Blank while the mandate runs: the enum says so (a ModelSerializer's read-only choice
    # field would list only the reasons).
    end_reason = serializers.ChoiceField(
        choices=EndReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Member
        fields = [
            "id",
            "user",
            "email",
            "first_name",
            "last_name",
            "college",
            "titular",
            "association",
            "is_chair",
            "arrete_reference",
            "arrete_on",
            "mandate_start",
            "mandate_end",
            "ended_on",
            "end_reason",
        ]
        read_only_fields = ["mandate_end", "ended_on"]
        extra_kwargs = {"user": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("user") and not attrs.get("email"):
            raise serializers.ValidationError(
                {"email": ["Indiquez le compte (user) ou l'adresse, le prénom et le nom."]}
            )
        return attrs


class ReplacementSerializer(serializers.Serializer):
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    arrete_reference = serializers.CharField(max_length=100)
    arrete_on = serializers.DateField()


class MandateEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(help_text="first day the member no longer sits")
    reason = serializers.ChoiceField(choices=["resignation", "death", "change_of_post", "other"])
    replacement = ReplacementSerializer(
        required=False, allow_null=True, help_text="named for the rest of the mandate"
    )


class MandateEndResultSerializer(serializers.Serializer):
    ended = MemberSerializer()
    replacement = MemberSerializer(allow_null=True)


class AttendanceSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    presence = serializers.CharField()
    proxy_to = serializers.IntegerField(source="proxy_to_id", allow_null=True)


class VoteSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id", help_text="whose vote it is")
    cast_by = serializers.IntegerField(source="cast_by_id", help_text="who cast it (proxy)")
    seat = serializers.IntegerField(source="seat_id", allow_null=True, help_text="titular seat")
    choice = serializers.CharField()


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = [
            "id",
            "starts_at",
            "place",
            "video_link",
            "status",
            "urgent",
            "urgent_reason",
            "second_convocation",
            "first_session",
            "convened_at",
            "opened_at",
            "closed_at",
            "carence_at",
        ]
        read_only_fields = [
            "status",
            "urgent",
            "urgent_reason",
            "second_convocation",
            "first_session",
            "convened_at",
            "opened_at",
            "closed_at",
            "carence_at",
        ]


class QuorumSerializer(serializers.Serializer):
    members = serializers.IntegerField()
    present = serializers.IntegerField()
    represented = serializers.IntegerField()
    needed = serializers.IntegerField()
    reached = serializers.BooleanField()


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    position = serializers.IntegerField(source="item.position")
    label = serializers.CharField()  # type: ignore[assignment]
    dossier = serializers.IntegerField(source="item.dossier_id", allow_null=True)
    avis = serializers.CharField(source="item.avis")
    votes_for = serializers.IntegerField(source="item.votes_for", allow_null=True)
    votes_against = serializers.IntegerField(source="item.votes_against", allow_null=True)
    abstentions = serializers.IntegerField(source="item.abstentions", allow_null=True)
    casting_vote_used = serializers.BooleanField(source="item.casting_vote_used")
    quorum_counted = serializers.IntegerField(source="item.quorum_counted", allow_null=True)
    quorum_needed = serializers.IntegerField(source="item.quorum_needed", allow_null=True)
    votes = VoteSerializer(many=True, default=list, help_text="who took part in the vote")
    takes_votes = serializers.BooleanField(
        default=False, help_text="the item the open session is voting on (the first not closed)"
    )
    # What members read before deliberating, for file items (null for a policy item): never
    # identity; health goals only for readers whose college the département allows.
    number = serializers.IntegerField(
        default=None, allow_null=True, help_text="1 for a first request, 2… for renewals"
    )
    association_avis = serializers.CharField(default=None, allow_null=True)
    association_motivation = serializers.CharField(default=None, allow_null=True)
    goals = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        default=None,
        allow_null=True,
        help_text="insertion project goals by domain; 'soins' only if the reader may see health",
    )


class SessionDetailSerializer(SessionSerializer):
    quorum = serializers.SerializerMethodField()
    agenda = serializers.SerializerMethodField()
    attendance = serializers.SerializerMethodField()

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "quorum", "attendance", "agenda"]

    @extend_schema_field(AttendanceSerializer(many=True))
    def get_attendance(self, obj: Session) -> list[dict[str, Any]]:
        """Recorded attendance only: a member without a row is "not recorded"."""
        return AttendanceSerializer(obj.attendances.all(), many=True).data  # type: ignore[return-value]

    def get_quorum(self, obj: Session) -> dict[str, Any]:
        q = seats.quorum(session=obj)
        return {
            "members": q.members,
            "present": q.present,
            "represented": q.represented,
            "needed": q.needed,
            "reached": q.reached,
        }

    def get_agenda(self, obj: Session) -> list[dict[str, Any]]:
        # Rows come from selectors.agenda_read, which applies the reader's rights and audits.
        return ItemSerializer(self.context.get("agenda", []), many=True).data  # type: ignore[return-value]


class SessionActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[
            "convene",
            "open",
            "close",
            "reconvene",
            "add_file",
            "remove_file",
            "add_policy",
            "attendance",
            "vote",
            "conflict",
            "close_item",
        ]
    )
    urgent = serializers.BooleanField(required=False, default=False)
    urgent_reason = serializers.CharField(required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(required=False)
    dossier = serializers.IntegerField(required=False)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    member = serializers.IntegerField(required=False)
    presence = serializers.ChoiceField(choices=["in_person", "video", "absent"], required=False)
    proxy_to = serializers.IntegerField(required=False, allow_null=True)
    item = serializers.IntegerField(required=False)
    choice = serializers.ChoiceField(
        choices=["favourable", "unfavourable", "abstention"], required=False
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AttendanceLineSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="a member in mandate on the session's day")
    presence = serializers.ChoiceField(choices=["in_person", "video", "absent"])
    proxy_to = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="for an absent member: the member present who holds their proxy",
    )


class AttendanceSheetSerializer(serializers.Serializer):
    rows = AttendanceLineSerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]


class VoteLineSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="whose vote it is (the proxy holder casts it)")
    choice = serializers.ChoiceField(choices=["favourable", "unfavourable", "abstention"])


class VoteSheetSerializer(serializers.Serializer):
    rows = VoteLineSerializer(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]


SHEET_ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


class MemberList(APIView):
    permission_classes = [
        read_write(
            read=tenant_roles({Role.COORDINATOR, Role.PREFET, Role.MEMBER, Role.DPO}),
            write=COORDINATION,
        )
    ]

    @extend_schema(responses=MemberSerializer(many=True), summary="Members in mandate today")
    def get(self, request: Request) -> Response:
        return Response(MemberSerializer(selectors.members_active(), many=True).data)

    @extend_schema(
        request=MemberSerializer,
        responses={201: MemberSerializer},
        summary="Appoint a member or a substitute (3-year mandate)",
    )
    def post(self, request: Request) -> Response:
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        seat = {
            "college": data["college"],
            "arrete_reference": data["arrete_reference"],
            "arrete_on": data["arrete_on"],
            "mandate_start": data["mandate_start"],
            "titular_id": data["titular"].pk if data.get("titular") else None,
            "association_id": data["association"].pk if data.get("association") else None,
            "is_chair": data.get("is_chair", False),
        }
        if data.get("user"):
            member = members.member_appoint(
                access=request_access(request), user_id=data["user"].pk, **seat
            )
        else:
            member = members.member_designate(
                access=request_access(request),
                email=data["email"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                **seat,
            )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberMandateEnd(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        request=MandateEndSerializer,
        responses={200: MandateEndResultSerializer},
        summary="End a mandate early (resignation, death, change of post) and name the replacement",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = MandateEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        replacement = data.get("replacement")
        successor = members.member_end_mandate(
            access=request_access(request),
            member_id=pk,
            ended_on=data["ended_on"],
            reason=data["reason"],
            replacement=members.Replacement(**replacement) if replacement else None,
        )
        ended = Member.objects.get(pk=pk)
        return Response(
            {
                "ended": MemberSerializer(ended).data,
                "replacement": MemberSerializer(successor).data if successor else None,
            }
        )


class SessionList(APIView):
    permission_classes = [read_write(read=READERS, write=COORDINATION)]

    @extend_schema(responses=SessionSerializer(many=True), summary="Sessions I may see")
    def get(self, request: Request) -> Response:
        return Response(
            SessionSerializer(
                selectors.sessions_for(access=request_access(request)), many=True
            ).data
        )

    @extend_schema(
        request=SessionSerializer, responses={201: SessionSerializer}, summary="Plan a session"
    )
    def post(self, request: Request) -> Response:
        serializer = SessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = sessions.session_schedule(
            access=request_access(request),
            starts_at=data["starts_at"],
            place=data.get("place", ""),
            video_link=data.get("video_link", ""),
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


def _detail(request: Request, session: Session) -> dict[str, Any]:
    agenda = selectors.agenda_read(access=request_access(request), session=session)
    votes: dict[int, list[Vote]] = {}
    for vote in Vote.objects.filter(item__session=session).order_by("id"):
        votes.setdefault(vote.item_id, []).append(vote)
    current = selectors.item_taking_votes(session=session)
    for row in agenda:
        row["votes"] = votes.get(row["item"].pk, [])
        row["takes_votes"] = current is not None and row["item"].pk == current.pk
    return SessionDetailSerializer(session, context={"agenda": agenda}).data


def _act(request: Request, *, session_id: int, action: str, data: dict[str, Any]) -> Response:
    """Run one action of the live session page's command table (tenants/commission/commands.py)
    and answer with the session as it stands after it."""
    done = commands.session_act(
        access=request_access(request), session_id=session_id, action=action, data=data
    )
    return Response(_detail(request, Session.objects.get(pk=done.session_id)))


def _visible_session(request: Request, pk: int) -> Session:
    session = selectors.session_for(access=request_access(request), pk=pk)
    if session is None:
        raise NotFound
    return session


class SessionDetail(APIView):
    permission_classes = [READERS]

    @extend_schema(
        responses=SessionDetailSerializer,
        summary="A session: live quorum and agenda (pseudonyms only)",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, _visible_session(request, pk)))


class SessionAction(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        request=SessionActionSerializer,
        responses={200: SessionDetailSerializer},
        summary="Run the session: convene, add to the agenda, attendance and proxies, votes, conflicts, close",
        examples=[
            OpenApiExample(
                "Attendance with proxy",
                request_only=True,
                value={"action": "attendance", "member": 4, "presence": "absent", "proxy_to": 2},
            ),
            OpenApiExample(
                "Vote",
                request_only=True,
                value={"action": "vote", "item": 7, "member": 2, "choice": "favourable"},
            ),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = SessionActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _act(request, session_id=pk, action=data["action"], data=data)


class SessionAttendance(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        request=AttendanceSheetSerializer,
        responses={200: SessionDetailSerializer, **SHEET_ERRORS},
        summary="Record the attendance of every seat at once (all lines or none)",
        description=(
            "One line per member: present, by video, or absent with an optional proxy to a member "
            "present (marked present in this sheet or already). The sheet is recorded whole or "
            "not at all: a refused line gives a 400 whose message names the line and the member "
            '("Ligne 4 (Claire Martin, magistrat) : la procuration se donne à un membre '
            'présent."), repeated in `fields.rows`.'
        ),
        examples=[
            OpenApiExample(
                "Two present, one absent with a proxy",
                request_only=True,
                value={
                    "rows": [
                        {"member": 2, "presence": "in_person"},
                        {"member": 3, "presence": "video"},
                        {"member": 4, "presence": "absent", "proxy_to": 2},
                    ]
                },
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = AttendanceSheetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _act(
            request, session_id=pk, action="attendance_sheet", data=serializer.validated_data
        )


class ItemVotes(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        request=VoteSheetSerializer,
        responses={200: SessionDetailSerializer, **SHEET_ERRORS},
        summary="Record the votes of an agenda item at once (all lines or none)",
        description=(
            "One line per voter, for the item the open session is voting on. A member who "
            "declared an interest, or is otherwise excluded from this deliberation, has no vote; "
            "a seat votes once. A refused line gives a 400 naming the line and the member, and "
            "nothing is recorded."
        ),
        examples=[
            OpenApiExample(
                "Votes",
                request_only=True,
                value={
                    "rows": [
                        {"member": 2, "choice": "favourable"},
                        {"member": 3, "choice": "abstention"},
                    ]
                },
            )
        ],
    )
    def post(self, request: Request, pk: int, item_pk: int) -> Response:
        serializer = VoteSheetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _act(
            request,
            session_id=pk,
            action="votes",
            data={"item": item_pk, **serializer.validated_data},
        )


class SessionPdf(APIView):
    """The convocation or the minutes of a session, as the members receive them (PDF)."""

    permission_classes = [READERS]
    document: documents.SessionDocumentKind = "minutes"

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        document = documents.session_document(
            access=request_access(request), session_id=pk, kind=self.document
        )
        if document is None:
            raise NotFound
        response = HttpResponse(document.content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response


class SessionMinutesPdf(SessionPdf):
    document = "minutes"


class SessionConvocationPdf(SessionPdf):
    document = "convocation"
