"""The offline demo model: ccmagic's scripted fake API, served inside the kernel.

``%claude demo`` starts it on loopback and points every Claude Code process this kernel starts
afterwards at it (through the environment the CLI inherits), so the real SDK and CLI run with
no network and no key. Every answer says it comes from the demo model. The server and what it
changed in the environment are kept in :mod:`ccmagic._state`: ``%unload_ext ccmagic`` stops
it and puts the environment back.
"""

from __future__ import annotations

import os

from ccmagic._state import STATE, set_environ
from ccmagic.demo.fake_api import FakeAnthropicAPI
from ccmagic.sidecar.transcripts import claude_config_dir

CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN")


def has_credentials() -> bool:
    """Whether Claude Code would find a key or a login of this user."""
    if any(os.environ.get(name) for name in CREDENTIAL_VARIABLES):
        return True
    return (claude_config_dir() / ".credentials.json").exists()


def start_demo() -> str:
    """Serve the demo model (once per process) and point new CLI processes at it."""
    with STATE.lock:
        if STATE.demo is None:
            STATE.demo = FakeAnthropicAPI().start()
        server = STATE.demo
    set_environ(server.env() | {"ANTHROPIC_API_KEY": "demo-offline-no-key"})
    return server.url


def demo_running() -> bool:
    server = STATE.demo
    return server is not None and os.environ.get("ANTHROPIC_BASE_URL") == server.url
