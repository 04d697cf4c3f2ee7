"""The channel-agnostic conversation core: store and router (imports no channel)."""
