"""Timer events of FC, SCF and AWS: which trigger fired, and when.

- FC: ``{"triggerTime", "triggerName", "payload"}``
  (https://www.alibabacloud.com/help/en/fc/formats-of-event-for-different-triggers).
- SCF: ``{"Type": "Timer", "TriggerName", "Time", "Message"}``
  (https://cloud.tencent.com/document/product/583/9708). The serverless.com Tencent provider page
  prints ``"Type": "timer"``; both spellings are accepted (UNCONFIRMED which one production sends).
- AWS EventBridge scheduled rule: ``{"source": "aws.events", "detail-type": "Scheduled Event",
  "resources": ["arn:aws:events:...:rule/NAME"], ...}``
  (https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html,
  https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-scheduled.html).
- Huawei FunctionGraph: ``{"version": "v1.0", "time", "trigger_type": "TIMER", "trigger_name",
  "user_event"}`` (the timer example event of
  https://support.huaweicloud.com/intl/en-us/devg-functiongraph/functiongraph_02_0102.html, also in
  the SDK's ``TriggerEventDataRequestBody.user_event`` description).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional


@dataclass
class TimerFired:
    vendor: str
    #: the names the trigger goes by: trigger name, FC payload / SCF message, AWS rule name
    names: List[str]
    time: str

    def fields(self, event: Dict[str, Any]) -> Dict[str, Any]:
        """What a job's request body says about this timer."""
        return {"vendor": self.vendor, "time": self.time, "event": event}


def decode(event: Dict[str, Any]) -> Optional[TimerFired]:
    """The timer in ``event``, or ``None`` when it is not a timer event."""
    if "triggerName" in event and "triggerTime" in event:
        return TimerFired(
            "fc", _strings(event.get("triggerName"), event.get("payload")), str(event["triggerTime"])
        )
    kind = event.get("Type")
    if isinstance(kind, str) and kind.lower() == "timer" and "TriggerName" in event:
        return TimerFired(
            "scf", _strings(event.get("TriggerName"), event.get("Message")), str(event.get("Time", ""))
        )
    if event.get("trigger_type") == "TIMER" and "trigger_name" in event:
        return TimerFired(
            "huawei", _strings(event.get("trigger_name"), event.get("user_event")), str(event.get("time", ""))
        )
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        rules = [arn.rpartition("/")[2] for arn in event.get("resources") or () if isinstance(arn, str)]
        return TimerFired("aws", _strings(*rules), str(event.get("time", "")))
    return None


def _strings(*values: Any) -> List[str]:
    return [value for value in values if isinstance(value, str) and value]
