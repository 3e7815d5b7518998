"""The one place that imports claude_agent_sdk (an import-linter contract checks it).

options (SessionOptions -> ClaudeAgentOptions), client (the Claude Code process), reader (a
turn's messages), failures (the SDK's errors, mapped by type), gate (can_use_tool), mcp
(in-process tool servers), store (a transcript into a SessionStore).
"""
