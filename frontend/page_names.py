"""Each page's name in French, by its URL name: its title, and its entry in the site map.

A view that knows better (a file's number, a session's date) passes its own `page_title`; any
other page is titled from here, so that no two pages share a title (RGAA 8.6). Routes absent
from this map are not pages (a download, an action answered by a redirect).
"""

from __future__ import annotations

PAGE_NAMES: dict[str, str] = {
    # Both hosts
    "frontend:login": "Connexion",
    "frontend:spaces": "Mes espaces",
    "frontend:enter": "Entrer dans un espace",
    "frontend:second_factor": "Second facteur",
    "frontend:second_factor_enrol": "Activer le second facteur",
    "frontend:login_unlock": "Débloquer la connexion",
    "frontend:accessibility": "Déclaration d'accessibilité",
    "frontend:legal_notice": "Mentions légales",
    "frontend:personal_data": "Données personnelles",
    "frontend:site_map": "Plan du site",
    # National console
    "frontend:referentiel": "Référentiel national",
    "frontend:second_factor_reset": "Réinitialiser un second facteur",
    "frontend:associations": "Registre des associations",
    "frontend:association_edit": "Association",
    "frontend:statistics": "Statistiques nationales",
    "frontend:oversight": "Suivi des commissions",
    "frontend:open_data": "Données ouvertes",
    "frontend:privacy_budget": "Budget de confidentialité",
    "frontend:nomenclature_item": "Élément de nomenclature",
    # A département's space
    "frontend:dossiers": "Dossiers",
    "frontend:person_new": "Nouvelle personne",
    "frontend:dossier": "Dossier",
    "frontend:dossier_evaluation": "Évaluation des besoins",
    "frontend:dossier_project": "Projet d'insertion",
    "frontend:dossier_avis": "Avis de l'association",
    "frontend:dossier_extra": "Informations complémentaires",
    "frontend:action_new": "Nouvelle action du projet",
    "frontend:action_edit": "Action du projet",
    "frontend:workflow": "Modèle de parcours",
    "frontend:commission_members": "Membres de la commission",
    "frontend:agrements": "Agréments",
    "frontend:retention": "Conservation des données",
    "frontend:retention_sweep_start": "Nouveau balayage de conservation",
    "frontend:retention_sweep": "Balayage de conservation",
    "frontend:retention_holds": "Gels juridiques",
    "frontend:retention_archive": "Dossier archivé",
    "frontend:pilotage": "Pilotage départemental",
    "frontend:pilotage_statistics": "Nos chiffres et les chiffres publiés",
    "frontend:commission_sessions": "Séances de la commission",
    "frontend:commission_session": "Séance de la commission",
    "frontend:privacy_person": "Personne",
    "frontend:privacy_exports": "Droit d'accès des personnes",
    "frontend:privacy_trail": "Journal d'audit",
}

# The home page's name, by host.
HOME_NATIONAL = "Accueil de la console nationale"
HOME_DEPARTEMENT = "Accueil"


def page_name(view_name: str, *, national: bool) -> str:
    if view_name == "frontend:home":
        return HOME_NATIONAL if national else HOME_DEPARTEMENT
    return PAGE_NAMES.get(view_name, "")
