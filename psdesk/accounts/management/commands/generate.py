from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from psdesk.core.demo import DemoContext, demo_modules


class Command(BaseCommand):
    help = "Generate a large data set for benchmarks (e.g. --engagements 10000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engagements", type=int, default=10_000, help="how many engagements (default 10,000)")
        parser.add_argument("--open", type=int, default=2_000, help="how many of them are in open columns")
        parser.add_argument("--seed", type=int, default=7, help="random seed, so a run is reproducible (default 7)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["engagements"] < 0 or opts["open"] < 0 or opts["open"] > opts["engagements"]:
            self.stderr.write("--engagements and --open must be ≥ 0 and --open ≤ --engagements")
            raise SystemExit(2)
        ctx = DemoContext(seed=opts["seed"], rng=random.Random(opts["seed"]))  # noqa: S311 — reproducible bench data
        ctx.objects["n_engagements"] = opts["engagements"]
        ctx.objects["n_open"] = opts["open"]
        for _app, module in demo_modules():
            gen = getattr(module, "generate", None)
            if gen:
                gen(ctx, progress=self.stdout)
        for line in ctx.log:
            self.stdout.write(line)
