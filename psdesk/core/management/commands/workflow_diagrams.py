from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.workflow import load_all_workflows


class Command(BaseCommand):
    help = "Write docs/workflows/<name>.md for every workflow (or --check that they are current)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail when a diagram is stale")

    def handle(self, *args: Any, **opts: Any) -> None:
        out_dir = Path(settings.BASE_DIR) / "docs" / "workflows"
        out_dir.mkdir(parents=True, exist_ok=True)
        stale = []
        for doc, text in load_all_workflows().items():
            path = out_dir / f"{doc}.md"
            current = path.read_text() if path.exists() else ""
            if current != text:
                stale.append(path.name)
                if not opts["check"]:
                    path.write_text(text)
        if opts["check"] and stale:
            raise CommandError(f"stale workflow diagrams: {', '.join(stale)}; run `make diagrams`")
        self.stdout.write(f"{'stale' if stale else 'current'}: {', '.join(stale) or 'all diagrams'}")
