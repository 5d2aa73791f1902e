"""The native triggers for ``[schedules]`` and ``[events]``, one function per vendor.

Each job's trigger goes to the function of the plan that runs it (:func:`function_jobs`): the one
serving the route it posts to, or the ``jobs`` function for commands (:mod:`bridge.split.jobs`);
all of them in an all-in-one build. The handler there matches the event to its job by trigger
name, bucket or queue (:mod:`bridge.events.dispatch`).

An event source of another vendor (``s3:`` on FC, say) cannot fire there: a :class:`ConfigError`
names it rather than leaving it out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from .._errors import ConfigError
from ..events import cron
from ..events.jobs import QUEUE_SOURCES, STORAGE_SOURCES, Job, Jobs

if TYPE_CHECKING:
    from .deployment import DeployedFunction, Deployment

# The roles OSS and MNS assume to invoke a function, as the FC console creates them
# (https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/configure-an-oss-trigger,
# https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/mns-topic-trigger).
_FC_ACCOUNT = "${config('AccountID')}"
_OSS_ROLE = f"acs:ram::{_FC_ACCOUNT}:role/aliyunosseventnotificationrole"
_MNS_ROLE = f"acs:ram::{_FC_ACCOUNT}:role/aliyunmnsnotificationrole"
#: The role each FC trigger type that needs one gets in ``s.yaml``: ``bridge deploy`` asks for its own.
FC_CONSOLE_ROLES = {"oss": _OSS_ROLE, "mns_topic": _MNS_ROLE}


#: The targets that write triggers for jobs; any other refuses a project that has some.
JOB_TARGETS = ("fc", "scf", "aws", "huawei")


#: The scheduler each other target's platform offers. Each calls the function with an HTTP request or
#: an event of its own, neither of which the handler reads as a job (and a job's route answers HTTP
#: callers 404), so the build refuses rather than write a trigger that could not run the job.
NATIVE_SCHEDULERS = {
    "azure": "an Azure Functions timer trigger",
    "gcf": "Cloud Scheduler",
    "knative": "a Knative PingSource",
    "openwhisk": "the /whisk.system/alarms feed",
    "openfaas": "the OpenFaaS cron-connector",
    "fn": "an external scheduler (Fn has no timer trigger)",
    "fission": "a Fission time trigger",
    "kubeless": "a Kubeless cronjob trigger",
}


def check_target(deployment: Deployment, target_name: str) -> None:
    """A project with jobs builds only for a target that writes their triggers: never silently without."""
    jobs = project_jobs(deployment)
    if jobs is None or target_name in JOB_TARGETS:
        return
    from .targets import get_target

    title = get_target(target_name).title
    native = NATIVE_SCHEDULERS.get(target_name, "the platform's own scheduler")
    names = ", ".join(job.key for job in jobs.all())
    raise ConfigError(
        f"{names}: {title} builds write no timer, storage or queue triggers: {native} would call the "
        f"function with a request or event faas-bridge does not run as a job. Build for "
        f"{', '.join(JOB_TARGETS)} (huawei: timers only), or remove [schedules] / [events] and have "
        f"{native} call a public route of the app"
    )


def project_jobs(deployment: Deployment) -> Optional[Jobs]:
    jobs = getattr(deployment.project, "jobs", None)
    return jobs if jobs else None


def function_jobs(deployment: Deployment, function: DeployedFunction) -> Optional[Jobs]:
    """The jobs whose triggers ``function`` gets, or ``None``."""
    jobs = project_jobs(deployment)
    if jobs is None or not function.jobs:
        return None
    return jobs.only(function.jobs)


def _check_vendor(job: Job, vendor: str, title: str) -> None:
    if job.kind == "timer":
        return
    sources = STORAGE_SOURCES if job.kind == "storage" else QUEUE_SOURCES
    if sources.get(job.scheme or "") != vendor:
        own = ", ".join(f"{scheme}:" for scheme, owner in sources.items() if owner == vendor)
        raise ConfigError(
            f"{job.key}: source {job.scheme}:{job.resource} cannot trigger a function on {title}; use {own}"
        )


# --- Alibaba FC 3.0: items of the fc3 component's `triggers` ----------------------------------------


def fc_triggers(
    jobs: Jobs,
    region: str,
    *,
    account: str = _FC_ACCOUNT,
    role: Optional[Callable[[str, Job], str]] = None,
) -> List[Dict[str, Any]]:
    """The ``triggers`` items of ``s.yaml``, in the ``CreateTrigger`` body's own field names: the
    build writes them as they are, ``bridge deploy`` (:mod:`bridge.cloud.fc`) sends them with its
    ``account`` and the ``role`` (trigger type, job) -> RAM role ARN it was configured with."""
    role = role or (lambda trigger_type, job: FC_CONSOLE_ROLES[trigger_type].replace(_FC_ACCOUNT, account))
    triggers: List[Dict[str, Any]] = []
    for job in jobs.all():
        _check_vendor(job, "fc", "FC")
        trigger: Dict[str, Any] = {
            "triggerName": job.name,
            "description": f"faas-bridge {job.kind} {job.name}: {job.what}",
            "qualifier": "LATEST",
        }
        if job.kind == "timer":
            expression = cron.fc_expression(job.cron, job.every, job.key)
            # The payload names the schedule too: the event carries it as `payload`.
            trigger.update(
                triggerType="timer",
                triggerConfig={"cronExpression": expression, "enable": True, "payload": job.name},
            )
        elif job.kind == "storage":
            trigger.update(
                triggerType="oss",
                sourceArn=f"acs:oss:{region}:{account}:{job.resource}",
                invocationRole=role("oss", job),
                triggerConfig={
                    "events": ["oss:ObjectCreated:*"],
                    "filter": {"key": {"prefix": job.prefix, "suffix": ""}},
                },
            )
        else:
            trigger.update(
                triggerType="mns_topic",
                sourceArn=f"acs:mns:{region}:{account}:/topics/{job.resource}",
                invocationRole=role("mns_topic", job),
                # JSON: the event names its topic (STREAM hands over the bare body; see bridge.events.queue).
                triggerConfig={"notifyContentFormat": "JSON", "notifyStrategy": "BACKOFF_RETRY"},
            )
        triggers.append(trigger)
    return triggers


# --- Tencent SCF: `events` of the scf component (`{type: {parameters}}`) -----------------------------


def scf_events(jobs: Jobs, region: str) -> List[Dict[str, Any]]:
    """``[{"timer": {"parameters": ...}}, ...]``; multi-scf's form is :func:`scf_multi_triggers`."""
    return [{kind: {"parameters": parameters}} for kind, parameters in _scf_triggers(jobs, region)]


