"""Writes events/*.json: one sample event per function, signed with the sample secrets below.

Run `python infra/make_sample_events.py` after changing a payload. The secrets are for
samples only; `touchpoint invoke` needs them in the environment (see events/README.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
SAMPLE_SECRET = "sample-secret"
SAMPLE_WRITE_KEY = "sample-write-key"
KEY_FILE = ROOT / "infra" / "sample-sendgrid-key.pem"  # sample only: signs events/delivery_events.json


def http_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **{k.lower(): v for k, v in headers.items()}},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "sample",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "sample",
            },
            "requestId": "sample-request",
            "routeKey": f"POST {path}",
            "stage": "$default",
            "timeEpoch": 1795420000000,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def b64_hmac(body: bytes) -> str:
    return base64.b64encode(hmac.new(SAMPLE_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def customer() -> dict[str, Any]:
    return {
        "id": 207119551,
        "email": "sam.sample@example.com",
        "first_name": "Sam",
        "phone": "+12125550123",
        "email_marketing_consent": {
            "state": "subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-11-01T10:00:00Z",
        },
        "sms_marketing_consent": {
            "state": "subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-11-01T10:00:00Z",
        },
    }


def shopify(path: str, topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload)
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": b64_hmac(body.encode()),
        "X-Shopify-Webhook-Id": str(uuid.uuid5(uuid.NAMESPACE_URL, topic)),
        "X-Shopify-Shop-Domain": "sample.myshopify.com",
    }
    return http_event(path, body, headers)


def s3_notice(key: str) -> dict[str, Any]:
    """What S3 puts on the watch queue for a new archive object (keys arrive URL-encoded)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-12-01T12:05:00.000Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {
                        "name": "touchpoint-archivebucket",
                        "arn": "arn:aws:s3:::touchpoint-archivebucket",
                    },
                    "object": {"key": quote_plus(key, safe="/"), "size": 1024},
                },
            }
        ]
    }


