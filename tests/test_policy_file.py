"""The policy file is validated with `file:line: message` errors (loader and `policy check`)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from consonance.privacy.policy import PolicyInvalid, load_policy
from tests.conftest import POLICY


def write(tmp_path, text: str):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path) -> list[str]:
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(path)
    return [str(p) for p in caught.value.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


def test_the_shipped_policy_is_valid_and_names_a_promise_for_every_rule_and_deadline():
    policy = load_policy(POLICY)
    assert policy.controller.email == "contact@consonancecommunication.com"
    assert policy.controller.supervisory_authority_url.startswith("https://www.imy.se")
    promised = {rule.promise for rule in policy.retention}
    assert {"P8", "P10", "P11", "P12", "P14", "P15", "P16", "P17"} <= promised
    assert all(d.promise for d in policy.deadlines.values())
    assert {str(d.duration) for d in policy.deadlines.values()} >= {"48 hours", "10 days", "1 week"}
    assert policy.purposes["journal"].special_article == "9.2.a"


def test_a_toml_syntax_error_is_reported_at_its_line(tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace(
        'name = "Consonance Communication"', 'name = "Consonance Communication'
    )
    path = write(tmp_path, text)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line_of(text, 'name = "Consonance Communication')}: ")
    assert "TOML syntax error" in problem


def test_an_unknown_category_in_a_rule_is_reported_at_its_line(tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace('category = "orders"', 'category = "ordrar"')
    path = write(tmp_path, text)
    assert (
        f"{path}:{line_of(text, 'category = "ordrar"')}: unknown category 'ordrar'"
        in problems_of(path)
    )


def test_a_rule_without_duration_is_reported_at_the_rule(tmp_path):
    original = POLICY.read_text(encoding="utf-8")
    text = original.replace(
        'id = "journal-2y"\npromise = "P15"\ncategory = "journal"\n'
        'after = "last_consultation"\nduration = "2 years"\n',
        'id = "journal-2y"\npromise = "P15"\ncategory = "journal"\nafter = "last_consultation"\n',
    )
    assert text != original
    path = write(tmp_path, text)
    rule_line = line_of(text, 'id = "journal-2y"') - 1  # the [[retention]] header
    assert f"{path}:{rule_line}: missing key 'duration'" in problems_of(path)


@pytest.mark.parametrize("bad", ["two years", "2", "-1 days", "2 fortnights", "1.5 years"])
def test_a_bad_duration_is_reported_at_its_line(tmp_path, bad):
    text = POLICY.read_text(encoding="utf-8").replace('duration = "7 years"', f'duration = "{bad}"')
    path = write(tmp_path, text)
    problems = problems_of(path)
    line = line_of(text, f'duration = "{bad}"')
    assert any(p.startswith(f"{path}:{line}: bad duration") for p in problems), problems


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    text = (
        POLICY.read_text(encoding="utf-8")
        .replace('category = "orders"', 'category = "ordrar"')
        .replace('duration = "10 days"', 'duration = "tio dagar"')
        .replace('legal_basis = "consent"', 'legal_basis = "samtycke"', 1)
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) >= 3
    assert any("legal_basis must be one of" in p for p in problems)


def test_a_category_without_retention_rule_is_refused(tmp_path):
    text = POLICY.read_text(encoding="utf-8") + (
        '\n[categories.phone_calls]\npromise = "P20"\nname.sv = "Samtal"\nname.en = "Calls"\n'
        'description.sv = "x"\ndescription.en = "x"\nsource.sv = "x"\nsource.en = "x"\n'
        'purposes = ["reply"]\nrecipients = []\n'
    )
    path = write(tmp_path, text)
    line = line_of(text, "[categories.phone_calls]")
    assert f"{path}:{line}: category 'phone_calls' has no retention rule" in problems_of(path)


def test_policy_check_exits_0_on_the_shipped_file(capsys):
    call_command("policy", "check", str(POLICY))
    assert "OK" in capsys.readouterr().out


def test_policy_check_exits_1_with_file_line_messages(tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace(
        'duration = "48 hours"', 'duration = "soon"', 1
    )
    path = write(tmp_path, text)
    result = subprocess.run(
        [sys.executable, "-m", "consonance", "policy", "check", str(path)],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "consonance.test_settings", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert re.search(
        rf"^{re.escape(str(path))}:{line_of(text, 'soon')}: bad duration",
        result.stderr,
        re.MULTILINE,
    )


def test_policy_check_of_a_missing_file_fails(tmp_path):
    with pytest.raises(CommandError):
        call_command("policy", "check", str(tmp_path / "nope.toml"))


def test_bookkeeping_is_kept_to_the_end_of_the_seventh_year():
    rule = load_policy(POLICY).rule("bookkeeping-7y")
    # A voucher of a fiscal year ending in 2009 may be destroyed from 2017-01-01.
    assert rule.expires(datetime(2009, 6, 30, tzinfo=UTC)) == datetime(2017, 1, 1, tzinfo=UTC)
    assert rule.expires(datetime(2009, 12, 31, 23, tzinfo=UTC)) == datetime(2017, 1, 1, tzinfo=UTC)
    # At 2016-12-31 a 2009 voucher is still kept; on 2017-01-01 it has expired.
    assert rule.cutoff(datetime(2016, 12, 31, tzinfo=UTC)) <= datetime(2009, 1, 1, tzinfo=UTC)
    assert rule.cutoff(datetime(2017, 1, 1, tzinfo=UTC)) == datetime(2010, 1, 1, tzinfo=UTC)
