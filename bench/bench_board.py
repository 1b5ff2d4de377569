"""The board page and the engagements API list at 1,000 / 10,000 / 100,000 engagements (a fifth open).

Server time is measured in-process (Django test client, median of ≥ 20 requests) with the SQL query
count, beside a floor: the same rows fetched with raw SQL in the same run (for the board, the first
25 cards of every column, one LIMIT per column; for the list, one page of 50 in list order).
Targets (issue 16): board ≤ 100 ms, API list of 50 ≤ 15 ms, and at 100k each ≤ 1.5 times its 10k figure.
"""

from __future__ import annotations

import os
import time
from unittest import mock

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from bench.common import count_queries, median_ms, report, reset_database, section, timed, verdict

SIZES = ((1_000, 200), (10_000, 2_000), (100_000, 20_000))
N, OPEN = 10_000, 2_000


def _sizes() -> tuple[tuple[int, int], ...]:
    """PSDESK_BENCH_SIZES=1000,10000 runs only those sizes (a fifth open); default 1k, 10k, 100k."""
    raw = os.environ.get("PSDESK_BENCH_SIZES", "")
    return tuple((int(n), int(n) // 5) for n in raw.split(",") if n.strip()) or SIZES


def _load(n: int, n_open: int) -> None:
    from django.core.management import call_command

    import psdesk.insights.demo

    reset_database()
    # The board needs the engagements, not the insights year of history (a tenth as many deals with
    # estimates, projects and forecast runs), which was most of the generation time at 100k.
    with mock.patch.object(psdesk.insights.demo, "generate", lambda ctx, progress=None: None):
        call_command("generate", "--engagements", str(n), "--open", str(n_open), verbosity=0)


def _floor_board() -> None:
    # The rows the board shows: up to 25 per column (oldest first in open columns, newest first in
    # closed ones) with account and EM names, one LIMIT per column in one statement.
    from psdesk.board.workflow import BOARD_COLUMNS
    from psdesk.engagements.choices import CLOSED_STATES

    parts = []
    for i, state in enumerate(BOARD_COLUMNS):
        order = "DESC" if state in CLOSED_STATES else "ASC"
        parts.append(
            f"""SELECT * FROM (SELECT e.id, e.title, e.state, e.version, e.state_changed_at, a.name, a.segment,
                     a.us_public_sector, u.username
              FROM engagements_engagement e JOIN crm_account a ON a.id = e.account_id
              LEFT JOIN auth_user u ON u.id = e.em_id WHERE e.state = '{state}' AND a.us_public_sector = %s
              ORDER BY e.state_changed_at {order}, e.id {order} LIMIT 25) AS c{i}"""  # noqa: S608 — constants
        )
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), [False] * len(parts))
        cur.fetchall()


def _floor_list() -> None:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT e.id, e.title, e.state, e.version, e.created_at, e.state_changed_at, e.opportunity_id,
                      a.id, a.name, a.segment, a.us_public_sector, u.id, u.username
               FROM engagements_engagement e JOIN crm_account a ON a.id = e.account_id
               LEFT JOIN auth_user u ON u.id = e.em_id WHERE a.us_public_sector = %s
               ORDER BY e.state_changed_at, e.id LIMIT 50""",
            [False],
        )
        cur.fetchall()


def _decorate_open_cards() -> None:
    """Issue 6's board: every open card with scoped labels and an SLA timer (bulk set-up)."""
    from django.contrib.contenttypes.models import ContentType

    from psdesk.engagements.models import Engagement, EngagementLabel
    from psdesk.sla.models import SlaPolicy, SlaTimer

    open_ids = list(Engagement.objects.exclude(state__in=["closed_won", "closed_lost"]).values_list("pk", flat=True))
    EngagementLabel.objects.bulk_create(
        [EngagementLabel(engagement_id=i, name="Services Calculator", scope="") for i in open_ids]
        + [EngagementLabel(engagement_id=i, name="RDM::needs-review", scope="RDM") for i in open_ids[::2]]
        + [EngagementLabel(engagement_id=i, name="TA::Approved", scope="TA") for i in open_ids[::3]],
        batch_size=2000,
    )
    from psdesk.core import clock

    now = clock.now()
    policy = SlaPolicy.objects.get(key="estimate_shared")
    ct = ContentType.objects.get_for_model(Engagement)
    SlaTimer.objects.bulk_create(
        [
            SlaTimer(policy=policy, target_type=ct, target_id=i, started_at=now, due_at=now, warn_at=now)
            for i in open_ids
        ],
        batch_size=2000,
    )


