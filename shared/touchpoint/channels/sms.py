"""SMS through Amazon SNS Publish(PhoneNumber=...), honouring the SNS opt-out list."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from touchpoint import aws, config
from touchpoint.channels import DeliveryError

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def to_gsm7(text: str) -> str:
    """Keep a message in GSM-7 (160 chars a segment, not 70): swap the usual offenders."""
    # curly quotes, dashes and the ellipsis would force UCS-2 (70 chars a segment)
    replacements = {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
    text = "".join(replacements.get(c, c) for c in text)
    return "".join(c if c in GSM7 else "?" for c in text)


GSM7_DOUBLE = set("€[]{}\\^~|")
MAX_SEGMENTS = 2


def segments(text: str) -> int:
    """SMS parts: GSM-7 160 (153 each when split), UCS-2 70 (67); a few GSM characters count twice."""
    if all(c in GSM7 or c in GSM7_DOUBLE for c in text):
        length = len(text) + sum(1 for c in text if c in GSM7_DOUBLE)
        return 1 if length <= 160 else -(-length // 153)
    return 1 if len(text) <= 70 else -(-len(text) // 67)


def fit(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """GSM-7 text cut on a word boundary to at most `max_segments` parts (the opt-out line kept)."""
    text = to_gsm7(text)
    if segments(text) <= max_segments:
        return text
    tail = " Reply STOP to opt out." if "STOP" in text else ""
    head = text.replace(tail.strip(), "").strip()
    while head and segments(head + "..." + tail) > max_segments:
        head = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return head + "..." + tail


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
