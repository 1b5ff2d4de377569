"""`make bench`: run every bench/bench_*.py scenario (or those named: `python -m bench board sla`).

Every target prints one verdict line (target, median, the floor measured in the same run, ratio,
OK/MISSED) and a summary closes the run. The exit status is 1 only when a scenario crashed; a missed
target is reported, never an error.

Uses its own database (var/bench.sqlite3 unless DATABASE_URL is set) so it never touches demo data.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{root / 'var' / 'bench.sqlite3'}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    from bench.common import scenario_begin, summary

    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" for a in argv] or names
    failed = 0
    for name in wanted:
        if name not in names:
            print(f"unknown scenario {name}; known: {', '.join(n[6:] for n in names)}")
            return 2
        module = importlib.import_module(f"bench.{name}")
        print(f"\n######## {name} ########", flush=True)
        scenario_begin(name)
        t0 = time.perf_counter()
        try:
            module.run()
        except Exception as exc:  # a scenario failing must not hide the others' figures
            failed += 1
            print(f"!! {name} failed: {exc!r}")
        print(f"######## {name} done in {time.perf_counter() - t0:.1f} s", flush=True)
    print(summary(), flush=True)
    if failed:
        print(f"{failed} scenario(s) crashed (see '!!' above); a MISSED target alone never fails the run")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
