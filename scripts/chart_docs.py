"""The chart's reference docs, generated from the `# --` comments of values.yaml.

values.yaml is the one place a key is described. From it this script writes the values table of
the chart's README.md (between two marker lines; the prose around them is hand-written) and the
`description` and `default` of every key in values.schema.json (the constraints there stay
hand-written). `--check` changes nothing and fails when either file is not current.

Comment syntax, as helm-docs reads it: `# -- text` directly above a key starts its description,
further `#` lines continue it, `# @default -- text` replaces the default shown in the README.
A key whose children carry `# --` comments is a group: each child must carry one too. The
children of any other key are part of its value and are not listed on their own.

Usage: python scripts/chart_docs.py [--check] [--chart DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CHART = Path(__file__).resolve().parents[1] / "charts" / "conveyor"
BEGIN = "<!-- values:begin (generated from values.yaml by `make chart-docs`; edit values.yaml) -->"
END = "<!-- values:end -->"
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?:\s|$)")
COMMENT_LINE = re.compile(r"^ *#(?: (?P<text>.*))?$")
DESCRIPTION = re.compile(r"^-- ?(?P<text>.*)$")
DEFAULT_NOTE = re.compile(r"^@default -- ?(?P<text>.*)$")
TYPES = ((bool, "bool"), (int, "int"), (float, "float"), (list, "list"), (dict, "object"))

KeyPath = tuple[str, ...]


class DocsError(Exception):
    """values.yaml, the schema or the README cannot be documented as they stand."""


@dataclass(frozen=True)
class Doc:
    description: str
    default_note: str | None


@dataclass(frozen=True)
class Key:
    path: KeyPath
    doc: Doc
    value: Any
    group: bool

    @property
    def name(self) -> str:
        return ".".join(self.path)


def _doc(comment: list[str]) -> Doc | None:
    """The description that the last `# --` line of a comment block starts, if any."""
    starts = [i for i, line in enumerate(comment) if DESCRIPTION.match(line)]
    if not starts:
        return None
    words: list[str] = []
    note = None
    for line in comment[starts[-1] :]:
        if match := DEFAULT_NOTE.match(line):
            note = match["text"].strip()
        elif match := DESCRIPTION.match(line):
            words.append(match["text"].strip())
        else:
            words.append(line.strip())
    return Doc(" ".join(w for w in words if w), note)


def comments(text: str) -> dict[KeyPath, Doc]:
    """Key path -> its `# --` description, read from the comment block just above each key."""
    found: dict[KeyPath, Doc] = {}
    stack: list[tuple[int, str]] = []
    block: list[str] = []
    for line in text.splitlines():
        if match := COMMENT_LINE.match(line):
            block.append(match["text"] or "")
            continue
        key = KEY_LINE.match(line)
        if key:
            indent = len(key["indent"])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, key["key"]))
            doc = _doc(block)
            if doc:
                found[tuple(name for _, name in stack)] = doc
        block = []
    return found


def keys(values: dict[str, Any], docs: dict[KeyPath, Doc], prefix: KeyPath = ()) -> Iterator[Key]:
    """Every documented key, depth first in file order; refuses an undocumented one."""
    for name, value in values.items():
        path = (*prefix, name)
        doc = docs.get(path)
        if doc is None:
            raise DocsError(f"values.yaml: {'.'.join(path)} has no `# --` comment")
        group = isinstance(value, dict) and any((*path, child) in docs for child in value)
        yield Key(path, doc, value, group)
        if group:
            yield from keys(value, docs, path)


def _type(key: Key) -> str:
    """helm-docs' type names; bool before int, as a bool is an int in Python."""
    return next((name for kind, name in TYPES if isinstance(key.value, kind)), "string")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _prose(text: str) -> str:
    """A description for a table cell: `<name>` outside code spans would be read as HTML."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;").replace(">", "&gt;")
    return _cell("`".join(parts))


def _default(key: Key) -> str:
    if key.group:
        return ""
    if key.doc.default_note:
        return _cell(key.doc.default_note)
    return _cell(f"`{json.dumps(key.value, separators=(',', ':'))}`")


def table(documented: list[Key]) -> str:
    rows = ["| Key | Type | Default | Description |", "|-----|------|---------|-------------|"]
    for key in documented:
        description = _prose(key.doc.description)
        rows.append(f"| `{key.name}` | {_type(key)} | {_default(key)} | {description} |")
    return "\n".join(rows)


def readme(current: str, documented: list[Key]) -> str:
    if current.count(BEGIN) != 1 or current.count(END) != 1:
        raise DocsError(f"README.md: needs the marker lines once each:\n{BEGIN}\n{END}")
    head, rest = current.split(BEGIN)
    _, tail = rest.split(END)
    return f"{head}{BEGIN}\n{table(documented)}\n{END}{tail}"


def _resolve(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    node: dict[str, Any] = schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _child(schema: dict[str, Any], node: dict[str, Any], name: str) -> dict[str, Any] | None:
    found = node.get("properties", {}).get(name)
    if isinstance(found, dict):
        return found
    if "$ref" in node:
        return _child(schema, _resolve(schema, node["$ref"]), name)
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _node(schema: dict[str, Any], path: KeyPath) -> dict[str, Any]:
    node: dict[str, Any] | None = schema
    for name in path:
        node = _child(schema, node, name) if node is not None else None
    if node is None:
        raise DocsError(f"values.schema.json: no property for {'.'.join(path)}")
    return node


def _annotate(node: dict[str, Any], key: Key) -> None:
    """description first and default last, so a reader sees both around the constraints."""
    rest = {k: v for k, v in node.items() if k not in ("description", "default")}
    node.clear()
    node["description"] = key.doc.description
    node.update(rest)
    if not key.group:
        node["default"] = key.value


def _undescribed(node: Any, where: str = "") -> Iterator[str]:
    if not isinstance(node, dict):
        return
    for section in ("properties", "$defs"):
        for name, child in node.get(section, {}).items():
            place = f"{where}/{section}/{name}"
            if isinstance(child, dict) and "description" not in child:
                yield place
            yield from _undescribed(child, place)
    yield from _undescribed(node.get("additionalProperties"), f"{where}/additionalProperties")


def schema_text(current: str, documented: list[Key]) -> str:
    schema = json.loads(current)
    for key in documented:
        _annotate(_node(schema, key.path), key)
    missing = list(_undescribed(schema))
    if missing:
        raise DocsError(f"values.schema.json: no description at {', '.join(missing)}")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate(chart: Path) -> dict[Path, str]:
    """File -> the text it should hold."""
    text = (chart / "values.yaml").read_text()
    documented = list(keys(yaml.safe_load(text), comments(text)))
    readme_path, schema_path = chart / "README.md", chart / "values.schema.json"
    return {
        readme_path: readme(readme_path.read_text(), documented),
        schema_path: schema_text(schema_path.read_text(), documented),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is not current")
    parser.add_argument("--chart", type=Path, default=DEFAULT_CHART, help="chart directory")
    args = parser.parse_args(argv)
    try:
        wanted = generate(args.chart)
    except DocsError as error:
        print(f"chart-docs: {error}", file=sys.stderr)
        return 2
    stale = [path for path, text in wanted.items() if path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"chart-docs: {path.name} is not current; run `make chart-docs`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path])
        print(f"chart-docs: wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
