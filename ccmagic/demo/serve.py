"""The offline demo model: ccmagic's scripted fake API, served inside the kernel.

``%claude demo`` starts it on loopback and points every Claude Code process this kernel starts
afterwards at it (through the environment the CLI inherits), so the real SDK and CLI run with
no network and no key. Every answer says it comes from the demo model. The server and what it
changed in the environment are kept in :mod:`ccmagic._state`: ``%unload_ext ccmagic`` stops
it and puts the environment back.

Those processes also get a Claude Code configuration folder of their own
(``CLAUDE_CONFIG_DIR``, which the bundled CLI honours: with it set, nothing is written under
``~/.claude``) and a cache folder inside it (``XDG_CACHE_HOME``: the CLI keeps per-project MCP
logs in ``~/.cache/claude-cli-nodejs`` otherwise), removed when the process exits: a demo
leaves no project folders, transcripts or logs in the user's HOME. Its conversations live on
in the notebook's sidecar.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

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
    config = demo_config_dir()
    set_environ(server.env() | {"ANTHROPIC_API_KEY": "demo-offline-no-key",
                                "CLAUDE_CONFIG_DIR": config,
                                "XDG_CACHE_HOME": os.path.join(config, "cache")})  # fmt: skip
    return server.url


def demo_config_dir() -> str:
    """The demo's own Claude Code configuration folder (made once; removed at exit)."""
    with STATE.lock:
        if STATE.demo_config is None:
            STATE.demo_config = tempfile.mkdtemp(prefix="ccmagic-demo-config-")
            atexit.register(shutil.rmtree, STATE.demo_config, ignore_errors=True)
        return STATE.demo_config


def demo_running() -> bool:
    server = STATE.demo
    return server is not None and os.environ.get("ANTHROPIC_BASE_URL") == server.url
