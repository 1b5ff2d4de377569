"""Issue 21: the weekly timesheet page and a project's budget burn (page and API) with 300
consultants x 52 weeks of time entries (78,000 entries), beside floors measured in the same run (the
week's entries, and the burn's grouped sum, each one raw SQL query), and the query counts at two
data sizes (they must be equal: cost flat in the number of entries)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client

from bench.common import count_queries, median_ms, report, reset_database, section, timed

TARGET_MS = 150
SIZES = [(30, 4), (300, 52)]  # (consultants, weeks)
PER_PROJECT = 5


def _load(n_consultants: int, n_weeks: int) -> dict[str, int]:
    from django.contrib.auth.models import User

    from psdesk.accounts.personas import PERSONAS
    from psdesk.accounts.services import persona_ensure
    from psdesk.core import clock
    from psdesk.crm.choices import OpportunityStage, RecordType
    from psdesk.crm.models import Account, Opportunity
    from psdesk.projects.choices import ProjectStatus
    from psdesk.projects.models import Project, ProjectTask
    from psdesk.scheduling.models import Consultant
    from psdesk.timesheets.choices import WeekStatus
    from psdesk.timesheets.models import TimeEntry, TimesheetWeek
    from psdesk.timesheets.selectors import monday_of

    reset_database()
    for p in PERSONAS:
        persona_ensure(p, password=None)
    alice, paula, cody = (User.objects.get(username=u) for u in ("alice", "paula", "cody"))
    n_projects = max(1, n_consultants // PER_PROJECT)
    accounts = Account.objects.bulk_create(Account(name=f"Bench {i:04d}") for i in range(n_projects))
    opps = Opportunity.objects.bulk_create(
        Opportunity(
            name=f"{a.name} PS",
            account=a,
            owner=alice,
            record_type=RecordType.PS_ONLY,
            stage=OpportunityStage.CLOSED_WON,
        )
        for a in accounts
    )
    now = clock.now()
    projects = Project.objects.bulk_create(
        Project(
            name=f"{a.name} - Implementation",
            account=a,
            opportunity=o,
            status=ProjectStatus.ACTIVE,
            coordinator=paula,
            budget=Decimal("500000.00"),
            booked_at=now - timedelta(weeks=n_weeks + 1),
        )
        for a, o in zip(accounts, opps, strict=True)
    )
    tasks = ProjectTask.objects.bulk_create(
        ProjectTask(project=p, position=k, name=f"Task {k}", role="PSE", hours=Decimal("100000"))
        for p in projects
        for k in range(3)
    )
    by_project: dict[int, list[ProjectTask]] = {}
    for t in tasks:
        by_project.setdefault(t.project_id, []).append(t)
    consultants = Consultant.objects.bulk_create(
        Consultant(name=f"Consultant {i:04d}", email=f"c{i}@example.com", role="PSE", user=cody if i == 0 else None)
        for i in range(n_consultants)
    )
    last_monday = monday_of(clock.today()) - timedelta(weeks=1)
    mondays = [last_monday - timedelta(weeks=k) for k in range(n_weeks)]
    weeks = TimesheetWeek.objects.bulk_create(
        (
            TimesheetWeek(
                consultant=c,
                project=projects[i // PER_PROJECT % n_projects],
                week_start=m,
                status=WeekStatus.APPROVED if k else WeekStatus.OPEN,
            )
            for i, c in enumerate(consultants)
            for k, m in enumerate(mondays)
        ),
        batch_size=5000,
    )
    entries: list[TimeEntry] = []
    for w in weeks:
        ptasks = by_project[w.project_id]
        entries.extend(
            TimeEntry(
                consultant_id=w.consultant_id,
                project_id=w.project_id,
                task=ptasks[d % 3],
                week=w,
                day=w.week_start + timedelta(days=d),
                hours=Decimal("8"),
            )
            for d in range(5)
        )
        if len(entries) >= 20_000:
            TimeEntry.objects.bulk_create(entries, batch_size=5000)
            entries = []
    TimeEntry.objects.bulk_create(entries, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # fresh statistics, as a production database keeps them
    return {"consultant": consultants[0].pk, "project": projects[0].pk, "week": last_monday.toordinal()}


def _floor_week(consultant_id: int, monday: str, sunday: str) -> None:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT e.id, e.day, e.hours, t.id, t.name, t.hours, p.name FROM timesheets_timeentry e
               JOIN projects_projecttask t ON t.id = e.task_id JOIN projects_project p ON p.id = e.project_id
               WHERE e.consultant_id = %s AND e.day BETWEEN %s AND %s""",
            [consultant_id, monday, sunday],
        )
        cur.fetchall()


def _floor_burn(project_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT c.role, strftime('%%Y', e.day), (CAST(strftime('%%m', e.day) AS INTEGER) + 2) / 3,
                      SUM(e.hours) FROM timesheets_timeentry e JOIN scheduling_consultant c ON c.id = e.consultant_id
               WHERE e.project_id = %s GROUP BY 1, 2, 3"""
            if connection.vendor == "sqlite"
            else """SELECT c.role, EXTRACT(year FROM e.day), EXTRACT(quarter FROM e.day), SUM(e.hours)
               FROM timesheets_timeentry e JOIN scheduling_consultant c ON c.id = e.consultant_id
               WHERE e.project_id = %s GROUP BY 1, 2, 3""",
            [project_id],
        )
        cur.fetchall()


def _measure(n: int, w: int, counts: dict[str, list[int]]) -> None:
    from datetime import date

    from django.contrib.auth.models import User

    from psdesk.accounts.services import token_create

    ids = _load(n, w)
    monday = date.fromordinal(ids["week"])
    sunday = monday + timedelta(days=6)
    cody, paula = User.objects.get(username="cody"), User.objects.get(username="paula")
    web_cody, web_paula = Client(), Client()
    web_cody.force_login(cody)
    web_paula.force_login(paula)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=paula)}")
    sheet_url = f"/timesheets/?week={monday.isoformat()}"
    burn_url = f"/timesheets/projects/{ids['project']}/"
    api_url = f"/api/v1/projects/{ids['project']}/budget-burn"

    def sheet() -> None:
        assert web_cody.get(sheet_url).status_code == 200

    def burn_page() -> None:
        assert web_paula.get(burn_url).status_code == 200

    def burn_api() -> None:
        assert api.get(api_url).status_code == 200

    for name, fn in (("timesheet", sheet), ("burn page", burn_page), ("burn api", burn_api)):
        fn()  # warm the session and token caches before counting
        counts[name].append(count_queries(fn))
    f_week = median_ms(timed(lambda: _floor_week(ids["consultant"], monday.isoformat(), sunday.isoformat())))
    f_burn = median_ms(timed(lambda: _floor_burn(ids["project"])))
    for label, fn, floor in (
        ("timesheet page (one week)", sheet, f_week),
        ("budget burn page (chart)", burn_page, f_burn),
        ("budget burn API", burn_api, f_burn),
    ):
        report(label, median_ms(timed(fn)), floor_ms=floor, target_ms=TARGET_MS, extra=f"{count_queries(fn)} queries")


def run() -> None:
    counts: dict[str, list[int]] = {"timesheet": [], "burn page": [], "burn api": []}
    for n, w in SIZES:
        with section(f"{n} consultants x {w} weeks of time entries ({n * w * 5:,} entries)"):
            _measure(n, w, counts)
    for name, c in counts.items():
        verdict = "OK" if len(set(c)) == 1 else "MISSED"
        print(f"query count of {name:<10} at {SIZES}: {c}  constant: {verdict}", flush=True)
