"""One turn of a conversation as ccmagic records it, and the arithmetic of its own cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from ccmagic.core.modes import Outcome
from ccmagic.core.tools import CODE_TOOLS, SUMMARY_FIRST, TOOL_INPUT_KEYS, short_tool_name

COST_DIGITS = 10  # the CLI's totals carry float noise; 1e-10 USD is far below any price step


def shorten(text: str, limit: int = 80, keep_end: bool = False) -> str:
    """One line of at most ``limit`` characters; ``keep_end`` cuts the start instead (paths)."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    return "…" + line[1 - limit :] if keep_end else line[: limit - 1] + "…"


@dataclass
class ToolCall:
    """A tool Claude used: its name, a short form of its input, and a folded result; the
    code of ``run`` and ``new_cell`` is kept whole."""

    name: str
    summary: str
    id: str = ""
    result: str | None = None
    is_error: bool = False
    code: str | None = None

    @classmethod
    def from_block(cls, name: str, tool_input: dict[str, Any], tool_id: str = "") -> ToolCall:
        key = TOOL_INPUT_KEYS.get(name)
        value = tool_input.get(key) if key else None
        if value is None:
            value = next((v for v in tool_input.values() if isinstance(v, str)), "")
        is_path = bool(key) and str(key).endswith("_path")
        code = tool_input.get("code") if name in CODE_TOOLS else None
        return cls(
            name=name,
            summary=shorten(str(value), keep_end=is_path),
            id=tool_id,
            code=code if isinstance(code, str) else None,
        )

    def fold_result(self, content: Any, is_error: bool | None) -> None:
        """Keep a one-line digest of the tool's result, not the result itself."""
        if isinstance(content, list):
            content = "\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        text = str(content or "").strip()
        lines = text.splitlines()
        self.is_error = bool(is_error)
        if self.is_error:
            self.result = "error: " + shorten(text, 100)
        elif len(lines) > 1 and self.name.startswith(SUMMARY_FIRST):
            self.result = shorten(lines[0], 100)
        elif len(lines) > 1:
            self.result = f"{len(lines)} lines"
        else:
            self.result = shorten(text, 100) if text else "(no output)"

    @property
    def short_name(self) -> str:
        return short_tool_name(self.name)

    @property
    def line(self) -> str:
        if self.code is not None:
            return self.short_name
        return f"{self.short_name}({self.summary})" if self.summary else self.short_name


@dataclass
class TurnRecord:
    """Everything recorded about one prompt and its answer; JSON-safe through :meth:`to_dict`.

    ``cost_usd`` is this turn's own cost, or ``None`` when the CLI reported none or it could not
    be told apart from earlier turns. ``turn`` counts the prompts the model received in this
    conversation; a try that never reached it (not logged in, refused, interrupted while
    connecting) is recorded with ``turn=None``. ``reported_total_usd`` and
    ``reported_tokens`` are the CLI process's running totals after the turn, kept so that a
    later process that restores them can be measured from the right point (see
    :class:`CostMeter`).
    """

    session: str
    session_id: str
    turn: int | None  # None: a try that never reached the model (not a turn of the conversation)
    prompt: str
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    response: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    permissions: list[dict[str, str]] = field(default_factory=list)
    cost_usd: float | None = None
    reported_total_usd: float | None = None
    reported_tokens: int | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    duration_ms: int = 0
    model: str | None = None
    is_error: bool = False
    interrupted: bool = False
    error: str | None = None
    error_kind: str | None = None  # see ccmagic.sdk.failures.ErrorKind
    error_status: int | None = None
    cell_id: str | None = None
    attached: list[str] = field(default_factory=list)  # kernel objects sent with the prompt
    batch: str | None = None  # the batch this turn answered an item of (ccmagic.batch)
    item: Any = None  # that item's key
    prompt_uuid: str | None = None  # the prompt's transcript entry (a branch forks before it)
    after: str | None = None  # the prompt_uuid of the turn it followed: its parent turn
    asked_with: dict[str, Any] = field(default_factory=dict)  # options that change answers
    layout: list[list[Any]] = field(default_factory=list)  # text and tool pieces, in order
    redacted: dict[str, Any] = field(default_factory=dict)  # secrets taken out: count, kinds
    saw: list[dict[str, Any]] = field(default_factory=list)  # fingerprints (core.fingerprints)

    @property
    def outcome(self) -> Outcome:
        """How it ended; a try that never reached the model is ``not sent``."""
        if self.turn is None and (self.is_error or self.interrupted):
            return Outcome.NOT_SENT
        if self.interrupted:
            return Outcome.INTERRUPTED
        return Outcome.ERROR if self.is_error else Outcome.OK

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["tool_calls"] = [ToolCall(**t) for t in values.get("tool_calls") or []]
        return cls(**values)

    @property
    def text(self) -> str:
        """The answer (``response``), under the name the SDK's results use."""
        return self.response

    @property
    def usage(self) -> dict[str, int]:
        """This turn's own token counts."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_tokens,
            "cache_creation_input_tokens": self.cache_creation_tokens,
        }

    @property
    def tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_creation_tokens
        )


@dataclass(frozen=True)
class CostSoFar:
    """What a conversation has cost: the sum of the known turn costs, and how many turns'
    costs are unknown (never counted as zero)."""

    known_usd: float = 0.0
    unknown_turns: int = 0
    turns: int = 0

    @classmethod
    def of(cls, records: list[TurnRecord]) -> CostSoFar:
        numbered = [r for r in records if r.turn is not None]
        known = [r.cost_usd for r in numbered if r.cost_usd is not None]
        return cls(round(sum(known), COST_DIGITS), len(numbered) - len(known), len(numbered))

    def __add__(self, other: CostSoFar) -> CostSoFar:
        return CostSoFar(
            round(self.known_usd + other.known_usd, COST_DIGITS),
            self.unknown_turns + other.unknown_turns,
            self.turns + other.turns,
        )

    @property
    def text(self) -> str:
        """``$0.012``, ``≥ $0.012 + 2 turns of unknown cost`` or ``cost unknown``."""
        return format_total(self.known_usd, self.unknown_turns, self.turns)


@dataclass(frozen=True)
class Standing:
    """Where a turn stands, as its cell's footer says: its label (``analysis ⎇2 #3``) and,
    when totals are shown, what was *spent* under its name (every turn asked under it, on
    every line) and what its *line* holds (the turns Claude remembers there)."""

    label: str
    spent: CostSoFar | None = None
    line: CostSoFar | None = None

    @property
    def totals(self) -> str | None:
        """``so far: $0.0056`` and, when its line holds other turns, ``(this line: $0.0032)``."""
        if self.spent is None:
            return None
        text = f"so far: {self.spent.text}"
        if self.line is not None and self.line != self.spent:
            text += f" (this line: {self.line.text})"
        return text


def is_missing(value: Any) -> bool:
    """``None``, NaN, ``pandas.NA`` or ``NaT`` (a view may be handed any of them)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: its comparisons are NA, whose truth is ambiguous
        return True


