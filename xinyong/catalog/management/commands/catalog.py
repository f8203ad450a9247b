"""`xinyong catalog seed`: load the catalog a fresh platform starts with (idempotent; Art 18).

`xinyong catalog show [--tier TIER]`: the versions of each tier and the items of the catalog in force.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from xinyong.catalog.seed import catalog_seed
from xinyong.catalog.selectors import published_catalog, versions_by_tier


class Command(BaseCommand):
    help = "Seed or show the public credit information catalog."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seed", help="create the national categories and first versions if they are missing")
        sub.add_parser("show", help="list the versions of each tier and the items in force")

    def handle(self, *args, **options):
        if options["action"] == "seed":
            self._seed()
        else:
            self._show()

    def _seed(self) -> None:
        result = catalog_seed()
        if not result.changed:
            self.stdout.write("catalog: nothing to do, the seed is already there")
            return
        if result.categories_created:
            self.stdout.write(f"categories created: {', '.join(result.categories_created)}")
        if result.categories_updated:
            self.stdout.write(f"categories updated: {', '.join(result.categories_updated)}")
        for version in result.versions_created:
            self.stdout.write(f"version created: {version}")

    def _show(self) -> None:
        for tier, versions in versions_by_tier():
            listed = ", ".join(f"v{v.number} {v.status}" for v in versions) or "-"
            self.stdout.write(f"{tier}: {listed}")
        for entry in published_catalog():
            for published in entry.items:
                item = published.item
                self.stdout.write(
                    f"{item.code}\t{item.name}\t{entry.category.name}\t{item.version.tier} v{item.version.number}"
                    f"\t{len(published.fields)} fields"
                )
