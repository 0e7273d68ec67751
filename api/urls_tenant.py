"""API on a département's host."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api.urls_common import common
from api.views import (
    associations,
    casework,
    casework_followup,
    casework_transitions,
    commission,
    privacy,
    retention,
    tenant,
    worklists,
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(urlconf="routes.tenant"), name="schema"),
    *common,
    path("departement/", tenant.TenantSummaryView.as_view(), name="departement"),
    path("worklist/", worklists.WorklistView.as_view(), name="worklist"),
    path("retention/sweeps/", retention.SweepList.as_view(), name="retention-sweeps"),
    path("retention/sweeps/<int:pk>/", retention.SweepDetail.as_view(), name="retention-sweep"),
    path(
        "retention/sweeps/<int:pk>/confirm/",
        retention.SweepConfirm.as_view(),
        name="retention-sweep-confirm",
    ),
    path("retention/holds/", retention.HoldList.as_view(), name="retention-holds"),
    path(
        "retention/holds/<int:pk>/lift/", retention.HoldLift.as_view(), name="retention-hold-lift"
    ),
    path("retention/archives/", retention.ArchiveList.as_view(), name="retention-archives"),
    path(
        "retention/archives/<int:pk>/read/",
        retention.ArchiveRead.as_view(),
        name="retention-archive-read",
    ),
    path("commission/members/", commission.MemberList.as_view(), name="commission-members"),
    path(
        "commission/members/<int:pk>/end/",
        commission.MemberMandateEnd.as_view(),
        name="commission-member-end",
    ),
    path("agrements/", associations.AgrementList.as_view(), name="agrements"),
    path(
        "agrements/<int:pk>/actions/", associations.AgrementAction.as_view(), name="agrement-action"
    ),
    path("pilotage/figures/", associations.FiguresView.as_view(), name="pilotage-figures"),
    path("pilotage/strategy/", associations.StrategyView.as_view(), name="pilotage-strategy"),
    path(
        "pilotage/strategy/<int:axis>/actions/",
        associations.StrategyActionView.as_view(),
        name="pilotage-strategy-action",
    ),
    path(
        "pilotage/reports/<int:year>/", associations.ReportRequest.as_view(), name="pilotage-report"
    ),
    path("commission/sessions/", commission.SessionList.as_view(), name="commission-sessions"),
    path(
        "commission/sessions/<int:pk>/",
        commission.SessionDetail.as_view(),
        name="commission-session",
    ),
    path(
        "commission/sessions/<int:pk>/minutes.pdf",
        commission.SessionMinutesPdf.as_view(),
        name="commission-session-minutes",
    ),
    path(
        "commission/sessions/<int:pk>/convocation.pdf",
        commission.SessionConvocationPdf.as_view(),
        name="commission-session-convocation",
    ),
    path(
        "commission/sessions/<int:pk>/attendance/",
        commission.SessionAttendance.as_view(),
        name="commission-session-attendance",
    ),
    path(
        "commission/sessions/<int:pk>/items/<int:item_pk>/votes/",
        commission.ItemVotes.as_view(),
        name="commission-item-votes",
    ),
    path(
        "commission/sessions/<int:pk>/actions/",
        commission.SessionAction.as_view(),
        name="commission-session-action",
    ),
    path("persons/", casework.PersonList.as_view(), name="persons"),
    path("persons/<int:pk>/", casework.PersonDetail.as_view(), name="person"),
    path("dossiers/", casework.DossierList.as_view(), name="dossiers"),
    path("dossiers/<int:pk>/", casework.DossierDetail.as_view(), name="dossier"),
    *casework_transitions.urlpatterns(),
    path(
        "dossiers/<int:pk>/evaluations/",
        casework.EvaluationView.as_view(),
        name="dossier-evaluation",
    ),
    path("dossiers/<int:pk>/project/", casework.ProjectView.as_view(), name="dossier-project"),
    path(
        "dossiers/<int:pk>/association-avis/",
        casework.AssociationAvisView.as_view(),
        name="dossier-association-avis",
    ),
    path(
        "dossiers/<int:pk>/documents/",
        casework.DocumentUploadView.as_view(),
        name="dossier-documents",
    ),
    path("documents/<int:pk>/", casework.DocumentDownload.as_view(), name="document"),
    path(
        "pathways/<int:pk>/end-early/",
        casework_followup.PathwayEndEarly.as_view(),
        name="pathway-end-early",
    ),
    path("pathways/<int:pk>/exit/", casework_followup.PathwayExit.as_view(), name="pathway-exit"),
    path(
        "persons/<int:pk>/rights/", casework_followup.PersonRights.as_view(), name="person-rights"
    ),
    path(
        "dossiers/<int:pk>/notification/",
        casework_followup.NotificationView.as_view(),
        name="dossier-notification",
    ),
    path("reminders/", casework_followup.ReminderList.as_view(), name="reminders"),
    path("dossiers/<int:pk>/extra/", casework.ExtraView.as_view(), name="dossier-extra"),
    path(
        "dossiers/<int:pk>/project/actions/",
        casework_followup.ProjectActionCreate.as_view(),
        name="project-actions",
    ),
    path(
        "dossiers/<int:pk>/project/actions/<int:action_id>/",
        casework_followup.ProjectActionUpdate.as_view(),
        name="project-action",
    ),
    path(
        "persons/<int:pk>/rights/afis/msa/",
        casework_followup.AfisTransmissionView.as_view(),
        name="afis-msa",
    ),
    path("workflow/", casework_followup.WorkflowView.as_view(), name="workflow"),
    path("persons/<int:pk>/identity/", privacy.PersonIdentity.as_view(), name="person-identity"),
    path(
        "persons/<int:pk>/access-exports/",
        privacy.PersonAccessExports.as_view(),
        name="person-access-exports",
    ),
    path("access-exports/", privacy.AccessExportList.as_view(), name="access-exports"),
    path("access-exports/<int:pk>/", privacy.AccessExportDetail.as_view(), name="access-export"),
    path(
        "access-exports/<int:pk>/export.json",
        privacy.AccessExportJson.as_view(),
        name="access-export-json",
    ),
    path(
        "access-exports/<int:pk>/export.pdf",
        privacy.AccessExportPdf.as_view(),
        name="access-export-pdf",
    ),
    path("audit/events/", privacy.AuditEventList.as_view(), name="audit-events"),
    path("audit/events.csv", privacy.AuditEventCsv.as_view(), name="audit-events-csv"),
    path("persons/<int:pk>/readers/", privacy.PersonReaders.as_view(), name="person-readers"),
]
