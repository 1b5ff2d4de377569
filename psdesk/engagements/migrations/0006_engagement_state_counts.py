"""Per-state engagement counts maintained by database triggers (issue 16: the board and the API
list stay flat in N). The counts are split by the account's `us_public_sector` so people outside
PubSec get their counts without joining any engagement to its account.

SQLite: row triggers (cheap there). PostgreSQL: statement triggers over transition tables, so a
bulk insert of 100k rows updates each count row once, and the rows are touched in (state, sector)
order, so two opposite moves in concurrent transactions never deadlock.
"""

from typing import Any

from django.db import migrations, models, transaction
from django.db.models import Count

COUNTS = "engagements_engagementstatecount"

_SECTOR_OF = "COALESCE((SELECT us_public_sector FROM crm_account WHERE id = {row}.account_id), 0)"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER engagement_state_count_insert AFTER INSERT ON engagements_engagement
BEGIN
  INSERT INTO {COUNTS} (state, us_public_sector, n) VALUES (NEW.state, {_SECTOR_OF.format(row="NEW")}, 1)
  ON CONFLICT (state, us_public_sector) DO UPDATE SET n = n + 1;
END""",
    f"""CREATE TRIGGER engagement_state_count_update AFTER UPDATE OF state, account_id ON engagements_engagement
WHEN OLD.state IS NOT NEW.state OR OLD.account_id IS NOT NEW.account_id
BEGIN
  UPDATE {COUNTS} SET n = n - 1 WHERE state = OLD.state AND us_public_sector = {_SECTOR_OF.format(row="OLD")};
  INSERT INTO {COUNTS} (state, us_public_sector, n) VALUES (NEW.state, {_SECTOR_OF.format(row="NEW")}, 1)
  ON CONFLICT (state, us_public_sector) DO UPDATE SET n = n + 1;
END""",
    f"""CREATE TRIGGER engagement_state_count_delete AFTER DELETE ON engagements_engagement
BEGIN
  UPDATE {COUNTS} SET n = n - 1 WHERE state = OLD.state AND us_public_sector = {_SECTOR_OF.format(row="OLD")};
END""",
    f"""CREATE TRIGGER engagement_state_count_sector AFTER UPDATE OF us_public_sector ON crm_account
WHEN OLD.us_public_sector IS NOT NEW.us_public_sector
BEGIN
  UPDATE {COUNTS} SET n = n - (SELECT COUNT(*) FROM engagements_engagement e
                                WHERE e.account_id = NEW.id AND e.state = {COUNTS}.state)
   WHERE us_public_sector = OLD.us_public_sector;
  INSERT INTO {COUNTS} (state, us_public_sector, n)
  SELECT state, NEW.us_public_sector, COUNT(*) FROM engagements_engagement WHERE account_id = NEW.id GROUP BY state
  ON CONFLICT (state, us_public_sector) DO UPDATE SET n = n + excluded.n;
END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS engagement_state_count_{name}" for name in ("insert", "update", "delete", "sector")
]


def _pg_apply(deltas: str) -> str:
    """Add the grouped deltas of `deltas` (rows of state, ps, d) to the counts, in key order."""
    return f"""INSERT INTO {COUNTS} AS c (state, us_public_sector, n)
    SELECT state, ps, SUM(d) FROM ({deltas}) AS x GROUP BY state, ps HAVING SUM(d) <> 0 ORDER BY state, ps
    ON CONFLICT (state, us_public_sector) DO UPDATE SET n = c.n + excluded.n;"""


def _pg_rows(table: str, sign: int) -> str:
    return (
        f"SELECT r.state, COALESCE(a.us_public_sector, false) AS ps, {sign} AS d "
        f"FROM {table} r LEFT JOIN crm_account a ON a.id = r.account_id"
    )


_PG_SECTOR_MOVES = """
    SELECT e.state, {side}.us_public_sector AS ps, {sign} AS d
      FROM old_rows o JOIN new_rows nw ON nw.id = o.id JOIN engagements_engagement e ON e.account_id = o.id
     WHERE o.us_public_sector IS DISTINCT FROM nw.us_public_sector"""

