"""The one place that speaks to claude_agent_sdk: options, messages, failures, permissions."""
