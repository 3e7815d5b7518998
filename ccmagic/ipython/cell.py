"""What a ``%%claude`` cell does: its options from the line and the settings, then replay,
refuse or ask (on a branch, or at the end of the line), and what the cell shows.

Apart from :class:`~ccmagic.ipython.magics.ClaudeMagics`, which holds the settings and the
hooks: this is the flow of one cell, reading those settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ccmagic.core.modes import ApprovalMode, ReplayMode
from ccmagic.core.options import SessionOptions, split_tools
from ccmagic.core.turns import CostSoFar, Standing, TurnRecord

if TYPE_CHECKING:
    from ccmagic.ipython.magics import ClaudeMagics
    from ccmagic.notebook.replay import Refuse, Replay


class CellFlow:
    """One ``%%claude`` cell of ``magics``."""

    def __init__(self, magics: ClaudeMagics) -> None:
        self.m = magics

    def options(self, args: Any) -> SessionOptions:
        max_turns = args.max_turns if args.max_turns is not None else self.m.max_turns
        budget = args.max_budget_usd if args.max_budget_usd is not None else self.m.max_budget_usd
        if max_turns is not None and max_turns < 1:
            raise UsageError("--max-turns must be at least 1.")
        if budget is not None and budget <= 0:
            raise UsageError("--max-budget-usd must be more than 0.")
        return SessionOptions(
            model=args.model or self.m.model,
            system=args.system or self.m.system_prompt,
            max_turns=max_turns,
            max_budget_usd=budget,
            cwd=args.cwd or self.m.cwd,
            add_dirs=tuple(args.add_dir or self.m.add_dirs),
            allowed_tools=split_tools(args.allow or self.m.allowed_tools),
            disallowed_tools=split_tools(args.disallow or self.m.disallowed_tools),
            permission_mode=args.permission_mode or self.m.permission_mode,
            cli_path=self.m.cli_path,
            kernel_tools=self.m.kernel_tools and not args.no_kernel and self.m.shell is not None,
            read_only_bash=self.m.read_only_bash,
        )

    def ask(self, args: Any, prompt: str) -> None:
        __tracebackhide__ = True
        from ccmagic.ipython.witness import data_check
        from ccmagic.notebook.location import output_metadata
        from ccmagic.notebook.replay import Branch, Cell, Refuse, Replay
        from ccmagic.sdk.failures import failure_of
        from ccmagic.sidecar.redaction import environment_changed

        environment_changed()  # what the cells before this one set is redacted

        name = args.session or self.m.default_session
        tags = split_tools(args.tag)
        options = self.options(args)
        attached = split_tools(args.attach)
        anyway = args.replay_anyway or self.m.replay_anyway
        cell = Cell(prompt, options.answer_changing(), list(attached), self.m._cell_id,
                    args.fresh, self.m._cell_source, anyway=anyway)  # fmt: skip
        witness = self.m.registry.toolbox.witness if self.m.registry.toolbox else None
        check = data_check(witness, options.cwd)
        step = self.m.registry.lines.plan(name, cell, ReplayMode(self.m.replay), check)
        notes = self.m.registry.take_notes()
        if isinstance(step, Replay):
            self.replay(name, step, args.thinking, notes)
            return
        if isinstance(step, Refuse):
            self.refuse(name, prompt, step)
        if isinstance(step, Branch) and step.because:
            notes.insert(0, f"{step.because}; asking again")
        attachments, images = self._attachments(attached)
        branch_at = step.index if isinstance(step, Branch) else None
        session, notices = self.m.registry.get(name, options, tags, branch_at=branch_at)
        notices = notes + notices
        notices += [f"↳ {name}: {text.splitlines()[0]}" for name, text in attachments.items()]
        if options.permission_mode == "bypassPermissions":
            notices.append("⚠ bypassPermissions: Claude may use every tool without asking.")
        view = self._view(name, session.session_id, notices, args.thinking)
        record = session.query(
            prompt,
            view.handle,
            cell_id=self.m._cell_id,
            approve=self._approver(),
            attachments=attachments,
            saw=witness.attached(attachments) if witness else None,
            images=images,
        )
        self.m.registry.lines.asked(name, record)
        line = session.cost
        standing = self._standing(record, line, unrecorded=session.prior)
        warnings = self.m.registry.refresh()
        if record.redacted:
            from ccmagic.sidecar.redaction import notice

            warnings.append(notice(record.redacted))
        metadata = output_metadata(record, line, session.fork_from, standing.label)
        view.finish(record, standing, warnings, metadata)
        if session.last_interrupted:
            raise KeyboardInterrupt("Claude's answer was interrupted; the partial answer is kept.")
        failure = failure_of(record, self.m.cli_path)
        if failure is not None:
            raise failure

    def replay(self, name: str, step: Replay, thinking: bool, notes: list[str]) -> None:
        """Show the recorded turn ``step.index`` of ``name``'s line again: nothing is asked."""
        from ccmagic.notebook.location import output_metadata

        line, index = self.m.registry.lines.cursor(name).line, step.index
        record = line[index]
        so_far = CostSoFar.of(line[: index + 1])
        standing = self._standing(record, so_far, replayed=True)
        parent = line[index - 1].session_id if index else None
        parent = parent if parent != record.session_id else None
        metadata = output_metadata(record, so_far, parent, standing.label)
        view = self._view(name, record.session_id, notes, thinking)
        verdict = step.verdict
        metadata |= {"replayed": True} | (verdict.as_metadata() if verdict else {})
        view.replay(record, standing, metadata, verdict)

    def _standing(self, record: TurnRecord, line: CostSoFar, **how: Any) -> Standing:
        """The footer's label, and the totals when ``show_total`` (the fold's, as every view)."""
        standing = self.m.registry.journal.tree().standing(record, line, **how)
        return standing if self.m.show_total else Standing(standing.label)

    def refuse(self, name: str, prompt: str, step: Refuse) -> None:
        from ccmagic.errors import NotRecorded

        first = prompt.splitlines()[0]
        cell = f"cell {self.m._cell_id}" if self.m._cell_id else f"cell [{self._count()}]"
        raise NotRecorded(
            f'{cell} ("{first[:60]}") of session {name}: {step.reason}, and replay is "only", '
            "so Claude is not asked.",
            step.hint,
        )

    def _count(self) -> int:
        return int(getattr(self.m.shell, "execution_count", 0) or 0)

    def _attachments(self, names: tuple[str, ...]) -> tuple[dict[str, str], list[Any]]:
        """``--with``: each named kernel object described, and the pictures of figures and
        images among them (prompt image blocks), before anything is sent; credential values
        in a description redacted (as the notebook tools do), before its line is cut from it."""
        from ccmagic.ipython.inspection import InspectionError
        from ccmagic.ipython.kernel_tools import look_up
        from ccmagic.sidecar.redaction import shown

        namespace = self.m.shell.user_ns if self.m.shell is not None else {}
        hidden = set(getattr(self.m.shell, "user_ns_hidden", {}))
        described, images = {}, []
        for name in names:
            try:
                seen = look_up(name, namespace, hidden, self.m.sample_rows)
            except InspectionError as problem:
                raise UsageError(f"--with {name}: {problem}") from None
            described[name] = shown(seen.text, "--with")
            images += [picture.prompt_block() for picture in seen.pictures]
        return described, images

    def _approver(self) -> Any:
        """Ask the person when one can answer (see ``approvals``); ``None`` denies at once."""
        from ccmagic.ipython.approval import ask_person, can_ask

        mode = ApprovalMode(self.m.approvals)
        if mode is ApprovalMode.ASK or (mode is ApprovalMode.AUTO and can_ask(self.m.shell)):
            return ask_person
        return None

    def _view(self, name: str, session_id: str, notices: list[str], thinking: bool) -> Any:
        from ccmagic.ipython.render import NotebookTurnView, TerminalTurnView

        show_thinking = thinking or self.m.show_thinking
        if getattr(self.m.shell, "kernel", None) is None:
            return TerminalTurnView(notices, show_thinking=show_thinking)
        metadata = {"ccmagic": {"session": name, "session_id": session_id}}
        return NotebookTurnView(
            metadata,
            notices,
            stream=self.m.stream,
            interval=self.m.update_interval,
            show_thinking=show_thinking,
        )
