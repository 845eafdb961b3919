"""Thin route handlers: parse the request, call one use case, shape the answer.

Each module exports ``ROUTES``; :func:`bookmyshow.app.create_app` mounts them all.
"""

__all__: list[str] = []
