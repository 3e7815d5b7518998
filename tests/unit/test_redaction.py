"""Redaction: recall on a corpus of key formats, precision on real source code, and what each
gate keeps (structure, identifiers, images)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ccmagic.sidecar.redaction import Findings, Redactor, redact_entry, tool_result
from tests.unit.secret_corpus import samples

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(importlib.util.find_spec("requests").origin or "").parent.parent  # type: ignore[union-attr]
# well-known packages' sources full of the words token, password, secret, auth, key
PACKAGES = {"requests": ["*.py"], "httpx": ["*.py"], "urllib3": ["*.py", "util/*.py"],
            "pandas/io": ["*.py"], "pandas/io/parsers": ["*.py"], "pandas/io/formats": ["*.py"],
            "jupyter_server/auth": ["*.py"], "jupyter_server": ["serverapp.py"],
            "tornado": ["auth.py", "web.py", "httpclient.py"],
            "jupyter_client": ["session.py", "connect.py"]}  # fmt: skip


def test_every_format_of_the_corpus_is_redacted() -> None:
    cases = samples()
    formats = {name for name, _, _ in cases}
    assert len(formats) >= 40
    missed = []
    for name, text, secret in cases:
        redacted = Redactor().text(text, "corpus", Findings())
        if secret in redacted or "[REDACTED:" not in redacted:
            missed.append(f"{name}: {redacted!r}")
    caught = len(formats) - len(missed)
    print(f"recall: {caught}/{len(formats)} formats")
    assert not missed, "\n".join(missed)


@pytest.mark.parametrize("seed", range(10))
def test_other_draws_of_the_corpus_are_redacted_too(seed: int) -> None:
    """Not one lucky draw: ten other random keys of every format."""
    missed = [name for name, text, secret in samples(seed)
              if secret in Redactor().text(text, "corpus", Findings())]  # fmt: skip
    assert not missed


def source_files(package: str) -> list[Path]:
    if package == "ccmagic":
        return sorted((ROOT / "ccmagic").rglob("*.py"))
    return [path for glob in PACKAGES[package] for path in sorted((SITE / package).glob(glob))]


@pytest.mark.parametrize("package", ["ccmagic", *PACKAGES])
def test_real_source_code_comes_out_unchanged(package: str) -> None:
    files = source_files(package)
    assert files
    changed = []
    for path in files:
        text = path.read_text()
        redacted = Redactor().text(text, "source", Findings())
        if redacted != text:
            lines = zip(text.splitlines(), redacted.splitlines(), strict=False)
            changed += [f"{path.name}: {a.strip()}" for a, b in lines if a != b]
    unchanged = len(files) - len({line.split(":")[0] for line in changed})
    print(f"precision {package}: {unchanged}/{len(files)} files unchanged")
    assert not changed, "\n".join(changed)


@pytest.mark.parametrize(
    "code",
    [
        "token_count = count_tokens(response_text)",
        "password_hash = hash_password(password, salt)",
        "auth_header = self._auth_header(request)",
        "api_key = settings.api_key",
        "secret = os.environ['SECRET']",
        "def login(self, password: str, token: str | None = None) -> None:",
        "    password: str",
        "client = Client(api_key=api_key, token=token)",
        '{"password": password, "token": self.token}',
        "password_file = ~/secrets/db-password.txt",
        'token_url = "https://login.example.org/oauth2/token"',
        "API_KEY=${API_KEY}",
    ],
)
def test_code_and_references_are_not_secrets(code: str) -> None:
    assert Redactor().text(code, "answer", Findings()) == code


def test_an_entry_keeps_its_identifiers_and_shape_and_loses_attachment_secrets() -> None:
    token = next(secret for name, _, secret in samples() if name == "GitHub classic token")
    entry = {"type": "attachment", "uuid": "6f0c2c6a-3f58-4b5e-9d43-1d8e2b6f0a11",
             "parentUuid": "1d8e2b6f-0a11-4b5e-9d43-6f0c2c6a3f58", "sessionId": "s1",
             "attachment": {"type": "nested_memory", "path": "/w/sub/CLAUDE.md",
                            "content": {"content": f"Deploy: GITHUB_TOKEN={token}"}}}  # fmt: skip
    found = Findings()
    kept = redact_entry(entry, found, {}, str)
    assert token not in str(kept) and found.count == 1 and found.places == {"attachment"}
    assert {k: kept[k] for k in ("uuid", "parentUuid", "sessionId", "type")} == {
        k: entry[k] for k in ("uuid", "parentUuid", "sessionId", "type")
    }
    assert kept["attachment"]["path"] == "/w/sub/CLAUDE.md"


def test_a_tool_result_is_redacted_in_its_text_and_its_images_left_alone() -> None:
    token = next(secret for name, _, secret in samples() if name == "Hugging Face token")
    image = {"type": "image", "data": "iVBORw0KGgo" + "A" * 40, "mimeType": "image/png"}
    result = {"content": [{"type": "text", "text": f"'{token}'"}, image], "is_error": False}
    cleaned = tool_result(result, "inspect output")
    assert token not in str(cleaned) and cleaned["content"][1] is image
    assert cleaned["is_error"] is False


def test_the_cell_draws_every_piece_redacted_before_it_is_escaped() -> None:
    from ccmagic.core.turns import ToolCall
    from ccmagic.ipython.render import TurnContent

    token = next(secret for name, _, secret in samples() if name == "GitHub classic token")
    npm = next(secret for name, _, secret in samples() if name == "npm token")
    content = TurnContent([f"↳ env_text: str 'NPM_TOKEN={npm}'"], show_thinking=False)
    content.pieces = [
        ("text", f"Your token is {token}."),
        ("tool", ToolCall("Bash", "cat .env", result=f"GITHUB_TOKEN={token}")),
    ]
    for drawn in (content.markdown("footer"), content.plain("footer")):
        assert token not in drawn and npm not in drawn, drawn
        assert token.replace("_", "\\_") not in drawn  # not escaped past the redactor
        assert drawn.count("[REDACTED:") >= 3 or drawn.count("\\[REDACTED:") >= 3


def test_credential_variables_are_read_as_they_are_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment is read once and kept, but never past a change to it."""
    text = "the key is qz7Lk2Pw9Rt5Xv3Mn8Bc"
    monkeypatch.setenv("SERVICE_TOKEN", "qz7Lk2Pw9Rt5Xv3Mn8Bc")
    assert "qz7Lk2" not in Redactor().text(text, "cell", Findings())
    monkeypatch.delenv("SERVICE_TOKEN")
    assert Redactor().text(text, "cell", Findings()) == text  # gone: no longer redacted
    monkeypatch.setenv("OTHER_SECRET", "qz7Lk2Pw9Rt5Xv3Mn8Bc")
    assert "qz7Lk2" not in Redactor().text(text, "cell", Findings())
    monkeypatch.setenv("OTHER_SECRET", "a-new-value-9Hq2Lm4")  # changed in place
    assert "a-new-value" not in Redactor().text("now a-new-value-9Hq2Lm4", "cell", Findings())


def test_what_claude_saw_is_kept_redacted_with_its_digests_whole() -> None:
    from ccmagic.core.turns import TurnRecord
    from ccmagic.sidecar.redaction import redact_record

    key = "AKIAIOSFODNN7EXAMPLQ"
    record = TurnRecord("a", "s", 1, "look at df")
    digest = "9f" * 32
    record.saw = [{"kind": "tool", "tool": "inspect", "args": {"name": "df"}, "digest": digest,
                   "summary": {"columns": [f"aws_access_key_id={key}", "price"]}}]  # fmt: skip
    redact_record(record, Redactor(), Findings())
    [seen] = record.saw
    assert key not in str(seen) and seen["digest"] == digest and seen["args"] == {"name": "df"}
    assert seen["summary"]["columns"][1] == "price"
