"""Keeping secrets out of what is written: the sidecar, and the answers a notebook saves.

Claude reads a ``.env`` or ``cat``s a config; the tool's output lands in Claude Code's
transcript and so in the sidecar that gets committed. Before anything is written, every string
is scanned and each secret replaced by ``[REDACTED:<kind>]``:

- the key formats detect-secrets maintains (AWS, GitHub, GitLab, Slack, Stripe, JWTs, private
  keys, credentials in URLs, ...), matched here over the whole text in one pass per format;
- a few it lacks (Anthropic and current OpenAI keys, whole PEM private keys);
- values next to key-like names (``password = ...``, ``API_KEY: ...``): detect-secrets'
  keyword detector, and its high-entropy detectors on those lines only;
- the values of this process's credential environment variables (``ANTHROPIC_API_KEY``...);
- patterns of the user's (``ClaudeMagics.redact``).

Only the kinds found are kept (to say what was redacted), never the values.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ccmagic._state import STATE

NOT_SECRETS = {
    "Public IP (ipv4)",
    "Base64 High Entropy String",
    "Hex High Entropy String",
    "Secret Keyword",
}  # fmt: skip  (the last three are applied by context below)
OWN_PATTERNS = (
    ("Private Key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    ("Anthropic API Key", r"\bsk-ant-[A-Za-z0-9]+-[A-Za-z0-9_\-]{20,}"),
    ("OpenAI API Key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{32,}"),
)
KEY_NAMES = re.compile(
    r"(?i)(api[_\-]?key|secret|token|passw(?:or)?d|\bpwd\b|credential|auth|access[_\-]?key"
    r"|private[_\-]?key|client[_\-]?id)"
)
CREDENTIAL_NAME = re.compile(r"(?i)(key|token|secret|passw|credential|auth)")
PLACEHOLDER = re.compile(r"\[REDACTED:[^\]]+\]")
# a line that may hold a key: a long unbroken run (keys are long), credentials in a URL, or a
# key-like name (looked for in the lowercased text: a case-blind regex is ten times slower);
# only such lines are searched for the key formats, and most lines are not such lines
LONG_RUN = re.compile(r"(?<![A-Za-z0-9_\-+/=])[A-Za-z0-9_\-+/=]{16,}|://\S*@")
KEY_WORDS = re.compile(r"key|secret|token|passw|pwd|credential|auth|client_id")
TAILS = {  # the rest of a token a format matched the start of: up to its end (default below)
    "JSON Web Token": re.compile(r"[A-Za-z0-9_\-.+/=]*"),
    "Basic Auth Credentials": re.compile(""),
}
TAIL = re.compile(r"[A-Za-z0-9_\-]*")
ASSIGNED = re.compile(r"""[:=]\s*["']?([^\s"',;\[\]\x00]{8,})""")
# a path or a URL beside a key-like name (``"file_path": "~/.aws/credentials"``) names where a
# secret is, and is no secret (credentials inside a URL are a format of their own)
PATH_OR_URL = re.compile(r"(?:~|\.{1,2})?/|[A-Za-z]:\\|[A-Za-z][\w+.-]*://")


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
def _known_formats() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """detect-secrets' regex detectors (imported once, on first use)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    formats = [(kind, re.compile(pattern)) for kind, pattern in OWN_PATTERNS]
    for kind, plugin in sorted(get_mapping_from_secret_type_to_class().items()):
        if kind in NOT_SECRETS or not issubclass(plugin, RegexBasedDetector):
            continue
        detector: Any = plugin
        formats += [(kind, regex) for regex in detector().denylist]
    return tuple(formats)


@cache
def _context_detectors() -> tuple[Any, Any, Any]:
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )
    from detect_secrets.plugins.keyword import KeywordDetector

    return KeywordDetector(), Base64HighEntropyString(), HexHighEntropyString()


def _environment_secrets() -> list[tuple[str, str]]:
    """(kind, value) of this process's credential variables, longest value first."""
    found = [
        (f"{name} value", value)
        for name, value in os.environ.items()
        if CREDENTIAL_NAME.search(name) and len(value) >= 8 and not value.startswith(("/", "."))
    ]
    return sorted(found, key=lambda pair: -len(pair[1]))


class Redactor:
    """Replaces secrets in strings, and in every string of a JSON-like structure."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [re.compile(p) for p in patterns]

    def text(self, text: str, place: str, findings: Findings) -> str:
        if not text or len(text) < 8:
            return text
        for kind, value in _environment_secrets():
            if value in text:
                text = self._replace_literal(text, value, kind, place, findings)
        for regex in self.patterns:
            text = self._replace(regex, text, "pattern", place, findings)
        formats = _known_formats()
        if "PRIVATE KEY" in text:  # a block over several lines
            text = self._replace(formats[0][1], text, formats[0][0], place, findings)
        breaks = [m.start() for m in re.finditer("\n", text)]
        chosen = sorted(
            set(_lines_matching(LONG_RUN, text, breaks))
            | set(_lines_matching(KEY_WORDS, text.lower(), breaks))
        )
        if not chosen:
            return text
        lines = text.split("\n")
        block = "\n".join(lines[n] for n in chosen)
        for kind, regex in formats[1:]:
            block = self._replace(regex, block, kind, place, findings)
        for n, line in zip(chosen, block.split("\n"), strict=True):  # no format spans lines
            lines[n] = line
        for n in chosen:
            if KEY_NAMES.search(PLACEHOLDER.sub("", lines[n])):  # not the kinds named there
                lines[n] = self._by_context(lines[n], place, findings)
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

    @staticmethod
    def _replace_literal(text: str, value: str, kind: str, place: str, found: Findings) -> str:
        found.add(kind, place, value)
        return text.replace(value, f"[REDACTED:{kind}]")

    @staticmethod
    def _replace(regex: re.Pattern[str], text: str, kind: str, place: str, found: Findings) -> str:
        """Every match replaced, with the rest of the token it starts (a format may match a
        key's first part only)."""
        parts, start = [], 0
        for match in regex.finditer(text):
            if match.start() < start or PLACEHOLDER.fullmatch(match.group(0)):
                continue
            tail = TAILS.get(kind, TAIL).match(text, match.end())  # always matches (maybe "")
            end = tail.end() if tail else match.end()
            parts += [text[start : match.start()], f"[REDACTED:{kind}]"]
            found.add(kind, place, text[match.start() : end])
            start = end
        return "".join([*parts, text[start:]]) if parts else text

    def _by_context(self, line: str, place: str, findings: Findings) -> str:
        """A line with a key-like name: detect-secrets' keyword detector, its high-entropy
        detectors (on such lines only: elsewhere they take hashes for keys), and any
        random-looking value assigned there (``API_KEY=...`` in a .env file)."""
        keyword, base64, hexadecimal = _context_detectors()
        kept = PLACEHOLDER.findall(line)  # what is redacted already is not looked at again
        line = PLACEHOLDER.sub("\x00", line)
        values = {v: "Secret Keyword" for v in keyword.analyze_string(line) if v}
        for detector, kind in ((base64, "High Entropy String"), (hexadecimal, "Hex String")):
            for candidate in detector.analyze_string(line):
                if len(candidate) >= 16 and detector.calculate_shannon_entropy(candidate) > (
                    detector.entropy_limit
                ):
                    values.setdefault(candidate, kind)
        for match in ASSIGNED.finditer(line):
            value = match.group(1)
            if _entropy(value) >= 3.0 and not PATH_OR_URL.match(value):
                values.setdefault(value, "Secret Keyword")
        for value, kind in sorted(values.items(), key=lambda pair: -len(pair[0])):
            if len(value) >= 6 and "\x00" not in value and value in line:
                line = self._replace_literal(line, value, kind, place, findings)
        for placeholder in kept:
            line = line.replace("\x00", placeholder, 1)
        return line


def _lines_matching(regex: re.Pattern[str], text: str, breaks: list[int]) -> list[int]:
    """The numbers of the lines of ``text`` (whose newlines are at ``breaks``) that ``regex``
    matches in, found in one pass over the whole text."""
    import bisect

    found: list[int] = []
    for match in regex.finditer(text):
        line = bisect.bisect_left(breaks, match.start())
        if not found or found[-1] != line:
            found.append(line)
    return found


def _entropy(text: str) -> float:
    """Shannon entropy per character: random keys score high, words and numbers low."""
    import math
    from collections import Counter

    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


TRANSCRIPTS = ("redacted", "full", "none")


@dataclass
class Settings:
    """What goes into a sidecar, for every journal of this process (``ClaudeMagics.redact``,
    ``ClaudeMagics.transcripts``): the transcript ``redacted`` (default), ``full`` (not
    redacted), or ``none`` (not kept: a resume then needs this machine's ~/.claude)."""

    redactor: Redactor = field(default_factory=Redactor)
    transcripts: str = "redacted"


SETTINGS = STATE.redaction = Settings()  # the process's (ccmagic._state)


def configure(patterns: Iterable[str] | None = None, transcripts: str | None = None) -> None:
    if patterns is not None:
        SETTINGS.redactor = Redactor(patterns)
    if transcripts is not None:
        if transcripts not in TRANSCRIPTS:
            raise ValueError(f"transcripts must be one of {', '.join(TRANSCRIPTS)}")
        SETTINGS.transcripts = transcripts


def notice(redacted: dict[str, Any]) -> str:
    """What a cell says of a turn's ``redacted`` record, once."""
    count = redacted.get("count", 0)
    kinds = ", ".join(redacted.get("kinds") or [])
    where = ", ".join(redacted.get("where") or [])
    return (
        f"{count} secret{'s' if count != 1 else ''} kept out of the sidecar and this output: "
        f"{kinds}" + (f" in {where}" if where else "") + "."
    )


def redact_record(record: Any, redactor: Redactor, found: Findings) -> None:
    """Take secrets out of a turn's record, in place, saying where each was."""
    record.prompt = redactor.text(record.prompt, "prompt", found)
    record.response = _redacted_answer(record, redactor, found)
    for call in record.tool_calls:
        name = call.short_name
        call.summary = redactor.text(call.summary, f"{name} input", found)
        if call.code is not None:
            call.code = redactor.text(call.code, f"{name} input", found)
        if call.result is not None:
            call.result = redactor.text(call.result, f"{name} output", found)
    for entry in record.permissions:
        entry["input"] = redactor.text(entry.get("input", ""), "approval", found)
    if record.error:
        record.error = redactor.text(record.error, "error", found)


def _redacted_answer(record: Any, redactor: Redactor, found: Findings) -> str:
    """The answer redacted piece by piece, its layout (each text piece's length) updated to
    match, so the cell and a replay still split it where Claude's text blocks end."""
    parts, start = [], 0
    for piece in record.layout:
        if piece[0] != "t":
            continue
        text = redactor.text(record.response[start : start + piece[1]], "answer", found)
        parts.append(text + record.response[start + piece[1] : start + piece[1] + 2])
        start += piece[1] + 2
        piece[1] = len(text)
    rest = record.response[start:] if start < len(record.response) else ""
    return "".join(parts) + redactor.text(rest, "answer", found)
