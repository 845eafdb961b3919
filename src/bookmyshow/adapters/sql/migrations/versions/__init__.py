"""Migration revisions, oldest first."""

__all__: list[str] = []
