"""Reading template.yaml: functions, their routes, queues and schedules, and their environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    pass


class _Loader(yaml.SafeLoader):
    pass


def _tag(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _short in (
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Equals",
    "Not",
    "Select",
    "Split",
    "FindInMap",
    "ImportValue",
):
    _Loader.add_constructor(f"!{_short}", _tag(_short if _short == "Ref" else f"Fn::{_short}"))


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str


LAMBDA_DEFAULT_TIMEOUT = 3.0  # seconds, when neither the function nor Globals sets Timeout


@dataclass
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any]
    routes: list[Route] = field(default_factory=list)
    queues: list[tuple[str, int]] = field(default_factory=list)  # (queue logical id, batch size)
    schedules: list[str] = field(default_factory=list)
    timeout: float = LAMBDA_DEFAULT_TIMEOUT  # seconds: what the context says remains


@dataclass
class Template:
    root: Path
    parameters: dict[str, str]
    resources: dict[str, dict[str, Any]]
    functions: dict[str, Function]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == kind}

    @property
    def routes(self) -> list[Route]:
        return [r for f in self.functions.values() for r in f.routes]


def load(path: Path) -> Template:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise TemplateError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path} is not valid YAML: {exc}") from None
    resources = data.get("Resources") or {}
    globals_fn = (data.get("Globals") or {}).get("Function") or {}
    global_env = ((globals_fn.get("Environment") or {}).get("Variables")) or {}
    parameters = {k: str(v.get("Default", "")) for k, v in (data.get("Parameters") or {}).items()}
    functions = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        env = {**global_env, **(((props.get("Environment") or {}).get("Variables")) or {})}
        fn = Function(
            logical_id=logical_id,
            code_dir=path.parent / str(props.get("CodeUri", ".")),
            handler=str(props.get("Handler") or globals_fn.get("Handler") or "app.lambda_handler"),
            environment=env,
            timeout=float(props.get("Timeout") or globals_fn.get("Timeout") or LAMBDA_DEFAULT_TIMEOUT),
        )
        for event in (props.get("Events") or {}).values():
            eprops = event.get("Properties") or {}
            if event.get("Type") == "HttpApi":
                fn.routes.append(Route(str(eprops["Method"]).upper(), str(eprops["Path"]), logical_id))
            elif event.get("Type") == "SQS":
                queue = eprops["Queue"]
                ref = queue.get("Fn::GetAtt", [None])[0] if isinstance(queue, dict) else None
                if ref:
                    fn.queues.append((ref, int(eprops.get("BatchSize", 10))))
            elif event.get("Type") == "Schedule":
                fn.schedules.append(str(eprops.get("Schedule")))
        functions[logical_id] = fn
    return Template(root=path.parent, parameters=parameters, resources=resources, functions=functions)


def resolve(value: Any, refs: dict[str, str], attrs: dict[tuple[str, str], str]) -> str:
    """Resolve the intrinsics environment variables use (Ref, GetAtt, plain Sub)."""
    if isinstance(value, dict):
        if "Ref" in value:
            return refs.get(value["Ref"], "")
        if "Fn::GetAtt" in value:
            logical, attr = value["Fn::GetAtt"]
            return attrs.get((logical, attr), "")
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
            for name, resolved in refs.items():
                text = text.replace("${" + name + "}", resolved)
            return "" if "${" in text else text  # names only AWS knows (a deployed API's id)
        raise TemplateError(f"unsupported intrinsic in environment: {value}")
    return "" if value is None else str(value)