def _transition_latency() -> None:
    from django.contrib.auth.models import User

    from psdesk.board.services import engagement_transition
    from psdesk.engagements.models import Engagement

    erin = User.objects.get(username="erin")
    ids = list(
        Engagement.objects.filter(state="open", em__isnull=False, account__us_public_sector=False).values_list(
            "pk", flat=True
        )[:200]
    )
    samples = []
    for pk in ids:
        t0 = time.perf_counter()
        engagement_transition(engagement_id=pk, action="hold", actor=erin, reason="bench")
        samples.append(time.perf_counter() - t0)
    floor_ids = list(Engagement.objects.filter(state="awaiting_discovery").values_list("pk", flat=True)[:200])
    floor = []
    for pk in floor_ids:
        t0 = time.perf_counter()
        Engagement.objects.filter(pk=pk).update(state="awaiting_discovery")
        floor.append(time.perf_counter() - t0)
    report(
        f"transition service (median of {len(samples)})",
        median_ms(samples),
        floor_ms=median_ms(floor),
        extra="lock + guard + audit + SLA/notification hooks vs a bare UPDATE",
    )


def run() -> None:
    from psdesk.accounts.services import token_create

    print(f"   database: {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    at_10k: dict[str, float] = {}
    for n, n_open in _sizes():
        with section(f"board and API with {n:,} engagements ({n_open:,} open)"):
            t0 = time.perf_counter()
            _load(n, n_open)
            print(f"   generated in {time.perf_counter() - t0:.1f} s", flush=True)
            erin = User.objects.get(username="erin")
            web = Client()
            web.force_login(erin)
            token = token_create(user=erin)
            api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

            def board(web: Client = web) -> None:
                assert web.get("/").status_code == 200

            def api_list(api: Client = api) -> None:
                assert api.get("/api/v1/engagements?limit=50").status_code == 200

            deep = {"url": "/api/v1/engagements?limit=50"}
            for _ in range(20):  # follow `next` twenty pages in: 1,000 rows deep
                nxt = api.get(deep["url"]).json()["next"]
                deep["url"] = nxt.split("testserver", 1)[1] if nxt else deep["url"]

            def api_cursor(api: Client = api, deep: dict[str, str] = deep) -> None:
                assert api.get(deep["url"]).status_code == 200

            def api_offset(api: Client = api) -> None:
                assert api.get("/api/v1/engagements?limit=50&offset=1000").status_code == 200

            q_board, q_api = count_queries(board), count_queries(api_list)
            floor_b = median_ms(timed(_floor_board, repeat=20))
            floor_l = median_ms(timed(_floor_list, repeat=20))
            board_ms = median_ms(timed(board, repeat=25))
            list_ms = median_ms(timed(api_list, repeat=25))
            report(
                f"board page, {n:,} engagements", board_ms, floor_ms=floor_b, target_ms=100, extra=f"{q_board} queries"
            )
            report(
                f"API list of 50, {n:,} engagements", list_ms, floor_ms=floor_l, target_ms=15, extra=f"{q_api} queries"
            )
            report(f"API list, 21st page by cursor, {n:,}", median_ms(timed(api_cursor, repeat=25)), floor_ms=floor_l)
            report(
                f"API list, offset=1000 (compatibility), {n:,}",
                median_ms(timed(api_offset, repeat=25)),
                floor_ms=floor_l,
            )
            if n == N:
                at_10k = {"board": board_ms, "list": list_ms, "floor_b": floor_b, "floor_l": floor_l}
            elif n > N and at_10k:
                verdict(
                    "board page at 100k / at 10k",
                    board_ms / at_10k["board"],
                    target=1.5,
                    unit="x",
                    floor=floor_b / at_10k["floor_b"],
                    extra="floor column: the raw-SQL floor's own 100k/10k growth",
                )
                verdict(
                    "API list at 100k / at 10k",
                    list_ms / at_10k["list"],
                    target=1.5,
                    unit="x",
                    floor=floor_l / at_10k["floor_l"],
                    extra="floor column: the raw-SQL floor's own 100k/10k growth",
                )
            if n == N:
                _decorate_open_cards()
                report(
                    "board page with labels and SLA timers",
                    median_ms(timed(board, repeat=25)),
                    floor_ms=floor_b,
                    target_ms=100,
                    extra=f"{count_queries(board)} queries",
                )
                _transition_latency()
