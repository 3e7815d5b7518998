"""Secrets known by their name: ``password = ...``, ``API_KEY=...``, ``token: ...``.

A value beside a key-like name is a secret when it is a literal: a quoted string, a ``.env``
or YAML value. In code, what follows ``token_count =`` or ``password_hash =`` is an
expression, a call, a name or an attribute, and none of those is a secret; nor is a name
*about* a secret (``password_hash``, ``auth_header``, ``token_url``): the name's last word
must be one that holds the secret itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# NAME (sep) VALUE, the name holding a secret word somewhere; the value quoted or bare
ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][\w.\-]*)["']?(?P<sep>[ \t]*(?::=|=>|[=:])[ \t]*)"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s"',;&?)\]}]+)"""
)
ESCAPED_BREAK = re.compile(r"\\[nr]")
WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
HOLDERS = {"password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "key",
           "apikey", "credential", "credentials", "pat", "pw", "auth"}  # fmt: skip
# a last word "key" holds a secret only after one of these (api_key, AccountKey, secret_key)
KEY_QUALIFIERS = {"api", "secret", "access", "private", "account", "signing", "master",
                  "encryption", "client", "auth", "license", "app", "service",
                  "storage"}  # fmt: skip
CODE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:[(\[].*)?\Z|[(\[{].*|\d[\d_.]*\Z")
# a type in an annotation (``password: str``); a capitalised word with a digit is no type
TYPE_LIKE = re.compile(r"[A-Z][A-Za-z]*(?:\[.*)?\Z|(?:str|bytes|int|bool|float|Any|Optional)\b")
NOT_VALUES = re.compile(
    r"""(?ix)\A(?: | none | null | nil | true | false | undefined | \*+ | x+ | \.\.\.?
        | \$\w+ | \$\{[^}]*\} | \{\{.*\}\} | %\(?\w*\)?s | <[^>]*> | \{\w*\}
        | (?:~|\.{1,2})?/.* | [a-z]:\\.* | [a-z][\w+.\-]*://.* )\Z"""
)

# a value that only stands for one: made of filler words (``my-secret``, ``a%20secret``,
# ``password``) or saying it is not real (``sk-ant-fake-test-key``, ``demo-offline-no-key``)
STAND_IN = re.compile(
    r"(?i)(?:a|my|the|your|%20|[\W_]|pass(?:word)?|secret|pwd?|token|key)+\Z"
    r"|.*(?:fake|dummy|example|placeholder|demo|sample|changeme|your[-_ ]|no[-_ ]key)"
)


def _cases_mixed(value: str) -> bool:
    """Long, and upper case throughout, not only where CamelCase words begin."""
    return len(value) >= 32 and 0.25 <= sum(c.isupper() for c in value) / len(value) <= 0.75


def is_path(value: str) -> bool:
    """A path (``/etc/app``, ``~/.aws/credentials``), not a base64 key that starts with ``/``."""
    return value.startswith(("/", ".", "~")) and not _random(
        value.replace("/", "").replace("+", "")
    )


def stands_in(value: str) -> bool:
    """A placeholder or an example, not a secret."""
    return bool(STAND_IN.match(value))


def secret_values(line: str) -> list[str]:
    """The values in ``line`` that are secrets by the name they are given."""
    found = []
    for part in ESCAPED_BREAK.split(line):  # a repr's lines: 'A=1\\nDB_PASS=...\\n'
        found += _named_values(part)
    return found


def _named_values(line: str) -> list[str]:
    found = []
    for match in ASSIGNMENT.finditer(line):
        words = [w.lower() for w in WORDS.findall(match.group("name"))]
        if not words or not _holds_secret(words):
            continue
        raw = match.group("value")
        quoted = raw[:1] in "\"'"
        value = raw[1:-1] if quoted else raw
        if len(value) < 3 or stands_in(value) or " " in value:
            continue
        if NOT_VALUES.match(value) and not _random(value.replace("/", "").replace("+", "")):
            continue
        if quoted or _is_literal(line, match, value):
            if words[-1] == "key" and len(words) == 1 and entropy(value) < 3.5:
                continue  # key = "Content-Type": a dict key, not a secret key
            found.append(value)
    return found


def _holds_secret(words: list[str]) -> bool:
    last = words[-1]
    if last not in HOLDERS:
        return False
    return last != "key" or len(words) == 1 or words[-2] in KEY_QUALIFIERS


def _is_literal(line: str, match: re.Match[str], value: str) -> bool:
    """A bare value is a literal in a ``.env`` line (``NAME=value``, from the line's start to
    its end) or a YAML one (``name: value`` to the end of the line, not a type); in code
    (``x = count(y)``, ``f(password=pw)``, ``password: str``) it is an expression."""
    if line[match.start() - 1 : match.start()] in ("?", "&"):
        return True  # a URL's query: ?api_key=...
    rest = line[match.end() :].strip()
    if rest and not rest.startswith("#"):
        return False
    before = line[: match.start()].strip().strip("'\"")  # a repr's first line: 'A=1
    sep = match.group("sep").strip()
    if sep == "=" and before in ("", "export") and not match.group("sep").startswith(" "):
        return True
    if sep == ":" and before in ("", "-") and not TYPE_LIKE.match(value):
        return not CODE.match(value) or value.isidentifier()
    return (not CODE.match(value) or _random(value)) and entropy(value) >= 3.0


def _random(value: str) -> bool:
    """A long run of upper and lower case letters and digits: a key, not a name in code
    (``count_tokens``, ``ResponseText``)."""
    return (
        len(value) >= 16
        and value.replace("_", "").replace("-", "").isalnum()
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and (sum(c.isdigit() for c in value) >= 2 or _cases_mixed(value))
        and entropy(value) >= 3.5
    )


def entropy(text: str) -> float:
    """Shannon entropy per character: random keys score high, words and numbers low."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
