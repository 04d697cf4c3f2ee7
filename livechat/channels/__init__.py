"""Channel adapters: turn outside formats into Messages of Conversations and back."""
