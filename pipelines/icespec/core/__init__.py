"""Backend-neutral concepts every backend shares: changes and plans (`changes`)."""
