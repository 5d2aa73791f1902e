"""Queue and topic messages of FC (MNS), SCF (CMQ / TDMQ) and AWS (SQS).

- MNS topic via FC, JSON notify format: ``{"TopicName", "MessageId", "Message", ...}``, one message
  per invocation (devsapp/fc3 ``event-template/mns-*.json``; https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers).
  The STREAM format delivers the bare message body, which no decoder can tell from any other
  payload: the generated trigger asks for JSON.
- CMQ topic via SCF: ``{"Records": [{"CMQ": {"type", "topicName", "msgId", "msgBody"}}]}``
  (https://cloud.tencent.com/document/product/583/9708). The TDMQ-for-CMQ trigger that replaces CMQ
  is taken to send the same shape (UNCONFIRMED); a ``queueName`` is accepted where ``topicName`` is absent.
- SQS: ``{"Records": [{"eventSource": "aws:sqs", "messageId", "body", "eventSourceARN"}]}``
  (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional


@dataclass
class Message:
    vendor: str
    scheme: str
    queue: str
    message_id: str
    body: str
    record: Dict[str, Any]

    def fields(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """What a job's request body says about this message."""
        return {
            "vendor": self.vendor,
            "queue": self.queue,
            "message_id": self.message_id,
            "body": self.body,
            "record": self.record,
        }


def decode(event: Dict[str, Any]) -> Optional[List[Message]]:
    """The messages in ``event``, or ``None`` when it is not a queue event."""
    if "TopicName" in event and "Message" in event and "MessageId" in event:
        return [
            Message(
                "fc", "mns", str(event["TopicName"]), str(event["MessageId"]), str(event["Message"]), event
            )
        ]
    records = event.get("Records")
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        return None
    if all(isinstance(r.get("CMQ"), dict) for r in records):
        return [_cmq(r) for r in records]
    if all(r.get("eventSource") == "aws:sqs" for r in records):
        return [
            Message(
                "aws",
                "sqs",
                str(r.get("eventSourceARN", "")).rpartition(":")[2],
                str(r.get("messageId", "")),
                str(r.get("body", "")),
                r,
            )
            for r in records
        ]
    return None


def _cmq(record: Dict[str, Any]) -> Message:
    cmq = record["CMQ"]
    queue = cmq.get("topicName") or cmq.get("queueName") or ""
    return Message("scf", "cmq", str(queue), str(cmq.get("msgId", "")), str(cmq.get("msgBody", "")), record)
