"""`consonance retention run [--dry-run] [--now ISO-8601] [--json]`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from consonance.audit.models import Event
from consonance.people.models import Person
from consonance.privacy.policy import get_policy
from tests import retention_data as data

pytestmark = pytest.mark.django_db

OLD = dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC)


def run(capsys, *args) -> str:
    call_command("retention", "run", *args)
    return capsys.readouterr().out


def test_the_json_report_lists_every_rule_with_its_counts(capsys):
    data.person("old", last_contact=OLD)
    data.order(None, at=OLD)
    report = json.loads(run(capsys, "--now", "2023-01-01T00:00:00+01:00", "--json"))
    assert report["now"] == "2023-01-01T00:00:00+01:00"
    assert report["dry_run"] is False
    assert [r["id"] for r in report["rules"]] and {r["id"] for r in report["rules"]} == {
        rule.id for rule in get_policy().retention
    }
    for rule in report["rules"]:
        for key in ("id", "promise", "matched", "deleted", "anonymised", "minimised"):
            assert key in rule
    by_id = {r["id"]: r for r in report["rules"]}
    assert by_id["contact-details-2y"]["deleted"] == 1
    assert by_id["contact-details-2y"]["promise"] == "P10"
    assert by_id["orders-2y"]["deleted"] == 2
    assert by_id["billing-details-48h"]["minimised"] == 1
    assert not Person.objects.exists()


def test_dry_run_reports_and_changes_nothing(capsys):
    data.person("old", last_contact=OLD)
    events = Event.objects.count()
    report = json.loads(run(capsys, "--dry-run", "--now", "2023-01-01", "--json"))
    assert report["dry_run"] is True
    assert {r["id"]: r["deleted"] for r in report["rules"]}["contact-details-2y"] == 1
    assert Person.objects.count() == 1
    assert Event.objects.count() == events


def test_a_naive_now_is_read_in_stockholm_time(capsys):
    report = json.loads(run(capsys, "--dry-run", "--now", "2023-07-01T10:00", "--json"))
    assert report["now"] == "2023-07-01T10:00:00+02:00"


def test_the_table_names_each_rule(capsys):
    out = run(capsys)
    assert "contact-details-2y" in out and "P10" in out


@pytest.mark.parametrize("bad", ["yesterday", "2023-13-01", ""])
def test_a_bad_now_fails_with_a_clear_message(bad):
    with pytest.raises(CommandError) as error:
        call_command("retention", "run", "--now", bad)
    assert "ISO-8601" in str(error.value)
