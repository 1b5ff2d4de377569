"""Issue 2: the board page and the engagements API list with 10,000 engagements (2,000 open).

Server time is measured in-process (Django test client, median of ≥ 20 requests) with the SQL query
count, beside a floor: the same rows fetched with one raw SQL query in the same run.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from bench.common import count_queries, median_ms, report, reset_database, section, timed

N, OPEN = 10_000, 2_000


def _load(n: int, n_open: int) -> None:
    from django.core.management import call_command

    reset_database()
    call_command("generate", "--engagements", str(n), "--open", str(n_open), verbosity=0)


def _floor_board() -> None:
    # The rows the board shows: up to 25 per column, with account and EM names, one query.
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT * FROM (
              SELECT e.id, e.title, e.state, e.version, e.state_changed_at, a.name, a.segment,
                     a.us_public_sector, u.username,
                     ROW_NUMBER() OVER (PARTITION BY e.state ORDER BY e.state_changed_at, e.id) AS rk
              FROM engagements_engagement e JOIN crm_account a ON a.id = e.account_id
              LEFT JOIN auth_user u ON u.id = e.em_id WHERE a.us_public_sector = %s
            ) t WHERE rk <= 25
            """,
            [False],
        )
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


def run() -> None:
    from psdesk.accounts.services import token_create

    for n, n_open in ((1_000, 200), (N, OPEN)):
        with section(f"board and API with {n:,} engagements ({n_open:,} open)"):
            _load(n, n_open)
            erin = User.objects.get(username="erin")
            web = Client()
            web.force_login(erin)
            token = token_create(user=erin)
            api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

            def board(web: Client = web) -> None:
                assert web.get("/").status_code == 200

            def api_list(api: Client = api) -> None:
                assert api.get("/api/v1/engagements?limit=50").status_code == 200

            q_board, q_api = count_queries(board), count_queries(api_list)
            floor_b = median_ms(timed(_floor_board, repeat=20))
            floor_l = median_ms(timed(_floor_list, repeat=20))
            report(
                "board page (median of 25)",
                median_ms(timed(board, repeat=25)),
                floor_ms=floor_b,
                target_ms=100,
                extra=f"{q_board} queries",
            )
            report(
                "API list of 50 (median of 25)",
                median_ms(timed(api_list, repeat=25)),
                floor_ms=floor_l,
                target_ms=20,
                extra=f"{q_api} queries",
            )
