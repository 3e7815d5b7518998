"""Finding secrets in text and replacing each with ``[REDACTED:<kind>]``.

In order, over one text:

- the values of this process's credential environment variables (``ANTHROPIC_API_KEY``...);
- the user's own patterns (``ClaudeMagics.redact``);
- private key blocks, whole, also when their END line is missing (a clipped output);
- key formats (:mod:`.formats`, ported from gitleaks, and detect-secrets' regex detectors),
  searched only on lines that may hold a key: a long unbroken run, credentials in a URL, or a
  key-like word (most lines of a log, a CSV or source code are none of those);
- a bare 40-character AWS secret key, in a text that holds an AWS access key id;
- values given a secret's name (:mod:`.context`).

Only the kinds found are kept (to say what was redacted), never the values.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ccmagic.sidecar.redaction.context import entropy, is_path, secret_values, stands_in
from ccmagic.sidecar.redaction.formats import Format, formats, keywords

# detect-secrets' detectors left out: these (and its keyword detector) are done by context
# (credentials in a URL: :mod:`.formats` has a rule that knows example ones)
NOT_FORMATS = {"Public IP (ipv4)", "Base64 High Entropy String", "Hex High Entropy String",
               "Secret Keyword", "Basic Auth Credentials"}  # fmt: skip
PRIVATE_KEY = re.compile(
    r"-----BEGIN[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]*?-----END[ A-Z0-9_\-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
    r"|(?:\s*(?:[\w\-]+:[^\n]*|[A-Za-z0-9+/=]{8,}))*)"
)
CREDENTIAL_NAME = re.compile(r"(?i)(key|token|secret|passw|credential|auth)")
PLACEHOLDER = re.compile(r"\[REDACTED:[^\]]+\]")
# a line that may hold a key: a long unbroken run (keys are long), credentials in a URL, or a
# key-like name (looked for in the lowercased text: a case-blind regex is ten times slower)
LONG_RUN = re.compile(r"(?<![A-Za-z0-9_\-+/=])[A-Za-z0-9_\-+/=]{16,}|://\S*@")
KEY_WORDS = re.compile(r"key|secret|token|passw|pwd|pass\b|credential|auth|client_id")
TAILS = {  # the rest of a key a detect-secrets format matched the start of (default: TAIL)
    "JSON Web Token": re.compile(r"[A-Za-z0-9_\-.+/=]*"),
    "Basic Auth Credentials": re.compile(""),
}
TAIL = re.compile(r"[A-Za-z0-9_\-]*")
AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


@dataclass
class Findings:
    """What was redacted: which secrets (each once, however often it occurs; known by a
    digest held in memory only), of which kinds, and where."""

    digests: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)

    def add(self, kind: str, place: str, value: str) -> None:
        self.digests.add(hashlib.sha256(value.encode()).hexdigest())
        self.kinds.add(kind)
        self.places.add(place)

    @property
    def count(self) -> int:
        return len(self.digests)

    def record(self) -> dict[str, Any]:
        """As a turn keeps it: the count, the kinds and where, never a value."""
        return {"count": self.count, "kinds": sorted(self.kinds), "where": sorted(self.places)}


@cache
def _detect_secrets_formats() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """detect-secrets' regex detectors (imported once, on first use)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    found = []
    plugin: Any
    for kind, plugin in sorted(get_mapping_from_secret_type_to_class().items()):
        if kind in NOT_FORMATS or not issubclass(plugin, RegexBasedDetector):
            continue
        detector: Any = plugin
        found += [(kind, regex) for regex in detector().denylist]
    return tuple(found)


_ENVIRONMENT: list[tuple[int, dict[str, str], list[tuple[str, str]]]] = []  # the last reading


def environment_changed() -> None:
    """The environment may have changed (a new turn, code run in the kernel): read it again
    on the next redaction."""
    _ENVIRONMENT.clear()


def _environment_secrets() -> list[tuple[str, str]]:
    """(kind, value) of this process's credential variables, longest value first. Read once
    and kept while the environment has as many variables and those credentials are unchanged
    (reading it for every string cost a turn ~2 ms); :func:`environment_changed` forgets it."""
    if _ENVIRONMENT:
        size, seen, found = _ENVIRONMENT[0]
        if size == len(os.environ) and all(os.environ.get(k) == v for k, v in seen.items()):
            return found
    seen = {
        name: value
        for name, value in os.environ.items()
        if CREDENTIAL_NAME.search(name) and len(value) >= 8 and not is_path(value)
    }
    found = sorted(((f"{name} value", value) for name, value in seen.items()),
                   key=lambda pair: -len(pair[1]))  # fmt: skip
    _ENVIRONMENT[:] = [(len(os.environ), seen, found)]
    return found