def scf_multi_triggers(jobs: Jobs, region: str, function_key: str) -> List[Dict[str, Any]]:
    return [
        {"type": kind, "function": function_key, "parameters": parameters}
        for kind, parameters in _scf_triggers(jobs, region)
    ]


def _scf_triggers(jobs: Jobs, region: str) -> List[Tuple[str, Dict[str, Any]]]:
    # Trigger parameters as the scf component documents them
    # (https://github.com/serverless-components/tencent-scf/blob/master/docs/configure.md).
    out: List[Tuple[str, Dict[str, Any]]] = []
    for job in jobs.all():
        _check_vendor(job, "scf", "SCF")
        if job.kind == "timer":
            expression = cron.scf_expression(job.cron, job.every, job.key)
            out.append(
                (
                    "timer",
                    {"name": job.name, "cronExpression": expression, "enable": True, "argument": job.name},
                )
            )
        elif job.kind == "storage":
            out.append(
                (
                    "cos",
                    {
                        # The component takes the bucket's endpoint: <bucket-appid>.cos.<region>.myqcloud.com
                        "bucket": f"{job.resource}.cos.{region}.myqcloud.com",
                        "filter": {"prefix": job.prefix, "suffix": ""},
                        "events": "cos:ObjectCreated:*",
                        "enable": True,
                    },
                )
            )
        elif job.scheme == "cmq":
            out.append(("cmq", {"name": job.resource, "enable": True}))
        else:
            raise ConfigError(
                f"{job.key}: the scf component has no tdmq trigger (its types: apigw, cos, timer, cmq, "
                "ckafka, cls, mps, clb); create the TDMQ trigger in the SCF console, or use cmq:"
            )
    return out


def scf_api_triggers(jobs: Jobs, region: str) -> List[Dict[str, Any]]:
    """The same triggers as ``CreateTrigger`` parameters, for ``bridge deploy`` (:mod:`bridge.cloud.scf`).

    Timer: ``TriggerDesc`` the cron expression, ``CustomArgument`` the event's ``Message``; COS:
    ``TriggerName`` the bucket's XML API domain, ``TriggerDesc`` ``{event, filter: {Prefix, Suffix}}``;
    CMQ: ``TriggerName`` the topic, no ``TriggerDesc``
    (https://www.tencentcloud.com/document/product/583/18589,
    https://www.tencentcloud.com/document/product/583/34880).
    """
    triggers: List[Dict[str, Any]] = []
    for kind, parameters in _scf_triggers(jobs, region):
        trigger: Dict[str, Any] = {"Type": kind, "Enable": "OPEN" if parameters["enable"] else "CLOSE"}
        if kind == "timer":
            trigger.update(
                TriggerName=parameters["name"],
                TriggerDesc=parameters["cronExpression"],
                CustomArgument=parameters["argument"],
            )
        elif kind == "cos":
            wanted = parameters["filter"]
            trigger.update(
                TriggerName=parameters["bucket"],
                TriggerDesc={
                    "event": parameters["events"],
                    "filter": {"Prefix": wanted["prefix"], "Suffix": wanted["suffix"]},
                },
            )
        else:
            trigger.update(TriggerName=parameters["name"])
        triggers.append(trigger)
    return triggers


