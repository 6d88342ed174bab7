"""Pages for the people who follow the ministry's data: what changed lately (`/nouveautes`) and which
datasets are late on the update frequency their publisher declared (`/fraicheur`)."""

from __future__ import annotations

from graph_service.web.documents.changes import Activity, summary
from graph_service.web.documents.freshness import Freshness
from graph_service.web.html.layout import esc, link, number, page


def news(items: list[Activity], limit: int = 200) -> str:
    """The newest changes, newest first, in plain French, with the feeds to follow them."""
    newest = list(reversed(items))[:limit]
    rows = "".join(f"<tr><td>{esc(a.published[:10])}</td><td>{link(a.graph, summary(a))}</td></tr>"
                   for a in newest)
    body = ("<h1>Nouveautés</h1><p>Ce qui a changé dans les données à chaque construction du graphe : "
            "enregistrements ajoutés, modifiés ou supprimés par source, et jeux de données du catalogue "
            "ajoutés, modifiés ou retirés. À suivre dans un lecteur de flux : "
            f'{link("/feed", "flux Atom")} ; pour les machines : {link("/ldes", "Linked Data Event Stream")}.</p>'
            + (f"<table><caption>Les {number(len(newest))} changements les plus récents</caption>"
               f"<thead><tr><th scope=col>Date</th><th scope=col>Changement</th></tr></thead>"
               f"<tbody>{rows}</tbody></table>" if newest else "<p>Aucun changement enregistré pour l'instant.</p>"))
    return page("Nouveautés", body, alternates=[("/feed", "application/atom+xml")])


def freshness(late: list[Freshness], measured: int) -> str:
    """The datasets late on their declared frequency, the latest first."""
    rows = "".join(
        f"<tr><td>{link(f.dataset, f.title)}</td><td>{esc(f.frequency_label or f.frequency or '—')}</td>"
        f"<td>{esc(f.modified[:10])}</td><td class=num>{number(f.days_since_update)}</td>"
        f"<td class=num>{number(f.days_late or 0)}</td></tr>" for f in late)
    body = ("<h1>Fraîcheur des jeux de données</h1>"
            f"<p>{number(len(late))} jeux de données sur {number(measured)} n'ont pas été mis à jour au rythme "
            "que leur éditeur annonce. Règle : un jeu de données est en retard quand sa dernière mise à jour "
            "(date du portail) date de plus de deux périodes plus une semaine (trois semaines pour un jeu "
            "hebdomadaire, deux ans et une semaine pour un jeu annuel), au jour de la construction du graphe. "
            f'Les mêmes données : {link("/api/freshness", "/api/freshness")} (JSON).</p>'
            + (f"<table><caption>Jeux de données en retard</caption><thead><tr><th scope=col>Jeu de données</th>"
               f"<th scope=col>Fréquence annoncée</th><th scope=col>Dernière mise à jour</th>"
               f"<th scope=col>Jours depuis</th><th scope=col>Jours de retard</th></tr></thead>"
               f"<tbody>{rows}</tbody></table>" if late else "<p>Aucun jeu de données en retard.</p>"))
    return page("Fraîcheur des jeux de données", body)
