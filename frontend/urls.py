"""Pages, split by host: the national console and a département's space share the auth pages."""

from __future__ import annotations

from django.urls import path

from frontend.views import (
    associations,
    auth,
    casework,
    casework_pathway,
    commission,
    health,
    legal,
    mfa,
    national,
    national_oversight,
    national_privacy,
    national_statistics,
    pilotage,
    privacy,
    retention,
    tenant,
    workflow,
)

app_name = "frontend"

common = [
    path("connexion/", auth.login_view, name="login"),
    path("deconnexion/", auth.logout_view, name="logout"),
    path("espaces/", auth.spaces_view, name="spaces"),
    path("espaces/aller/<str:code>/", auth.go_view, name="go"),
    path("espaces/entrer/", auth.enter_view, name="enter"),
    path("connexion/second-facteur/", mfa.verify_view, name="second_factor"),
    path("connexion/second-facteur/inscription/", mfa.enrol_view, name="second_factor_enrol"),
    path("connexion/debloquer/", mfa.unlock_view, name="login_unlock"),
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    # The footer's mandatory pages, public on every host.
    path("accessibilite/", legal.accessibility, name="accessibility"),
    path("mentions-legales/", legal.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", legal.personal_data, name="personal_data"),
    path("plan-du-site/", legal.site_map, name="site_map"),
]

public_patterns = [
    *common,
    path("", national.home, name="home"),
    path("departements/<str:code>/provisionner/", national.provision, name="provision"),
    path("referentiel/", national.referentiel, name="referentiel"),
    path("comptes/second-facteur/", mfa.reset_view, name="second_factor_reset"),
    path("associations/", associations.registry, name="associations"),
    path("associations/<int:pk>/", associations.registry_edit, name="association_edit"),
    path("statistiques/", national_statistics.overview, name="statistics"),
    path("statistiques/export.csv", national_statistics.export_csv, name="statistics_csv"),
    path("statistiques/export.xlsx", national_statistics.export_xlsx, name="statistics_xlsx"),
    path("statistiques/export.ods", national_statistics.export_ods, name="statistics_ods"),
    path("statistiques/publier/", national_statistics.publish, name="statistics_publish"),
    path("statistiques/commissions/", national_oversight.commissions, name="oversight"),
    path(
        "statistiques/commissions/actualiser/",
        national_oversight.commissions_refresh,
        name="oversight_refresh",
    ),
    path(
        "statistiques/rapports/demander/",
        national_statistics.report_request,
        name="statistics_report_request",
    ),
    path(
        "statistiques/rapports/<int:pk>/rapport.pdf",
        national_statistics.report_download,
        name="statistics_report",
    ),
    path("donnees-ouvertes/", national_statistics.open_data, name="open_data"),
    path(
        "donnees-ouvertes/publication.csv", national_statistics.open_data_csv, name="open_data_csv"
    ),
    path(
        "donnees-ouvertes/publication.ods", national_statistics.open_data_ods, name="open_data_ods"
    ),
    path(
        "donnees-ouvertes/confidentialite-differentielle.csv",
        national_privacy.open_data_dp_csv,
        name="open_data_dp_csv",
    ),
    path("statistiques/confidentialite/", national_privacy.budget, name="privacy_budget"),
    path(
        "statistiques/confidentialite/budget/",
        national_privacy.budget_set,
        name="privacy_budget_set",
    ),
    path(
        "referentiel/nomenclatures/<int:pk>/",
        national.nomenclature_item_edit,
        name="nomenclature_item",
    ),
]

tenant_patterns = [
    *common,
    path("", tenant.home, name="home"),
    path("dossiers/", casework.dossier_list, name="dossiers"),
    path("personnes/nouvelle/", casework.person_new, name="person_new"),
    path("dossiers/<int:pk>/", casework.dossier_detail, name="dossier"),
    path("dossiers/<int:pk>/pieces/", casework.document_upload, name="dossier_upload"),
    path(
        "dossiers/<int:pk>/evaluation/<str:domain>/",
        casework.evaluation_edit,
        name="dossier_evaluation",
    ),
    path("dossiers/<int:pk>/projet/", casework.project_edit, name="dossier_project"),
    path("dossiers/<int:pk>/avis-association/", casework.avis_edit, name="dossier_avis"),
    path("dossiers/<int:pk>/renouvellement/", casework_pathway.renewal_new, name="dossier_renewal"),
    path("dossiers/<int:pk>/parcours/", casework_pathway.pathway_action, name="pathway_action"),
    path("pieces/<int:pk>/", casework.document_download, name="document"),
    path("dossiers/<int:pk>/droits/", casework_pathway.right_update, name="right_update"),
    path("dossiers/<int:pk>/champs/", casework.extra_edit, name="dossier_extra"),
    path("dossiers/<int:pk>/actions/", casework.action_edit, name="action_new"),
    path("dossiers/<int:pk>/actions/<int:action_id>/", casework.action_edit, name="action_edit"),
    path("dossiers/<int:pk>/afis-msa/", casework_pathway.afis_transmit, name="afis_transmit"),
    path(
        "dossiers/<int:pk>/notification/", casework_pathway.notification_record, name="notification"
    ),
    path("modele-de-parcours/", workflow.workflow_settings, name="workflow"),
    path("commission/membres/", commission.members, name="commission_members"),
    path("agrements/", associations.agrement_list, name="agrements"),
    path("conservation/", retention.overview, name="retention"),
    path("conservation/balayages/", retention.sweep_start, name="retention_sweep_start"),
    path("conservation/balayages/<int:pk>/", retention.sweep_detail, name="retention_sweep"),
    path(
        "conservation/balayages/<int:pk>/executer/",
        retention.sweep_confirm,
        name="retention_sweep_confirm",
    ),
    path("conservation/gels/", retention.holds, name="retention_holds"),
    path("conservation/gels/<int:pk>/lever/", retention.hold_lift, name="retention_hold_lift"),
    path("conservation/archives/<int:pk>/", retention.archive_read, name="retention_archive"),
    path("pilotage/", pilotage.overview, name="pilotage"),
    path("pilotage/actions/", pilotage.action, name="pilotage_action"),
    path("pilotage/statistiques/", pilotage.statistics, name="pilotage_statistics"),
    path("pilotage/rapports/<int:pk>/", pilotage.report_download, name="pilotage_report"),
    path("agrements/<int:pk>/", associations.agrement_action, name="agrement_action"),
    path("agrements/<int:pk>/arrete/", associations.agrement_arrete, name="agrement_arrete"),
    path(
        "agrements/<int:pk>/arrete.pdf",
        associations.agrement_arrete_download,
        name="agrement_arrete_pdf",
    ),
    path("commission/seances/", commission.sessions, name="commission_sessions"),
    path("commission/colleges/", commission.college_setting, name="commission_college"),
    path("commission/membres/<int:pk>/arrete/", commission.member_arrete, name="member_arrete"),
    path("commission/membres/<int:pk>/fin/", commission.member_end, name="member_end"),
    path(
        "commission/membres/<int:pk>/arrete.pdf",
        commission.member_arrete_download,
        name="member_arrete_pdf",
    ),
    path("commission/seances/<int:pk>/", commission.session_detail, name="commission_session"),
    path(
        "commission/seances/<int:pk>/actions/",
        commission.session_action,
        name="commission_session_action",
    ),
    path(
        "commission/inscrire/<int:dossier_pk>/",
        commission.schedule_file,
        name="commission_schedule_file",
    ),
    path(
        "commission/seances/<int:pk>/proces-verbal/",
        commission.session_minutes,
        name="commission_minutes",
    ),
    path(
        "commission/seances/<int:pk>/convocation/",
        commission.session_convocation,
        name="commission_convocation",
    ),
    path("personnes/<int:pk>/", privacy.person_detail, name="privacy_person"),
    path("personnes/<int:pk>/droit-acces/", privacy.export_request, name="privacy_export_request"),
    path("droit-acces/", privacy.exports, name="privacy_exports"),
    path("droit-acces/<int:pk>/export.json", privacy.export_json, name="privacy_export_json"),
    path("droit-acces/<int:pk>/export.pdf", privacy.export_pdf, name="privacy_export_pdf"),
    path("journal/", privacy.trail, name="privacy_trail"),
    path("journal/export.csv", privacy.trail_csv, name="privacy_trail_csv"),
]