# --- AWS SAM: Events of the function, and the resources S3 events need ------------------------------


def aws_events(jobs: Jobs, name: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``(Events entries, extra Resources)``: a SAM S3 event needs its bucket in the same template."""
    events: Dict[str, Any] = {}
    resources: Dict[str, Any] = {}
    for job in jobs.all():
        _check_vendor(job, "aws", "AWS Lambda")
        key = "Job" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", job.name) if part)
        if job.kind == "timer":
            rule = f"{name}-{job.name}"
            if len(rule) > 64:
                raise ConfigError(
                    f"{job.key}: the EventBridge rule name {rule!r} is longer than 64 characters; "
                    "shorten the schedule or project name"
                )
            events[key] = {
                "Type": "Schedule",
                # https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedule.html
                "Properties": {
                    "Schedule": cron.aws_expression(job.cron, job.every, job.key),
                    "Name": rule,  # the handler finds the schedule by this rule name
                    "Enabled": True,
                },
            }
        elif job.kind == "storage":
            bucket_id = key + "Bucket"
            resources[bucket_id] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": job.resource}}
            properties: Dict[str, Any] = {"Bucket": {"Ref": bucket_id}, "Events": "s3:ObjectCreated:*"}
            if job.prefix:
                properties["Filter"] = {"S3Key": {"Rules": [{"Name": "prefix", "Value": job.prefix}]}}
            events[key] = {"Type": "S3", "Properties": properties}
        else:
            events[key] = {
                "Type": "SQS",
                "Properties": {
                    "Queue": {
                        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
                        + str(job.resource)
                    },
                    # https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                },
            }
    return events, resources


def aws_api_triggers(jobs: Jobs, name: str) -> List[Dict[str, Any]]:
    """The same events as what ``bridge deploy`` (:mod:`bridge.cloud.aws`) creates through the APIs
    SAM itself uses for them: a ``Schedule`` is an EventBridge rule (``PutRule``, ``PutTargets``), an
    ``S3`` event one ``LambdaFunctionConfiguration`` of the bucket's notifications, an ``SQS`` event
    an event source mapping (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedule.html,
    ``sam-property-function-s3.html``, ``sam-property-function-sqs.html``). Each item carries the
    ``job`` name and its ``Type``; the rest are the API's own fields."""
    events, resources = aws_events(jobs, name)
    triggers: List[Dict[str, Any]] = []
    for job, event in zip(jobs.all(), events.values()):
        properties = event["Properties"]
        trigger: Dict[str, Any] = {"job": job.name, "Type": event["Type"]}
        if event["Type"] == "Schedule":
            trigger.update(
                Name=properties["Name"],
                ScheduleExpression=properties["Schedule"],
                State="ENABLED" if properties["Enabled"] else "DISABLED",
            )
        elif event["Type"] == "S3":
            bucket = resources[properties["Bucket"]["Ref"]]["Properties"]["BucketName"]
            rules = properties.get("Filter", {}).get("S3Key", {}).get("Rules", [])
            trigger.update(Bucket=bucket, Events=[properties["Events"]])
            if rules:
                trigger["Filter"] = {"Key": {"FilterRules": [dict(rule) for rule in rules]}}
        else:
            trigger.update(
                Queue=str(job.resource), FunctionResponseTypes=list(properties["FunctionResponseTypes"])
            )
        triggers.append(trigger)
    return triggers


# --- Huawei FunctionGraph: CreateFunctionTrigger bodies (timers only) --------------------------------


def huawei_triggers(jobs: Jobs) -> List[Dict[str, Any]]:
    """TIMER trigger bodies, as ``CreateFunctionTriggerRequestBody`` takes them; the event names the
    schedule twice, as ``trigger_name`` and as ``user_event``. No ``event_type_code``: Huawei's own
    Terraform provider sends none (terraform-provider-huaweicloud
    ``resource_huaweicloud_fgs_function_trigger.go``)."""
    triggers: List[Dict[str, Any]] = []
    for job in jobs.all():
        if job.kind != "timer":
            raise ConfigError(
                f"{job.key}: source {job.scheme}:{job.resource} cannot trigger a function on Huawei "
                "FunctionGraph, and faas-bridge decodes no OBS or DMS event; build for fc, scf or aws, or "
                "remove it"
            )
        schedule_type, schedule = cron.huawei_schedule(job.cron, job.every, job.key)
        triggers.append(
            {
                "trigger_type_code": "TIMER",
                "trigger_status": "ACTIVE",
                "event_data": {
                    "name": job.name,
                    "schedule_type": schedule_type,
                    "schedule": schedule,
                    "user_event": job.name,
                },
            }
        )
    return triggers
