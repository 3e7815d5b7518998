"""Asking the person at the notebook whether Claude may run a tool, and waiting for the answer.

The question goes through Jupyter's stdin channel (``input``), the protocol's own way for a
running cell to ask its user: JupyterLab, Notebook and VS Code show a text box in the cell,
terminal IPython a prompt. A frontend that cannot answer (nbclient, papermill, nbval: no
``allow_stdin``) is known before anything is shown, so a headless run never waits.
Kernel -> Interrupt while asked raises KeyboardInterrupt here, which the session turns into
"deny and stop the turn".

Not buttons: a busy cell sees a widget's click only if something pumps the kernel's shell
messages meanwhile; jupyter-ui-poll does that through ``Kernel.do_one_iteration``, which
ipykernel 7.4 no longer has, so the click would never arrive and the turn would wait forever.
"""

from __future__ import annotations

import sys
from typing import Any

from ccmagic.core.modes import Decision
from ccmagic.core.permissions import ApprovalRequest

PROMPT = "Allow it? y = once · a = for this session · n = deny: "
ONCE, SESSION, DENY = Decision.ONCE, Decision.SESSION, Decision.DENY
ANSWERS: dict[str, Decision] = {
    "y": ONCE, "yes": ONCE, "once": ONCE,
    "a": SESSION, "always": SESSION, "session": SESSION,
    "n": DENY, "no": DENY, "deny": DENY, "": DENY,
}  # fmt: skip


def can_ask(shell: Any) -> bool:
    """Whether a person can answer: the kernel's frontend allows stdin, or a terminal is there."""
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        return frontend_allows_stdin(kernel)
    return sys.stdin is not None and sys.stdin.isatty()


def frontend_allows_stdin(kernel: Any) -> bool:
    """Whether the frontend that sent the running cell takes ``input()``: the
    ``allow_stdin`` of its execute_request, read through ipykernel's public ``get_parent``
    (a missing flag means no, as ipykernel itself reads it)."""
    parent = kernel.get_parent("shell") or {}
    return bool(parent.get("content", {}).get("allow_stdin", False))


def question(request: ApprovalRequest) -> dict[str, str]:
    """What Claude wants to run, as a display bundle (Markdown, and plain for terminals);
    secrets in it are redacted, as the notebook saves it."""
    from ccmagic.sidecar.redaction import shown

    line, detail = shown(request.call.line, "approval"), shown(request.detail, "approval")
    fence = "~~~~" if "```" in detail else "```"
    return {
        "text/markdown": f"**Claude wants to use** `` {line} ``\n\n{fence}\n{detail}\n{fence}",
        "text/plain": f"Claude wants to use {line}:\n{detail}",
    }


def ask_person(request: ApprovalRequest) -> Decision | None:
    """Show the request and wait for an answer; ``None`` when nobody can answer after all."""
    from IPython.core.error import StdinNotImplementedError
    from IPython.display import display

    display(question(request), raw=True)
    while True:
        try:
            answer = input(PROMPT)
        except (StdinNotImplementedError, EOFError):
            return None
        decision = ANSWERS.get(answer.strip().lower())
        if decision is not None:
            return decision