def format_cost(cost: float | None) -> str:
    """One amount: ``$0.0008``, or ``cost unknown`` (never ``$0`` for what is not known)."""
    return "cost unknown" if is_missing(cost) else f"${float(cost):.4g}"  # type: ignore[arg-type]


def format_total(known_usd: float, unknown_turns: int, turns: int) -> str:
    """A sum over turns of which ``unknown_turns`` have no known cost."""
    if not unknown_turns:
        return format_cost(known_usd)
    if unknown_turns >= turns:
        return "cost unknown"
    plural = "s" if unknown_turns != 1 else ""
    return f"≥ {format_cost(known_usd)} + {unknown_turns} turn{plural} of unknown cost"


def format_duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def usage_tokens(usage: dict[str, Any] | None) -> int:
    """All tokens of a turn's ``usage`` (input, output and both cache kinds)."""
    usage = usage or {}
    return sum(
        int(usage.get(key) or 0)
        for key in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        )
    )


def model_usage_tokens(model_usage: dict[str, Any] | None) -> int:
    """All tokens the CLI process has counted so far, over every model."""
    total = 0
    for counts in (model_usage or {}).values():
        total += sum(
            int(counts.get(key) or 0)
            for key in (
                "inputTokens",
                "outputTokens",
                "cacheReadInputTokens",
                "cacheCreationInputTokens",
            )
        )
    return total


def known_totals(turns: list[TurnRecord]) -> dict[int, float]:
    """Running totals the CLI reported after these turns, keyed by its running token count."""
    return {
        t.reported_tokens: t.reported_total_usd
        for t in turns
        if t.reported_tokens is not None and t.reported_total_usd is not None
    }


@dataclass
class CostMeter:
    """Turns the CLI's running ``total_cost_usd`` into each turn's own cost.

    The total is cumulative per CLI process. A new process starts from zero, or, on a resume or
    fork, from whatever total its transcript last recorded -- which can lag the newest turn.
    ``model_usage`` counts tokens cumulatively the same way, so on a process's first turn its
    count less the turn's own ``usage`` is the restored token count. That count names the
    earlier turn whose totals were restored (``known``: running tokens -> running total), and
    its total is the baseline. A restored state that matches no known turn makes the cost
    unknown rather than guessed.
    """

    known: dict[int, float] = field(default_factory=dict)
    _baseline: float | None = None

    def turn_cost(
        self,
        total: float | None,
        usage: dict[str, Any] | None,
        model_usage: dict[str, Any] | None,
    ) -> float | None:
        if total is None:
            return None
        baseline = self._baseline
        if baseline is None:
            restored = model_usage_tokens(model_usage) - usage_tokens(usage) if model_usage else 0
            baseline = 0.0 if restored <= 0 else self.known.get(restored)
        self._baseline = total
        if baseline is None or total < baseline:
            return None
        return round(total - baseline, COST_DIGITS)
