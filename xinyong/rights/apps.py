from django.apps import AppConfig


class RightsConfig(AppConfig):
    """Subjects' rights: objections, wrongful punishment, credit repair and their deadlines (Art 28–31, 33)."""

    name = "xinyong.rights"
    label = "rights"

    def ready(self) -> None:
        from xinyong.accounts.permissions import Permission, has_permission
        from xinyong.core.workdays import provisional_deadlines_recompute
        from xinyong.exports.kinds import ExportKind, register
        from xinyong.rights import dashboard_views

        register(ExportKind(
            code=dashboard_views.EXPORT_KIND, label=dashboard_views.EXPORT_LABEL,
            allowed=lambda user: has_permission(user, Permission.VIEW_RIGHTS_CASES), describe=dashboard_views.export_describe,
            produce=dashboard_views.export_produce, articles=["Art 17", "Art 28", "Art 31", "Art 33"],
            page_url_name="rights_dashboard:dashboard",
        ))
        provisional_deadlines_recompute.connect(recompute_due_dates, dispatch_uid="rights_recompute_due_dates")


def recompute_due_dates(sender, *, calendar, on, **kwargs):
    """A calendar edit: recompute the provisional due dates of cases (domain facts §11). Nothing while the
    rights tables do not exist yet (the calendar is seeded after a partial migrate too)."""
    from django.db import connection

    from xinyong.rights.deadlines import cases_recompute_provisional
    from xinyong.rights.models import Case, CaseEvent

    tables = {Case._meta.db_table, CaseEvent._meta.db_table}
    if not tables <= set(connection.introspection.table_names()):
        return None
    return cases_recompute_provisional(calendar=calendar, on=on)
