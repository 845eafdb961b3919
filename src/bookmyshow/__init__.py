"""bookmyshow: a hexagonal movie-ticketing core.

Importing this package imports no database driver and no web framework; adapters are imported
only when you ask for them.
"""

from bookmyshow.domain.errors import BookMyShowError, DomainError, InvalidInput, PermissionDenied

__all__ = ["BookMyShowError", "DomainError", "InvalidInput", "PermissionDenied", "__version__"]

__version__ = "0.1.0"
