"""Readiness: does every backend the app was wired with answer?

The library's builder (:func:`bookmyshow.bootstrap.from_settings`) leaves one probe per backend in
:attr:`Ticketing.probes <bookmyshow.bootstrap.Ticketing.probes>`.  :func:`check_backends` runs
them all at once, each bounded by a timeout, and reports ``"ok"`` or ``"down"`` per backend; why
one is down goes to the log, not to the (unauthenticated) caller.  A system wired by hand with
:func:`~bookmyshow.bootstrap.bootstrap` has no probes and is reported ready with no backends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import ClassVar, Final

from attrs import define, field

from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.ports.errors import BackendUnavailable

__all__ = ["DOWN", "OK", "PROBE_TIMEOUT_S", "NotReady", "check_backends", "require_ready"]

OK: Final = "ok"
DOWN: Final = "down"

PROBE_TIMEOUT_S: Final = 3.0
"""How long one backend may take to answer before it counts as down."""

_log = logging.getLogger("bookmyshow.app.readiness")


def _names(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(values)


@define(auto_exc=True, kw_only=True)
class NotReady(BackendUnavailable):
    """Some backends do not answer: ``down`` names them, ``backends`` has every one's state."""

    code: ClassVar[str] = "not_ready"
    backends: dict[str, str]
    down: tuple[str, ...] = field(converter=_names)


async def _probe(name: str, probe: Callable[[], Awaitable[object]], limit_s: float) -> str:
    try:
        async with asyncio.timeout(limit_s):
            await probe()
    except TimeoutError:
        _log.warning("backend %s did not answer its probe within %ss", name, limit_s)
        return DOWN
    except BookMyShowError as exc:
        _log.warning("backend %s is down: %s", name, exc)
        return DOWN
    return OK


async def check_backends(
    ticketing: Ticketing, *, probe_timeout_s: float = PROBE_TIMEOUT_S
) -> Mapping[str, str]:
    """Run every probe of ``ticketing`` concurrently: each backend's name and ``"ok"`` or
    ``"down"`` (no answer within ``probe_timeout_s`` seconds, or a ``BackendUnavailable``).

    Raises :class:`InvalidInput` for a ``probe_timeout_s`` that is not a positive number; a probe
    that fails with anything but a library error is a bug and raises.
    """
    limit_s = probe_timeout_s
    if isinstance(limit_s, bool) or not isinstance(limit_s, int | float) or not limit_s > 0:
        raise InvalidInput(field="probe_timeout_s", reason="a positive number of seconds")
    names = [name for name, _ in ticketing.probes]
    states = await asyncio.gather(
        *(_probe(name, probe, float(limit_s)) for name, probe in ticketing.probes)
    )
    return dict(zip(names, states, strict=True))


async def require_ready(
    ticketing: Ticketing, *, probe_timeout_s: float = PROBE_TIMEOUT_S
) -> Mapping[str, str]:
    """:func:`check_backends`, raising :class:`NotReady` (503 ``not_ready``) naming the
    backends that are down, if any."""
    backends = await check_backends(ticketing, probe_timeout_s=probe_timeout_s)
    down = [name for name, state in backends.items() if state != OK]
    if down:
        raise NotReady(
            backend=", ".join(down),
            reason="no answer to the readiness probe",
            backends=dict(backends),
            down=down,
        )
    return backends
