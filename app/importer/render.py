"""Turn a stored front matter and body back into the text of an article file: parse's inverse.

Pure: no files, no database, no printing.
"""

import re
import sys
from typing import Any

import yaml

# Where PyYAML's emitter writes NEL (U+0085) raw inside a quoted scalar, the reader folds it
# into a space; double quotes write it as the escape `\N` instead.
_FOLDED_BY_READER = "\x85"
# PyYAML quotes text that YAML 1.1 would read as another type. YAML 1.2 readers (most other
# libraries) also take `1e3`, `0o17` or `019` for numbers: quote those too, so that exported
# files mean the same to every tool.
_YAML12_NUMBER = re.compile(
    r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


class _FrontMatterDumper(yaml.SafeDumper):
    """Safe YAML that reads back as the same values through `yaml_tree`."""

    def ignore_aliases(self, data: Any) -> bool:
        # The reader expands anchors anyway; a file without them is plainer to read and edit.
        return True


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = None
    if _FOLDED_BY_READER in text:
        style = '"'
    elif _YAML12_NUMBER.fullmatch(text):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_FrontMatterDumper.add_representer(str, _represent_text)


def render_front_matter(front_matter: dict[str, Any]) -> str:
    """YAML for `front_matter`: keys in their order, unicode as is, no line wrapping, and text
    quoted wherever YAML would otherwise read it as another kind of value."""
    return yaml.dump(
        front_matter,
        Dumper=_FrontMatterDumper,
        sort_keys=False,
        allow_unicode=True,
        width=sys.maxsize,
        default_flow_style=False,
    )


def render_article(front_matter: dict[str, Any], body: str) -> str:
    """The text of an article file that `parse_article` reads back as exactly `front_matter`
    and `body`: `---`, the front matter as YAML, `---`, then the body byte for byte."""
    return f"---\n{render_front_matter(front_matter)}---\n{body}"
