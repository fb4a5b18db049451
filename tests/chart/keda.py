"""The fields KEDA documents for the objects the chart renders (ScaledObject specification,
Redis Lists scaler, TriggerAuthentication), and a checker that refuses anything else."""

from __future__ import annotations

import re
from typing import Any

SCALED_OBJECT_SPEC = {
    "scaleTargetRef": {"apiVersion", "kind", "name", "envSourceContainerName"},
    "pollingInterval": None,
    "cooldownPeriod": None,
    "initialCooldownPeriod": None,
    "idleReplicaCount": None,
    "minReplicaCount": None,
    "maxReplicaCount": None,
    "fallback": {"failureThreshold", "replicas", "behavior"},
    "advanced": {
        "restoreToOriginalReplicaCount",
        "horizontalPodAutoscalerConfig",
        "scalingModifiers",
    },
    "triggers": None,
}
SCALING_MODIFIERS = {"formula", "target", "activationTarget", "metricType"}
METRIC_TYPES = {"AverageValue", "Value", "Utilization"}
TRIGGER = {"type", "name", "metadata", "authenticationRef", "metricType", "useCachedMetrics"}
AUTHENTICATION_REF = {"name", "kind"}
REDIS_METADATA = {
    "address",
    "host",
    "port",
    "addressFromEnv",
    "hostFromEnv",
    "portFromEnv",
    "usernameFromEnv",
    "passwordFromEnv",
    "listName",
    "listLength",
    "activationListLength",
    "enableTLS",
    "unsafeSsl",
    "databaseIndex",
}
REDIS_AUTH_PARAMETERS = {
    "password",
    "username",
    "host",
    "port",
    "address",
    "tls",
    "ca",
    "cert",
    "key",
}
TRIGGER_AUTHENTICATION_SPEC = {
    "secretTargetRef",
    "env",
    "podIdentity",
    "hashiCorpVault",
    "azureKeyVault",
    "awsSecretManager",
    "gcpSecretManager",
    "configMapTargetRef",
    "boundServiceAccountToken",
}
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
BOOLEAN = {"true", "false"}


def _unknown(found: dict[str, Any], allowed: set[str] | dict[str, Any], where: str) -> list[str]:
    return [f"{where}.{key} is not a documented field" for key in found if key not in allowed]


def scaled_object_problems(obj: dict[str, Any]) -> list[str]:
    spec = obj["spec"]
    problems = _unknown(spec, SCALED_OBJECT_SPEC, "spec")
    for key, fields in SCALED_OBJECT_SPEC.items():
        if fields and key in spec:
            problems += _unknown(spec[key], fields, f"spec.{key}")
    if not spec.get("scaleTargetRef", {}).get("name"):
        problems.append("spec.scaleTargetRef.name is required")
    if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
        problems.append("minReplicaCount exceeds maxReplicaCount")
    triggers = spec.get("triggers") or []
    if not triggers:
        problems.append("spec.triggers is required")
    for i, trigger in enumerate(triggers):
        problems += _trigger_problems(trigger, f"spec.triggers[{i}]")
    modifiers = spec.get("advanced", {}).get("scalingModifiers")
    if modifiers is not None:
        problems += _modifier_problems(modifiers, triggers)
    return problems


def _trigger_problems(trigger: dict[str, Any], where: str) -> list[str]:
    problems = _unknown(trigger, TRIGGER, where)
    problems += _unknown(trigger.get("authenticationRef", {}), AUTHENTICATION_REF, where)
    if trigger.get("type") != "redis":
        return [*problems, f"{where}.type {trigger.get('type')!r} is not the redis lists scaler"]
    meta = trigger.get("metadata", {})
    problems += _unknown(meta, REDIS_METADATA, f"{where}.metadata")
    problems += [
        f"{where}.metadata.{k} must be a string" for k, v in meta.items() if not isinstance(v, str)
    ]
    if not meta.get("listName"):
        problems.append(f"{where}.metadata.listName is required")
    if not ({"address", "host", "addressFromEnv", "hostFromEnv"} & set(meta)):
        problems.append(f"{where}.metadata needs address or host")
    for key in ("listLength", "activationListLength", "databaseIndex"):
        if key in meta and not NUMBER.match(str(meta[key])):
            problems.append(f"{where}.metadata.{key} must be a number")
    for key in ("enableTLS", "unsafeSsl"):
        if key in meta and meta[key] not in BOOLEAN:
            problems.append(f"{where}.metadata.{key} must be true or false")
    return problems


def _modifier_problems(modifiers: dict[str, Any], triggers: list[dict[str, Any]]) -> list[str]:
    problems = _unknown(modifiers, SCALING_MODIFIERS, "spec.advanced.scalingModifiers")
    names = {t.get("name") for t in triggers}
    if None in names:
        problems.append("scalingModifiers needs every trigger named")
    variables = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", modifiers.get("formula", "")))
    problems += [f"formula names unknown trigger {v}" for v in sorted(variables - names)]
    if not modifiers.get("target") or not NUMBER.match(str(modifiers["target"])):
        problems.append("scalingModifiers.target must be a number")
    if modifiers.get("metricType", "AverageValue") not in METRIC_TYPES - {"Utilization"}:
        problems.append("scalingModifiers.metricType must be AverageValue or Value")
    return problems


def trigger_authentication_problems(obj: dict[str, Any]) -> list[str]:
    spec = obj["spec"]
    problems = _unknown(spec, TRIGGER_AUTHENTICATION_SPEC, "spec")
    for ref in spec.get("secretTargetRef", []):
        problems += _unknown(ref, {"parameter", "name", "key"}, "spec.secretTargetRef")
        if ref.get("parameter") not in REDIS_AUTH_PARAMETERS:
            problems.append(f"{ref.get('parameter')!r} is not a redis scaler auth parameter")
    return problems


def summed_lists(obj: dict[str, Any]) -> list[str]:
    """The Redis lists whose lengths the ScaledObject adds up into its one scaling metric."""
    triggers = {t["name"]: t["metadata"]["listName"] for t in obj["spec"]["triggers"]}
    formula = obj["spec"]["advanced"]["scalingModifiers"]["formula"]
    terms = [term.strip() for term in formula.split("+")]
    return [triggers[term] for term in terms]
