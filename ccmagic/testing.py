"""For tests of code that uses ccmagic: the scripted fake of the Anthropic Messages API.

with FakeAnthropicAPI() as api:            # the offline demo model answers by default
    os.environ.update(api.env())           # point Claude Code at it
    api.script(Reply("an answer"), http_error(529))
    ...
    api.requests[-1].texts                 # what the model was sent
"""

from __future__ import annotations

from ccmagic.demo.fake_api import FakeAnthropicAPI, RecordedRequest, Reply, Responder, http_error

__all__ = ["FakeAnthropicAPI", "RecordedRequest", "Reply", "Responder", "http_error"]
