"""SMS through Amazon SNS Publish(PhoneNumber=...), honouring the SNS opt-out list."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from touchpoint import aws, config
from touchpoint.channels import DeliveryError

# GSM 03.38: the basic table (one septet each) and its extension table (escape + septet)
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# typographic characters with a GSM twin that reads the same: swapped so one curly quote
# does not turn the whole message into UCS-2 (70 characters a segment instead of 160)
TYPOGRAPHIC = {
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
}
MAX_SEGMENTS = 2
OPT_OUT = "Reply STOP to opt out."


def to_gsm7(text: str) -> str:
    """Swap typographic characters for their GSM twins; everything else is kept as it is."""
    return "".join(TYPOGRAPHIC.get(c, c) for c in text)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> int:
    """SMS parts: GSM-7 160 septets (153 each when split), extension characters count two;
    anything outside GSM-7 makes the whole message UCS-2: 70 UTF-16 units (67 when split)."""
    if is_gsm7(text):
        length = len(text) + sum(1 for c in text if c in GSM7_EXTENSION)
        single, multi = 160, 153
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if length <= single else -(-length // multi)


_LINK = re.compile(r"(https?://\S+)")


def fit(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """The text in as few segments as it needs, at most `max_segments`: the words around the
    links are shortened (the longest stretch first, on word boundaries, marked "..."), the links
    and the opt-out line are kept whole. Only when the links alone do not fit is the end cut.
    Never replaces a character with '?'."""
    text = to_gsm7(text)
    if segments(text) <= max_segments:
        return text
    tail = " " + OPT_OUT if OPT_OUT in text else ""
    pieces = _LINK.split(text.replace(OPT_OUT, "").strip())  # words, link, words, link, ...
    while segments("".join(pieces) + tail) > max_segments:
        words = [i for i in range(0, len(pieces), 2) if _core(pieces[i])]
        if not words:
            break
        longest = max(words, key=lambda i: len(_core(pieces[i])))
        pieces[longest] = _shortened(pieces[longest])
    head = "".join(pieces).strip()
    if segments(head + tail) <= max_segments:
        return head + tail
    while head and segments(head + "..." + tail) > max_segments:  # the links alone are too long
        head = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return head + "..." + tail


def _core(piece: str) -> str:
    return piece.strip().removesuffix("...")


def _shortened(piece: str) -> str:
    """One word less (one character, for a single long word), with the space before the next
    link kept."""
    core = _core(piece)
    lead = piece[: len(piece) - len(piece.lstrip())]
    trail = piece[len(piece.rstrip()) :]
    cut = core.rsplit(" ", 1)[0] if " " in core else core[:-1]
    return f"{lead}{cut}...{trail}" if cut else f"{lead}{trail or ' '}"


def send(phone: str, body: str, marketing: bool) -> str:
    sns = aws.client("sns")
    attributes: dict[str, Any] = {
        "AWS.SNS.SMS.SMSType": {
            "DataType": "String",
            "StringValue": "Promotional" if marketing else "Transactional",
        }
    }
    sender_id = config.env("SMS_SENDER_ID")
    origination = config.env("SMS_ORIGINATION_NUMBER")
    if sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    if origination:
        attributes["AWS.MM.SMS.OriginationNumber"] = {"DataType": "String", "StringValue": origination}
    try:
        if sns.check_if_phone_number_is_opted_out(phoneNumber=phone).get("isOptedOut"):
            raise DeliveryError("recipient opted out of SMS", retryable=False)
        response = sns.publish(PhoneNumber=phone, Message=fit(body), MessageAttributes=attributes)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        retryable = code in ("Throttling", "ThrottledException", "InternalError", "InternalFailure")
        raise DeliveryError(f"sns refused: {code}", retryable=retryable) from None
    except BotoCoreError as exc:
        raise DeliveryError(f"sns unreachable: {exc}", retryable=True) from None
    return str(response.get("MessageId", ""))
