"""Object-storage events of FC (OSS), SCF (COS) and AWS (S3): which objects changed.

- OSS via FC: ``{"events": [{"eventSource": "acs:oss", "eventName", "oss": {"bucket": {"name"},
  "object": {"key"}}}]}`` (https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers).
- COS via SCF: ``{"Records": [{"cos": {"cosBucket": {"name", "appid"}, "cosObject": {"key":
  "/appid/bucket/key"}}, "event": {"eventName"}}]}`` (https://cloud.tencent.com/document/product/583/9708).
  The documented key carries ``/appid/bucket/`` first; a key without it is taken as is (UNCONFIRMED
  whether every region sends the prefix).
- S3: ``{"Records": [{"eventSource": "aws:s3", "eventName", "s3": {"bucket": {"name"}, "object":
  {"key"}}}]}``; the key is URL-encoded with ``+`` for spaces
  (https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import unquote_plus


@dataclass
class StoredObject:
    vendor: str
    scheme: str
    #: the bucket's names: COS buckets answer to ``name`` and ``name-appid``
    buckets: List[str]
    key: str
    event_name: str
    record: Dict[str, Any]

    def fields(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """What a job's request body says about this object."""
        return {
            "vendor": self.vendor,
            "bucket": self.buckets[0],
            "key": self.key,
            "event_name": self.event_name,
            "record": self.record,
        }


def decode(event: Dict[str, Any]) -> Optional[List[StoredObject]]:
    """The objects in ``event``, or ``None`` when it is not a storage event."""
    oss = event.get("events")
    if isinstance(oss, list) and oss and all(_source(r) == "acs:oss" for r in oss):
        return [_oss(record) for record in oss]
    records = event.get("Records")
    if isinstance(records, list) and records and all(isinstance(r, dict) for r in records):
        if all(isinstance(r.get("cos"), dict) for r in records):
            return [_cos(record) for record in records]
        if all(r.get("eventSource") == "aws:s3" for r in records):
            return [_s3(record) for record in records]
    return None


def _source(record: Any) -> Any:
    return record.get("eventSource") if isinstance(record, dict) else None


def _oss(record: Dict[str, Any]) -> StoredObject:
    oss = record.get("oss") or {}
    return StoredObject(
        "fc",
        "oss",
        [str((oss.get("bucket") or {}).get("name", ""))],
        str((oss.get("object") or {}).get("key", "")),
        str(record.get("eventName", "")),
        record,
    )


def _cos(record: Dict[str, Any]) -> StoredObject:
    cos = record["cos"]
    bucket = cos.get("cosBucket") or {}
    name, appid = str(bucket.get("name", "")), str(bucket.get("appid", ""))
    key = str((cos.get("cosObject") or {}).get("key", ""))
    prefix = f"/{appid}/{name}/"
    if key.startswith(prefix):
        key = key[len(prefix) :]
    event_name = str((record.get("event") or {}).get("eventName", ""))
    return StoredObject("scf", "cos", [name, f"{name}-{appid}"], key, event_name, record)


def _s3(record: Dict[str, Any]) -> StoredObject:
    s3 = record.get("s3") or {}
    key = unquote_plus(str((s3.get("object") or {}).get("key", "")))
    return StoredObject(
        "aws",
        "s3",
        [str((s3.get("bucket") or {}).get("name", ""))],
        key,
        str(record.get("eventName", "")),
        record,
    )