def main() -> None:
    EVENTS.mkdir(exist_ok=True)
    line_items = [
        {
            "product_id": 632910392,
            "variant_id": 808950810,
            "title": "Linen shirt",
            "quantity": 1,
            "price": "49.00",
            "sku": "LS-1",
        },
        {
            "product_id": 632910393,
            "variant_id": None,
            "title": "Café mug ☕",
            "quantity": 2,
            "price": "12.50",
            "sku": None,
        },
    ]
    checkout = {
        "token": "sample-checkout-token",
        "cart_token": "sample-cart",
        "email": "sam.sample@example.com",
        "buyer_accepts_marketing": True,
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:05:00Z",
        "completed_at": None,
        "currency": "USD",
        "total_price": "74.00",
        "abandoned_checkout_url": "https://sample.myshopify.com/checkouts/sample/recover",
        "line_items": line_items,
        "customer": customer(),
        "shipping_address": {"country_code": "US", "province_code": "NY", "zip": "10001", "city": "New York"},
    }
    order = {
        "id": 450789469,
        "checkout_token": "sample-checkout-token",
        "cart_token": "sample-cart",
        "email": "sam.sample@example.com",
        "created_at": "2026-11-23T09:30:00Z",
        "currency": "USD",
        "total_price": "74.00",
        "financial_status": "paid",
        "cancelled_at": None,
        "line_items": line_items,
        "customer": customer(),
    }
    ticket_body = json.dumps(
        {
            "ticket": {
                "id": "4711",
                "status": "solved",
                "satisfaction": None,
                "updated_at": "2026-11-23T11:00:00Z",
            },
            "requester": {"email": "sam.sample@example.com", "name": "Sam"},
        }
    )
    stamp = "2026-11-23T11:00:01Z"
    zendesk_sig = base64.b64encode(
        hmac.new(SAMPLE_SECRET.encode(), (stamp + ticket_body).encode(), hashlib.sha256).digest()
    ).decode()
    segment_body = json.dumps(
        {
            "type": "track",
            "event": "Product Viewed",
            "messageId": "sample-message-1",
            "anonymousId": "anon-sample-1",
            "timestamp": "2026-11-23T08:55:00Z",
            "context": {"timezone": "America/New_York"},
            "properties": {
                "product_id": "632910392",
                "name": "Linen shirt",
                "price": 49.0,
                "category": "Shirts",
            },
        }
    )
    basic = base64.b64encode(f"{SAMPLE_WRITE_KEY}:".encode()).decode()
    key = _sendgrid_key()
    sg_body = json.dumps(
        [
            {
                "email": "sam.sample@example.com",
                "timestamp": 1795420000,
                "event": "unsubscribe",
                "sg_event_id": "sample-sg-event",
                "sg_message_id": "sample.sg.message",
                "touchpoint_message_id": "cart_abandonment.email_1h.sample",
                "touchpoint_customer_id": "c_sample",
            }
        ]
    )
    sg_stamp = "1795420000"
    sg_sig = base64.b64encode(key.sign((sg_stamp + sg_body).encode(), ec.ECDSA(hashes.SHA256()))).decode()
    samples = {
        "cart_abandoned.json": shopify("/webhooks/shopify/checkouts", "checkouts/create", checkout),
        "purchase.json": shopify("/webhooks/shopify/orders", "orders/create", order),
        "customer.json": shopify(
            "/webhooks/shopify/customers",
            "customers/update",
            {**customer(), "updated_at": "2026-11-23T09:00:00Z"},
        ),
        "support_ticket.json": http_event(
            "/webhooks/zendesk/tickets",
            ticket_body,
            {"X-Zendesk-Webhook-Signature": zendesk_sig, "X-Zendesk-Webhook-Signature-Timestamp": stamp},
        ),
        "web_event.json": http_event("/events", segment_body, {"Authorization": f"Basic {basic}"}),
        "delivery_events.json": http_event(
            "/webhooks/sendgrid/events",
            sg_body,
            {
                "X-Twilio-Email-Event-Webhook-Signature": sg_sig,
                "X-Twilio-Email-Event-Webhook-Timestamp": sg_stamp,
            },
        ),
        "dispatcher.json": {
            "version": "0",
            "id": "sample-schedule",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-11-23T10:10:00Z",
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/sample"],
            "detail": {},
        },
        "sender.json": {
            "Records": [
                {
                    "messageId": "sample-sqs-1",
                    "receiptHandle": "sample",
                    "md5OfBody": "",
                    "body": json.dumps({"pk": "C#c_sample", "sk": "MSG#cart_abandonment.email_1h.sample"}),
                    "attributes": {
                        "ApproximateReceiveCount": "1",
                        "MessageGroupId": "C#c_sample",
                        "MessageDeduplicationId": "sample",
                        "SequenceNumber": "18849496460467696128",
                    },
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:touchpoint-outbound.fifo",
                    "awsRegion": "us-east-1",
                }
            ]
        },
        "watches.json": {
            "Records": [
                {
                    "messageId": "sample-sqs-2",
                    "receiptHandle": "sample",
                    "md5OfBody": "",
                    "body": json.dumps(
                        s3_notice("events/dt=2026-12-01/touchpoint-archive-1-2026-12-01-12-00-00-sample.gz")
                    ),
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:touchpoint-WatchQueue",
                    "awsRegion": "us-east-1",
                }
            ]
        },
    }
    for name, event in samples.items():
        (EVENTS / name).write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    print("SENDGRID_WEBHOOK_PUBLIC_KEY=" + base64.b64encode(public).decode())


def _sendgrid_key() -> ec.EllipticCurvePrivateKey:
    if KEY_FILE.exists():
        loaded = serialization.load_pem_private_key(KEY_FILE.read_bytes(), password=None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        return loaded
    key = ec.generate_private_key(ec.SECP256R1())
    KEY_FILE.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return key


if __name__ == "__main__":
    main()
