"""Read a TOML data file and check it against a pydantic model; every mistake becomes one line naming file and key."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema

from scanner.errors import CamauditError

M = TypeVar("M", bound=BaseModel)

# pydantic's error types in the project's words; `{input}` is the offending value, other names come from the error.
_WORDS = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "too_short": "must not be empty",
    "literal_error": "{input!r} is not one of {expected}",
    "enum": "{input!r} is not one of {expected}",
}


class Table(BaseModel):
    """A TOML table: keys it does not declare are mistakes (typos, usually); read-only once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def fail(message: str) -> PydanticCustomError:
    """The error a validator raises: shown as written (no "Value error," prefix; braces in it are kept)."""
    return PydanticCustomError("camaudit", "{message}", {"message": message})


def say(message: str) -> WrapValidator:
    """Annotated metadata: any mistake inside this value is reported as `message` (for containers of scalars)."""

    def wrap(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise fail(message) from None

    return WrapValidator(wrap)


class _Check:
    """Annotated metadata: a test run after the type's own validation, also published in the JSON Schema."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), **self.json_schema()}

    def _validate(self, value: Any) -> Any:
        problem = self.problem(value)
        if problem:
            raise fail(problem)
        return value

    def problem(self, value: Any) -> str | None:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class OneOf(_Check):
    """The value is one of `choices` (a JSON Schema enum: editors offer the choices)."""

    choices: tuple[object, ...]
    message: str = "{value!r} is not one of {choices}"

    def problem(self, value: Any) -> str | None:
        if value in self.choices:
            return None
        return self.message.format(value=value, choices=", ".join(str(c) or '""' for c in self.choices))

    def json_schema(self) -> dict[str, Any]:
        return {"enum": list(self.choices)}


@dataclass(frozen=True)
class Matches(_Check):
    """The string contains a match of `pattern` (anchor it for a full match), as JSON Schema's `pattern` does."""

    pattern: str
    message: str  # may name the value as {value!r}

    def problem(self, value: Any) -> str | None:
        return None if re.search(self.pattern, value) else self.message.format(value=value)

    def json_schema(self) -> dict[str, Any]:
        return {"pattern": self.pattern}


@dataclass(frozen=True)
class NonEmpty(_Check):
    """The list has at least one item."""

    message: str

    def problem(self, value: Any) -> str | None:
        return None if value else self.message

    def json_schema(self) -> dict[str, Any]:
        return {"minItems": 1}


Text = Annotated[StrictStr, Matches(r"\S", "must be a non-empty string")]
Strings = Annotated[tuple[StrictStr, ...], say("must be a list of strings")]


def load_toml(
    source: Traversable,
    model: type[M],
    label: str,
    error: type[CamauditError],
    *,
    context: Mapping[str, Any] | None = None,
    hints: Mapping[str, str] | None = None,
    by_id: bool = False,
) -> M:
    """Read `source` as TOML and validate it against `model`; raise `error` with one line on any mistake.

    `label` names the file in messages; `context` reaches the model's validators; `hints` words what a missing key
    means (key -> message); `by_id` names list items by their `id` key (`persona['hik-face']`) rather than position.
    """
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"cannot read {label}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{label} cannot be read as TOML (not valid TOML): {exc}") from None
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        line = _one_line(exc.errors()[0], data, hints or {}, by_id)
    # Raised outside the handler: pydantic's error holds the input (passwords too) and must not ride along.
    raise error(f"{label}: {line}".replace("\n", " "))


class _ForEditors(GenerateJsonSchema):
    """JSON Schema as TOML editors read it: no null (TOML has none), no title on every key."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])  # an optional key is simply absent

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        generated = super().default_schema(schema)
        return {k: v for k, v in generated.items() if not (k == "default" and v is None)}


def editor_schema(model: type[BaseModel], title: str) -> str:
    """The model's JSON Schema for editors, as draft-07 (taplo, VS Code's Even Better TOML), in stable JSON text."""
    schema = model.model_json_schema(ref_template="#/definitions/{model}", schema_generator=_ForEditors)
    schema["definitions"] = schema.pop("$defs", {})
    published = {"$schema": "http://json-schema.org/draft-07/schema#", "title": title, **schema}
    return json.dumps(published, indent=2, ensure_ascii=False) + "\n"


def _one_line(error: ErrorDetails, data: object, hints: Mapping[str, str], by_id: bool) -> str:
    """The first mistake pydantic found, at its key path, in the project's words."""
    path = _path(error["loc"], data, by_id)
    key = error["loc"][-1] if error["loc"] else ""
    ctx = error.get("ctx") or {}
    if error["type"] == "extra_forbidden":
        return _at(path[:-1], f"unknown key {key!r}")
    if error["type"] == "missing":
        return _at(path, hints[str(key)]) if key in hints else _at(path[:-1], f"missing key {key!r}")
    if error["type"] == "camaudit":
        return _at(path, str(ctx["message"]))
    words = _WORDS.get(error["type"])
    return _at(path, words.format(input=error["input"], **ctx) if words else error["msg"])


def _path(loc: tuple[int | str, ...], data: object, by_id: bool) -> list[str]:
    """`loc` as written in the file: keys and indexes that exist in `data`, without pydantic's union tags."""
    parts: list[str] = []
    for n, step in enumerate(loc):
        item: object = None
        if isinstance(data, dict) and step in data:
            item = data[step]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            item = data[step]
        elif not (n == len(loc) - 1 and isinstance(data, dict)):  # a missing key is the last step
            continue  # a tag pydantic adds for a union member (or `[key]`), not a key of the file
        if isinstance(step, int):
            ident = item.get("id") if by_id and isinstance(item, dict) else None
            parts.append(f"[{ident!r}]" if isinstance(ident, str) else f"[{step}]")
        else:
            parts.append(f".{step}")
        data = item
    return parts


def _at(path: list[str], message: str) -> str:
    where = "".join(path).lstrip(".")
    return f"{where}: {message}" if where else message