PG_FORWARD = f"""
CREATE FUNCTION psdesk_engagement_state_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_pg_apply(_pg_rows("new_rows", 1))}
  ELSIF TG_OP = 'DELETE' THEN
    {_pg_apply(_pg_rows("old_rows", -1))}
  ELSE
    {_pg_apply(_pg_rows("old_rows", -1) + " UNION ALL " + _pg_rows("new_rows", 1))}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER engagement_state_count_insert AFTER INSERT ON engagements_engagement
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION psdesk_engagement_state_count();
CREATE TRIGGER engagement_state_count_update AFTER UPDATE ON engagements_engagement
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION psdesk_engagement_state_count();
CREATE TRIGGER engagement_state_count_delete AFTER DELETE ON engagements_engagement
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION psdesk_engagement_state_count();
CREATE FUNCTION psdesk_engagement_state_count_sector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_pg_apply(_PG_SECTOR_MOVES.format(side="o", sign=-1) + " UNION ALL " + _PG_SECTOR_MOVES.format(side="nw", sign=1))}
  RETURN NULL;
END $$;
CREATE TRIGGER engagement_state_count_sector AFTER UPDATE ON crm_account
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION psdesk_engagement_state_count_sector();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS engagement_state_count_sector ON crm_account;
DROP TRIGGER IF EXISTS engagement_state_count_insert ON engagements_engagement;
DROP TRIGGER IF EXISTS engagement_state_count_update ON engagements_engagement;
DROP TRIGGER IF EXISTS engagement_state_count_delete ON engagements_engagement;
DROP FUNCTION IF EXISTS psdesk_engagement_state_count_sector();
DROP FUNCTION IF EXISTS psdesk_engagement_state_count();
"""


class ByVendor(migrations.RunSQL):
    """RunSQL with one script per database vendor (SQLite, PostgreSQL); any other vendor is refused."""

    def __init__(self, forward: dict[str, list[str]], backward: dict[str, list[str]]) -> None:
        super().__init__(sql=forward["sqlite"], reverse_sql=backward["sqlite"])
        self.forward, self.backward = forward, backward

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self._run(schema_editor, self.forward)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self._run(schema_editor, self.backward)

    @staticmethod
    def _run(schema_editor: Any, scripts: dict[str, list[str]]) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in scripts:
            raise NotImplementedError(f"the engagement state-count triggers exist for SQLite and PostgreSQL, not {vendor}")
        for sql in scripts[vendor]:
            schema_editor.execute(sql, params=None)


def counts_rebuild(apps: Any, schema_editor: Any) -> None:
    """Recount from the engagements. Idempotent, so it is also a seed: `accounts` re-runs every
    RunPython after `migrate` and after a `flush`, which puts the counts right whatever order the
    flush emptied the tables in."""
    engagement = apps.get_model("engagements", "Engagement")
    counts = apps.get_model("engagements", "EngagementStateCount")
    rows = (
        engagement.objects.order_by()
        .values_list("state", "account__us_public_sector")
        .annotate(n=Count("id"))
    )
    with transaction.atomic():
        counts.objects.all().delete()
        counts.objects.bulk_create([counts(state=s, us_public_sector=bool(ps), n=n) for s, ps, n in rows])


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_crm_external_id"),
        ("engagements", "0005_engagement_list_order_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="EngagementStateCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(max_length=32)),
                ("us_public_sector", models.BooleanField()),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("state", "us_public_sector"), name="engagement_state_count_key")
                ],
            },
        ),
        ByVendor(
            {"sqlite": SQLITE_FORWARD, "postgresql": [PG_FORWARD]},
            {"sqlite": SQLITE_BACKWARD, "postgresql": [PG_BACKWARD]},
        ),
        migrations.RunPython(counts_rebuild, migrations.RunPython.noop, elidable=False),
    ]