class Redactor:
    """Replaces secrets in strings, and in every string of a JSON-like structure."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [re.compile(p) for p in patterns]

    def text(self, text: str, place: str, findings: Findings) -> str:
        if not text or len(text) < 8:
            return text
        for kind, value in _environment_secrets():
            if value in text:
                findings.add(kind, place, value)
                text = text.replace(value, f"[REDACTED:{kind}]")
        for regex in self.patterns:
            text = _replace(regex.finditer(text), text, "pattern", place, findings)
        if "PRIVATE KEY" in text:  # a block over several lines
            text = _replace(PRIVATE_KEY.finditer(text), text, "Private Key", place, findings)
        breaks = [m.start() for m in re.finditer("\n", text)]
        chosen = sorted(
            set(_lines_matching(LONG_RUN, text, breaks))
            | set(_lines_matching(KEY_WORDS, text.lower(), breaks))
        )
        if not chosen:
            return text
        lines = text.split("\n")
        block = _formats_replaced("\n".join(lines[n] for n in chosen), place, findings)
        for n, line in zip(chosen, block.split("\n"), strict=True):  # no format spans lines
            lines[n] = line
        for n in chosen:
            if KEY_WORDS.search(PLACEHOLDER.sub("", lines[n]).lower()):
                lines[n] = _named_replaced(lines[n], place, findings)
        return "\n".join(lines)

    def value(self, value: Any, place: str, findings: Findings) -> Any:
        """``value`` with every string in it redacted (keys and structure kept)."""
        if isinstance(value, str):
            return self.text(value, place, findings)
        if isinstance(value, list):
            return [self.value(item, place, findings) for item in value]
        if isinstance(value, dict):
            return {k: self.value(v, place, findings) for k, v in value.items()}
        return value


def _formats_replaced(block: str, place: str, findings: Findings) -> str:
    """The key formats replaced in ``block``: a format is tried only where one of its
    keywords occurs; a bare AWS secret key only beside an access key id."""
    lowered = block.lower()
    present = {word for word in keywords() if word in lowered}
    for rule in formats():
        if present.intersection(rule.keywords):
            block = _replace(rule.regex.finditer(block), block, rule.kind, place, findings, rule)
    for kind, regex in _detect_secrets_formats():
        block = _replace(regex.finditer(block), block, kind, place, findings, tail=True)
    if "AWS Access Key]" in block:
        candidates = AWS_SECRET.finditer(block)
        secrets = (m for m in candidates if _mixed(m.group()) and entropy(m.group()) > 4.0)
        block = _replace(secrets, block, "AWS Secret Key", place, findings)
    return block


def _named_replaced(line: str, place: str, findings: Findings) -> str:
    """A line with a key-like word: the values it names as secrets."""
    kept = PLACEHOLDER.findall(line)  # what is redacted already is not looked at again
    line = PLACEHOLDER.sub("\x00", line)
    for value in sorted(set(secret_values(line)), key=len, reverse=True):
        if "\x00" not in value:
            findings.add("Secret Keyword", place, value)
            line = line.replace(value, "[REDACTED:Secret Keyword]")
    for placeholder in kept:
        line = line.replace("\x00", placeholder, 1)
    return line


def _replace(
    matches: Iterable[re.Match[str]],
    text: str,
    kind: str,
    place: str,
    found: Findings,
    rule: Format | None = None,
    tail: bool = False,
) -> str:
    """Every match replaced (only its group ``s`` for a rule that has one); ``tail``: with
    the rest of the token it starts (detect-secrets' formats may match a key's first part)."""
    parts, start = [], 0
    for match in matches:
        begin, end = rule.secret(match) if rule else match.span()
        if begin < start or PLACEHOLDER.fullmatch(text[begin:end]):
            continue
        if kind == "Basic Auth Credentials" and stands_in(text[begin:end]):
            continue  # https://user:password@host in an example
        if tail:
            end = TAILS.get(kind, TAIL).match(text, end).end()  # type: ignore[union-attr]
        parts += [text[start:begin], f"[REDACTED:{kind}]"]
        found.add(kind, place, text[begin:end])
        start = end
    return "".join([*parts, text[start:]]) if parts else text


def _lines_matching(regex: re.Pattern[str], text: str, breaks: list[int]) -> list[int]:
    """The numbers of the lines of ``text`` (whose newlines are at ``breaks``) that ``regex``
    matches in, found in one pass over the whole text."""
    found: list[int] = []
    for match in regex.finditer(text):
        line = bisect.bisect_left(breaks, match.start())
        if not found or found[-1] != line:
            found.append(line)
    return found


def _mixed(text: str) -> bool:
    """Upper and lower case letters and digits: a random key, not a hex digest or a word."""
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )
