"""The JSON Schemas of fact sheets, front matter and sitegen.yaml, and the
validator that checks documents against them.

The schemas in `sitegen/schemas/` are the single description of the formats:
editors use them through the `$schema` comment that `sitegen new` writes, and
this module interprets the subset of JSON Schema they use (type, required,
properties, additionalProperties, items, enum, pattern, min/max, $ref, and
the formats `date`, `http-url` and `source`) so every problem points at the
offending YAML node.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from importlib import resources
from typing import Any

from sitegen.diagnostics import Diagnostics, Position, did_you_mean
from sitegen.yamldoc import YamlDoc

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SCHEMA_FILES = ("common", "person", "place", "event", "organisation", "article", "page", "config")


@functools.cache
def load_schema(name: str) -> dict:
    """The schema `name` (e.g. 'person'), as shipped in the package."""
    text = resources.files("sitegen").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def schema_path(name: str) -> str:
    """Filesystem path of a shipped schema, for editors' `$schema` comments."""
    return str(resources.files("sitegen").joinpath("schemas", f"{name}.schema.json"))


def parse_date(value: Any) -> dt.date | dt.datetime | None:
    """A YAML date/datetime or an ISO string as a date or datetime; None if it is not one."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def is_http_url(value: str) -> bool:
    return bool(re.match(r"^https?://[^\s/?#]+[^\s]*$", value, re.IGNORECASE))


_TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}


def _type_ok(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, (str, dt.date))
    if type_name == "number":
        # .nan and .inf have no JSON form (data/facts.json) and no meaning as a fact
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "object":
        return isinstance(value, dict)
    if type_name == "null":
        return value is None
    raise ValueError(f"schema type {type_name!r} is not supported")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, float) and not math.isfinite(value):
        return f"'{value}' (not a finite number)"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


class Validator:
    """Checks one YAML document against one schema, reporting at node positions."""

    def __init__(self, schema_name: str, doc: YamlDoc, rel_path: str, diagnostics: Diagnostics):
        self.root_name = schema_name
        self.doc = doc
        self.rel_path = rel_path
        self.diagnostics = diagnostics
        self.ok = True

    def run(self) -> bool:
        self.check(self.doc.value, load_schema(self.root_name), self.root_name, ())
        return self.ok

    def error(self, path: tuple, code: str, message: str, key: bool = False) -> None:
        self.ok = False
        line, column = self.doc.position(path, key=key)
        self.diagnostics.error(Position(self.rel_path, line, column), f"schema.{code}", message)

    def resolve(self, schema: dict, file: str) -> tuple[dict, str]:
        while "$ref" in schema:
            ref = schema["$ref"]
            target_file, _, pointer = ref.partition("#")
            if target_file:
                file = target_file.removesuffix(".schema.json")
            node = load_schema(file)
            for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
                node = node[part]
            merged = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**node, **merged}
        return schema, file

    def check(self, value: Any, schema: dict, file: str, path: tuple) -> None:
        schema, file = self.resolve(schema, file)
        label = self.label(path)
        types = schema.get("type")
        if types is not None:
            type_list = types if isinstance(types, list) else [types]
            if not any(_type_ok(value, t) for t in type_list):
                wanted = " or ".join(_TYPE_NAMES[t] for t in type_list)
                self.error(path, "type", f"{label} must be {wanted}, not {_describe(value)}")
                return
        if "enum" in schema and value not in schema["enum"]:
            choices = ", ".join(str(c) for c in schema["enum"])
            self.error(path, "enum", f"{label} must be one of {choices}, not '{value}'{did_you_mean(str(value), map(str, schema['enum']))}")
            return
        if isinstance(value, str):
            self.check_string(value, schema, path, label)
        elif isinstance(value, dt.date) and schema.get("format") != "date" and types == "string":
            # YAML reads 2021-08-13 as a date; where only text is allowed it must be quoted
            self.error(path, "type", f"{label} must be text, not a date (put it in quotes)")
            return
        if isinstance(value, list):
            self.check_array(value, schema, file, path, label)
        if isinstance(value, dict):
            self.check_object(value, schema, file, path)

    def check_string(self, value: str, schema: dict, path: tuple, label: str) -> None:
        fmt = schema.get("format")
        if schema.get("minLength") and len(value.strip()) < schema["minLength"]:
            self.error(path, "empty", f"{label} must not be empty")
        elif fmt == "date" and parse_date(value) is None:
            self.error(path, "date", f"{label} must be a date (YYYY-MM-DD), not '{value}'")
        elif fmt == "http-url" and not is_http_url(value):
            self.error(path, "url", f"{label} must be an http(s) URL, not '{value}'")
        elif fmt == "source" and ":" in value and not is_http_url(value):
            self.error(path, "url", f"{label} must be an article id or an http(s) URL, not '{value}'")
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            if schema.get("x-kind", "") != "" or "entity-id" in str(schema.get("description", "")):
                self.error(path, "id", f"{label}: '{value}' is not a valid id (lower-case letters, digits and hyphens)")
            else:
                self.error(path, "pattern", f"{label}: '{value}' is not allowed here")

    def check_array(self, value: list, schema: dict, file: str, path: tuple, label: str) -> None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            self.error(path, "items", f"{label} needs at least {schema['minItems']} item(s)")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            self.error(path, "items", f"{label} takes at most {schema['maxItems']} item(s)")
        if "items" in schema:
            for index, item in enumerate(value):
                self.check(item, schema["items"], file, path + (index,))

    def check_object(self, value: dict, schema: dict, file: str, path: tuple) -> None:
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value or value[name] is None:
                where = f"in {self.label(path)} " if path else ""
                self.error(path, "required", f"missing required field '{name}' {where}".rstrip())
        for key, item in value.items():
            if key in properties:
                if item is None and key not in schema.get("required", []):
                    continue
                self.check(item, properties[key], file, path + (key,))
            elif schema.get("additionalProperties") is False:
                self.error(path + (key,), "unknown-field", f"unknown field '{key}'{did_you_mean(key, properties)}", key=True)

    @staticmethod
    def label(path: tuple) -> str:
        if not path:
            return "the document"
        text = ""
        for part in path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return f"'{text}'"


def validate(schema_name: str, doc: YamlDoc, rel_path: str, diagnostics: Diagnostics) -> bool:
    """Check `doc` against the shipped schema; True when it has no error."""
    return Validator(schema_name, doc, rel_path, diagnostics).run()


@functools.cache
def reference_fields(schema_name: str) -> dict[str, str | None]:
    """Top-level fields of a schema that hold entity ids → the kind they must be (None: any)."""
    fields: dict[str, str | None] = {}
    for key, prop in load_schema(schema_name).get("properties", {}).items():
        item = prop.get("items", prop)
        if "x-kind" in item:
            fields[key] = item["x-kind"]
    return fields
