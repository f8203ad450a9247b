from django.apps import AppConfig


class RightsConfig(AppConfig):
    """Subjects' rights: objections, wrongful punishment, credit repair and their deadlines (Art 28–31, 33)."""

    name = "xinyong.rights"
    label = "rights"

    def ready(self):
        from xinyong.accounts.permissions import Permission, has_permission
        from xinyong.exports.kinds import ExportKind, register
        from xinyong.rights import dashboard_views

        register(ExportKind(
            code=dashboard_views.EXPORT_KIND, label=dashboard_views.EXPORT_LABEL,
            allowed=lambda user: has_permission(user, Permission.VIEW_RIGHTS_CASES), describe=dashboard_views.export_describe,
            produce=dashboard_views.export_produce, articles=["Art 17", "Art 28", "Art 31", "Art 33"],
            page_url_name="rights_dashboard:dashboard",
        ))
