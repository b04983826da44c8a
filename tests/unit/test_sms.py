from __future__ import annotations

from touchpoint.channels.sms import fit, segments, to_gsm7


def test_segment_counts() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 307) == 3
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # counts twice
    assert segments("\u2615" + "a" * 69) == 1 and segments("\u2615" + "a" * 70) == 2  # one emoji: UCS-2


def test_fit_keeps_gsm7_two_segments_and_the_opt_out() -> None:
    curly = "\u2013 \u201cdon\u2019t miss it\u201d"  # dash and curly quotes would force UCS-2
    text = f"Shop: your cart ({'wool hat, ' * 60}) is waiting {curly} Reply STOP to opt out."
    fitted = fit(text)
    assert fitted == to_gsm7(fitted) and segments(fitted) <= 2
    assert fitted.endswith("Reply STOP to opt out.")
    assert fit("Short and sweet") == "Short and sweet"
