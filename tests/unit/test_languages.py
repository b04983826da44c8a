"""A shopper's language: written one way, taken from the strongest source, matched to the
playbook's languages with a fallback chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from touchpoint.decide.model import Profile
from touchpoint.languages import chain, normalize_locale, of_country, pick
from touchpoint.playbook.loading import current_playbook


@pytest.mark.parametrize(
    ("raw", "locale"),
    [("de-at", "de_AT"), ("de_AT", "de_AT"), ("DE", "de"), ("pt-BR", "pt_BR"), ("es-419", "es_419")],
)
def test_locales_are_written_one_way(raw: str, locale: str) -> None:
    assert normalize_locale(raw) == locale


@pytest.mark.parametrize("raw", ["", "german", "zh-Hant-TW", "de_AT_x", "1e"])
def test_what_is_not_a_locale_is_left_out(raw: str) -> None:
    assert normalize_locale(raw) is None


def test_an_address_country_gives_its_main_language() -> None:
    assert of_country("AT") == "de_AT" and of_country("us") == "en_US" and of_country("XX") is None


def test_the_full_locale_then_its_language_then_none() -> None:
    assert chain("de_AT") == ["de_AT", "de"] and pick("de_AT", ["de"]) == "de"
    assert pick("de_AT", ["de", "de_AT"]) == "de_AT" and pick("fr_FR", ["de"]) is None


def test_the_default_playbook_writes_german_besides_english() -> None:
    from touchpoint.content.render import reading

    playbook = current_playbook()
    assert playbook.languages == ["de"]
    assert reading(Profile(customer_id="c", locale="de_CH"), playbook)[0] == "de"
    assert reading(Profile(customer_id="c", country="AT"), playbook)[0] == "de"
    assert (
        reading(Profile(customer_id="c", country="AT"), playbook)[1].locale == "de_AT"
    )  # prices as Austrians write them
    assert reading(Profile(customer_id="c", locale="en_GB", country="DE"), playbook)[0] is None
    assert reading(Profile(customer_id="c", country="FR"), playbook)[0] is None


def test_check_names_each_template_missing_in_a_declared_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from touchpoint.playbook.loading import DEFAULT
    from touchpoint_tools import cli

    text = DEFAULT.read_text()
    assert "languages: [de]" in text
    playbook = tmp_path / "shop.yaml"
    playbook.write_text(text.replace("languages: [de]", "languages: [de, fr]"))
    assert cli.main(["check", str(playbook)]) == 1
    problems = capsys.readouterr().err.splitlines()
    # the line where cart_reminder's mapping starts: the one after its name
    line = 1 + next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("  cart_reminder:"))
    assert f"{playbook}:{line}: templates.cart_reminder: no subject in fr" in problems
    assert (
        f"{playbook}:{line}: templates.cart_reminder: no fr/cart_reminder.html in the templates folder"
        in problems
    )
    assert not [p for p in problems if " in de" in p or " de/" in p]  # German is complete
