"""What a turn reports while it runs, for a view to show as it happens."""

from __future__ import annotations

from dataclasses import dataclass

from ccmagic.core.turns import ToolCall


@dataclass(frozen=True)
class TextDelta:
    """More of the answer's text."""

    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    """More of the model's thinking (shown only when asked for)."""

    text: str


@dataclass(frozen=True)
class ToolStarted:
    call: ToolCall


@dataclass(frozen=True)
class ToolFinished:
    call: ToolCall


@dataclass(frozen=True)
class Retrying:
    """The CLI is retrying a failed API call (it reports each attempt)."""

    attempt: int
    max_retries: int
    delay_ms: int
    status: int | None

    @property
    def text(self) -> str:
        what = f"API error {self.status}" if self.status else "API unreachable"
        return f"{what}, retry {self.attempt}/{self.max_retries} in {self.delay_ms / 1000:.0f} s"


@dataclass(frozen=True)
class Notice:
    """A one-line remark about the session itself (reconnected, continuing, ...)."""

    text: str


@dataclass(frozen=True)
class Decided:
    """A tool was allowed or denied: ``entry`` is how the turn records it."""

    entry: dict[str, str]


@dataclass(frozen=True)
class Aside:
    """Something other than the answer is about to be shown in the cell (an approval
    question, output of code Claude runs): the answer continues below it."""


TurnEvent = (
    TextDelta | ThinkingDelta | ToolStarted | ToolFinished | Retrying | Notice | Decided | Aside
)
