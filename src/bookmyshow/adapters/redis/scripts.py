"""Lua scripts called by SHA, reloaded when a server's script cache lost them.

A :class:`LuaScript` knows its source and SHA-1.  :meth:`LuaScript.run` sends ``EVALSHA``; when the
server answers ``NOSCRIPT`` (a restart, a failover to a replica that never saw the script, or
``SCRIPT FLUSH``) it sends ``EVAL`` with the source once, which runs the script and caches it
again.  Resending is safe only because ``NOSCRIPT`` means the script did not run; no other error
is retried.  On a cluster both commands are routed by the first key, and every script of this
package touches the keys of one hash slot only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from redis.exceptions import NoScriptError

from bookmyshow.adapters.redis.connection import RedisClient, ready
from bookmyshow.adapters.redis.errors import translated

__all__ = ["LuaScript"]


class LuaScript:
    """One Lua script: its ``source`` and the ``sha`` that ``EVALSHA`` calls it by."""

    def __init__(self, name: str, source: str) -> None:
        """``name`` appears in error reasons; ``source`` is the Lua text."""
        self.name = name
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def run(
        self, client: RedisClient, keys: Sequence[str], args: Sequence[str | int | bytes]
    ) -> Any:
        """Run the script on ``keys`` with ``args`` and return the server's reply.

        Raises :class:`~bookmyshow.ports.errors.BackendUnavailable` for any failure (a script
        error included: the scripts never fail on the caller's input).
        """
        with translated(f"script {self.name}"):
            await ready(client)
            try:
                return await client.evalsha(self.sha, len(keys), *keys, *args)
            except NoScriptError:
                return await client.eval(self.source, len(keys), *keys, *args)
