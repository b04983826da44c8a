from __future__ import annotations

from touchpoint.channels.sms import fit, is_gsm7, segments, to_gsm7


def test_segment_counts() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 307) == 3
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extension table: counts twice
    assert segments("\u2615" + "a" * 69) == 1 and segments("\u2615" + "a" * 70) == 2  # one emoji: UCS-2
    assert (
        segments("\U0001f600" + "a" * 68) == 1 and segments("\U0001f600" + "a" * 69) == 2
    )  # two UTF-16 units


def test_euro_and_extension_characters_are_kept_never_question_marks() -> None:
    assert fit("Save €20 [today] {only} ~ | ^ \\") == "Save €20 [today] {only} ~ | ^ \\"
    assert is_gsm7("Save €20")


def test_characters_outside_gsm7_switch_to_ucs2_and_are_kept() -> None:
    text = "Ваша корзина ждёт: 20 € скидка. Reply STOP to opt out."
    assert fit(text) == text and "?" not in fit(text)
    long = "Ваша корзина " * 20 + "Reply STOP to opt out."
    fitted = fit(long)
    assert segments(fitted) <= 2 and fitted.endswith("Reply STOP to opt out.") and "?" not in fitted


def test_fit_keeps_gsm7_two_segments_and_the_opt_out() -> None:
    curly = "\u2013 \u201cdon\u2019t miss it\u201d"  # dash and curly quotes would force UCS-2
    text = f"Shop: your cart ({'wool hat, ' * 60}) is waiting {curly} Reply STOP to opt out."
    fitted = fit(text)
    assert fitted == to_gsm7(fitted) and is_gsm7(fitted) and segments(fitted) <= 2
    assert fitted.endswith("Reply STOP to opt out.")
    assert fit("Short and sweet") == "Short and sweet"
