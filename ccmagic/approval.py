"""The approval widget: Claude wants to run a tool, the user clicks, the turn goes on.

The cell is still executing while it waits, so the kernel would not see the click;
``jupyter-ui-poll`` lets it handle widget messages meanwhile. Kernel -> Interrupt while waiting
raises KeyboardInterrupt here, which the session turns into "deny and stop the turn".
"""

from __future__ import annotations

import html
import time

from ccmagic.permissions import ApprovalRequest, Decision

CHOICES: tuple[tuple[str, Decision, str], ...] = (
    ("Allow once", "once", "success"),
    ("Allow for this session", "session", "info"),
    ("Deny", "deny", "danger"),
)
VERBS = {"once": "Allowed once", "session": "Allowed for this session", "deny": "Denied"}


def ask_in_notebook(request: ApprovalRequest) -> Decision:
    """Show the request with three buttons and wait (processing widget events) for a click."""
    import ipywidgets as w
    from IPython.display import display
    from jupyter_ui_poll import ui_events

    chosen: list[Decision] = []
    buttons = []
    for label, decision, style in CHOICES:
        button = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
        button.on_click(lambda _, d=decision: chosen.append(d))
        buttons.append(button)
    line = html.escape(request.call.line)
    box = w.VBox([
        w.HTML(f"<b>Claude wants to use</b> <code>{line}</code>"),
        w.HTML(f"<pre style='max-height:14em;overflow:auto'>{html.escape(request.detail)}</pre>"),
        w.HBox(buttons),
    ])  # fmt: skip
    display(box)
    with ui_events() as poll:
        while not chosen:
            poll(20)
            time.sleep(0.05)
    box.children = [w.HTML(f"{VERBS[chosen[0]]}: <code>{line}</code>")]
    return chosen[0]
