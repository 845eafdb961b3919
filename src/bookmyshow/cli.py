"""The ``bookmyshow`` command line: schema migrations, the outbox relay, search rebuilds and the
reference web app.

.. code-block:: text

    bookmyshow db upgrade   [--url URL] [--revision head]
    bookmyshow db downgrade --revision R [--url URL]
    bookmyshow db current   [--url URL]
    bookmyshow outbox relay [--url URL] [--once] [--interval 1.0] [--batch-size 100]
                            [--publisher module:attribute]
    bookmyshow search reindex [--url URL] [--es-url URL] [--alias A] [--batch-size 500]
    bookmyshow serve [--host 127.0.0.1] [--port 8000] [--workers 1] [--demo]

``--url`` defaults to the ``BOOKMYSHOW_DATABASE_URL`` environment variable (SQLAlchemy style:
``mysql+asyncmy://user:pass@host/db`` or ``sqlite+aiosqlite:///path/to/file.db``).

``db current`` prints the revision the database is at (``base`` before the first upgrade);
``db upgrade`` and ``db downgrade`` print the revision they left it at.

``outbox relay`` publishes the events of the transactional outbox (see
:mod:`bookmyshow.adapters.sql.outbox`).  By default it writes each event to standard output as
one JSON line — ``{"name": …, "occurred_at": …, "payload": {…}}`` — (:class:`JsonLinesPublisher`);
``--publisher module:attribute`` names an :class:`~bookmyshow.ports.events.EventPublisher`
instead, or a class or factory that builds one without arguments.  With ``--once`` it publishes
what is pending, batch after batch, and exits; otherwise it keeps relaying every ``--interval``
seconds until SIGINT or SIGTERM, finishing the batch in progress.  Logs go to standard error.

``serve`` runs the reference app (:mod:`bookmyshow.app`, extra ``app``) with uvicorn, configured
from the environment (:meth:`bookmyshow.app.AppConfig.from_env`); it stops gracefully on SIGINT
or SIGTERM.  Outside demo mode it needs ``BOOKMYSHOW_JWT_SECRET`` and refuses to start without
it.  ``--demo`` seeds the showcase (:func:`bookmyshow.demo.seed_showcase`) at start, prints the
URL and the demo accounts, and runs one worker: the demo lives in memory unless
``BOOKMYSHOW_DATABASE_URL`` names a database, which is then migrated to the head first.  With
``--workers N`` each worker process builds its own app from the environment; several workers
need ``BOOKMYSHOW_DATABASE_URL`` (in memory each would keep its own data; exit 2 without it),
and without ``BOOKMYSHOW_REDIS_URL`` serve warns that live seat updates, rate limits and the
in-memory search index are per process.  Each request is logged as one JSON line on standard
output (logger ``bookmyshow.app.access``); uvicorn's and the app's other messages go to
standard error.  A worker that fails to start (a backend down at startup, say) stops serve
with status 3, uvicorn's startup-failure status, as a failed start of a single worker does.

``search reindex`` rebuilds the Elasticsearch index from the database without downtime: every
stored movie is loaded into a new versioned index, which then takes the alias in one atomic
swap (see :meth:`bookmyshow.adapters.elasticsearch.ElasticsearchMovieSearch.rebuild`).  It
prints the running count on standard error and the number indexed on standard output.
``--es-url`` defaults to ``BOOKMYSHOW_ES_URL``.

Exit status: 0 on success, 1 when the database or the publisher fails, 2 for bad usage or input
(a missing URL, an unknown revision, a publisher that cannot be loaded), 3 when ``serve`` cannot
start (the port is taken, the app fails to start), 130 when interrupted during a one-off
command.  Errors are one line on standard error, never a traceback.

The SQL modules are imported only by the commands that need them, so ``bookmyshow --help``
works without the ``sql`` extra and a missing extra is reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import importlib
import json
import logging
import math
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, TextIO

from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.events import EventPublisher

if TYPE_CHECKING:
    from bookmyshow.adapters.sql.database import SqlDatabase

__all__ = ["DATABASE_URL_ENV", "ES_URL_ENV", "JsonLinesPublisher", "main"]

DATABASE_URL_ENV: Final = "BOOKMYSHOW_DATABASE_URL"
"""The environment variable ``--url`` defaults to."""
ES_URL_ENV: Final = "BOOKMYSHOW_ES_URL"
"""The environment variable ``--es-url`` defaults to."""
_REDIS_URL_ENV: Final = "BOOKMYSHOW_REDIS_URL"

_PROG: Final = "bookmyshow"
_SQL_MODULES: Final = frozenset({"sqlalchemy", "alembic", "cattrs", "aiosqlite", "asyncmy"})
_SQL_BACKENDS: Final = frozenset({"sql", "mysql", "mariadb", "sqlite"})
_SEARCH_MODULES: Final = frozenset({"elasticsearch", "elastic_transport", "aiohttp"})
_APP_MODULES: Final = frozenset(
    {"litestar", "uvicorn", "msgspec", "segno", "prometheus_client", "multipart"}
)
_MAX_PORT: Final = 65535
_MAX_WORKERS: Final = 256
_APP_FACTORY: Final = "bookmyshow.app.factory:create_app"
"""What each worker imports and calls when there are several (``create_app()`` reads the
environment)."""
_USAGE: Final = 2
_FAILED: Final = 1
_INTERRUPTED: Final = 130


class _UsageError(Exception):
    """Bad input from the command line: reported in one line, exit status 2."""


class JsonLinesPublisher:
    """An :class:`~bookmyshow.ports.events.EventPublisher` writing one JSON object per event
    and line to ``stream`` (default: standard output), flushed after each batch:
    ``{"name": "booking.confirmed", "occurred_at": "2030-01-01T09:00:00+00:00", "payload": …}``.

    The payload is the SQL codec's encoding (the outbox's own).  Raises ``InvalidInput`` for a
    non-event (writing nothing) and ``BackendUnavailable`` when the stream cannot be written
    (a closed pipe), so that the relay retries rather than giving the event up.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Write ``events`` in order, one line each."""
        from bookmyshow.adapters.sql.codec import encode_event  # noqa: PLC0415 - sql extra

        lines = []
        for index, event in enumerate(events):
            if not isinstance(event, DomainEvent):
                raise InvalidInput(field=f"events[{index}]", reason="not a DomainEvent")
            name, payload = encode_event(event)
            record = {"name": name, "occurred_at": payload["occurred_at"], "payload": payload}
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        stream = sys.stdout if self._stream is None else self._stream
        try:
            stream.writelines(lines)
            stream.flush()
        except OSError as exc:
            raise BackendUnavailable(backend="stream", reason=str(exc)) from exc


# -- argument parsing -------------------------------------------------------------------------


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    return value


def _batch_size(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1 or len(text) > 6:
        raise argparse.ArgumentTypeError(f"not a batch size from 1 to 999999: {text!r}")
    return int(text)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= _MAX_PORT:
        raise argparse.ArgumentTypeError(f"not a port from 1 to {_MAX_PORT}: {text!r}")
    return int(text)


def _workers(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= _MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"not a worker count from 1 to {_MAX_WORKERS}: {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="bookmyshow: database migrations, the outbox relay, search rebuilds and the "
        "web app.",
    )
    commands = parser.add_subparsers(
        dest="group", required=True, metavar="{db,outbox,search,serve}"
    )
    url_help = f"database URL (default: ${DATABASE_URL_ENV})"

    db = commands.add_parser("db", help="migrate the database schema")
    db_commands = db.add_subparsers(
        dest="command", required=True, metavar="{upgrade,downgrade,current}"
    )
    upgrade = db_commands.add_parser("upgrade", help="migrate up to a revision")
    upgrade.add_argument("--url", help=url_help)
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    downgrade = db_commands.add_parser("downgrade", help="migrate down to a revision")
    downgrade.add_argument("--url", help=url_help)
    downgrade.add_argument(
        "--revision", required=True, help='target revision ("base" empties the schema)'
    )
    current = db_commands.add_parser("current", help="print the database's revision")
    current.add_argument("--url", help=url_help)

    box = commands.add_parser("outbox", help="relay the transactional outbox")
    box_commands = box.add_subparsers(dest="command", required=True, metavar="{relay}")
    relay = box_commands.add_parser("relay", help="publish the outbox's pending events")
    relay.add_argument("--url", help=url_help)
    relay.add_argument("--once", action="store_true", help="publish what is pending, then exit")
    relay.add_argument(
        "--interval",
        type=_interval,
        default=1.0,
        help="seconds between rounds when idle (default: 1.0)",
    )
    relay.add_argument(
        "--batch-size", type=_batch_size, default=100, help="events per batch (default: 100)"
    )
    relay.add_argument(
        "--publisher",
        metavar="MODULE:ATTRIBUTE",
        help="an EventPublisher, or a class or factory building one (default: JSON lines)",
    )

    search = commands.add_parser("search", help="manage the Elasticsearch search index")
    search_commands = search.add_subparsers(dest="command", required=True, metavar="{reindex}")
    reindex = search_commands.add_parser(
        "reindex", help="rebuild the index from the database, swapping the alias atomically"
    )
    reindex.add_argument("--url", help=url_help)
    reindex.add_argument("--es-url", help=f"Elasticsearch URL (default: ${ES_URL_ENV})")
    reindex.add_argument("--alias", default=None, help="index alias (default: bookmyshow-movies)")
    reindex.add_argument(
        "--batch-size", type=_batch_size, default=500, help="movies per batch (default: 500)"
    )

    serve = commands.add_parser(
        "serve",
        help="run the web app with uvicorn (settings from BOOKMYSHOW_* variables)",
        description="Run the reference web app with uvicorn; SIGINT or SIGTERM stops it. "
        "Settings come from the BOOKMYSHOW_* environment variables; outside --demo "
        "BOOKMYSHOW_JWT_SECRET is required.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to bind (default: 8000)")
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help=f"worker processes (default: 1; more need ${DATABASE_URL_ENV})",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo showcase and print its accounts; one worker, data in memory unless "
        f"${DATABASE_URL_ENV} is set",
    )
    return parser


# -- commands ---------------------------------------------------------------------------------


def _url(given: str | None) -> str:
    url = given if given is not None else os.environ.get(DATABASE_URL_ENV, "")
    if not url.strip():
        raise _UsageError(f"no database URL: pass --url or set {DATABASE_URL_ENV}")
    return url.strip()


def _revision_label(revision: str | None) -> str:
    return "base" if revision is None else revision


async def _db(command: str, url: str, revision: str | None, out: TextIO) -> int:
    from bookmyshow.adapters.sql import migrate  # noqa: PLC0415 - sql extra

    if command == "upgrade":
        await migrate.upgrade(url, revision or "head")
    elif command == "downgrade":
        await migrate.downgrade(url, revision or "base")
    out.write(_revision_label(await migrate.current_revision(url)) + "\n")
    return 0


def _load_publisher(spec: str) -> EventPublisher:
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise _UsageError(f"--publisher must be module:attribute, not {spec!r}")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise _UsageError(f"--publisher: cannot import {module_name!r}: {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            raise _UsageError(f"--publisher: {spec!r} does not exist") from exc
    if isinstance(target, type) or not callable(getattr(target, "publish", None)):
        if not callable(target):
            raise _UsageError(f"--publisher: {spec!r} is not an EventPublisher")
        try:
            target = target()
        except TypeError as exc:
            raise _UsageError(
                f"--publisher: cannot call {spec!r} without arguments: {exc}"
            ) from exc
    if not callable(getattr(target, "publish", None)):
        raise _UsageError(f"--publisher: {spec!r} does not build an EventPublisher")
    publisher: EventPublisher = target
    return publisher


async def _relay(args: argparse.Namespace, url: str, out: TextIO) -> int:
    from bookmyshow.adapters.sql.database import create_database  # noqa: PLC0415 - sql extra
    from bookmyshow.adapters.sql.outbox import OutboxRelay  # noqa: PLC0415 - sql extra

    publisher = _load_publisher(args.publisher) if args.publisher else JsonLinesPublisher(out)
    database: SqlDatabase = create_database(url)
    try:
        relay = OutboxRelay(database, publisher, batch_size=args.batch_size)
        if args.once:
            total = 0
            while True:
                published = await relay.relay_once()
                total += published
                if published < relay.batch_size:
                    break
            logging.getLogger(__name__).info("published %d event(s)", total)
            return 0
        stop = asyncio.Event()
        with _stopping_on_signals(stop):
            logging.getLogger(__name__).info(
                "relaying the outbox every %ss; SIGINT or SIGTERM stops", args.interval
            )
            await relay.run(interval=args.interval, stop=stop)
        return 0
    finally:
        await database.dispose()


async def _reindex(args: argparse.Namespace, url: str, out: TextIO) -> int:
    from bookmyshow.adapters.elasticsearch import (  # noqa: PLC0415 - elasticsearch extra
        DEFAULT_ALIAS,
        connect,
    )
    from bookmyshow.adapters.sql.database import create_database  # noqa: PLC0415 - sql extra
    from bookmyshow.bootstrap import sql_ports  # noqa: PLC0415 - imports the services
    from bookmyshow.services.search import stored_documents  # noqa: PLC0415

    es_url = args.es_url if args.es_url is not None else os.environ.get(ES_URL_ENV, "")
    if not es_url.strip():
        raise _UsageError(f"no Elasticsearch URL: pass --es-url or set {ES_URL_ENV}")
    engine = connect(es_url.strip(), alias=args.alias or DEFAULT_ALIAS)
    database: SqlDatabase = create_database(url)
    try:
        ports = sql_ports(database, search=engine)

        def progress(count: int) -> None:
            sys.stderr.write(f"\rindexed {count} movie(s)")
            sys.stderr.flush()

        loaded = await engine.rebuild(
            stored_documents(ports, batch_size=args.batch_size),
            batch_size=args.batch_size,
            progress=progress,
        )
        sys.stderr.write("\n")
        out.write(f"{loaded}\n")
        return 0
    finally:
        await engine.close()
        await database.dispose()


@contextlib.contextmanager
def _stopping_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set ``stop`` on SIGINT and SIGTERM while the block runs (where the loop supports it)."""
    loop = asyncio.get_running_loop()
    installed = []
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(number, stop.set)
        except (NotImplementedError, ValueError, RuntimeError):
            # No signal handlers here (Windows, or not the main thread): KeyboardInterrupt
            # still ends the process, and main() reports it as interrupted.
            continue
        installed.append(number)
    try:
        yield
    finally:
        for number in installed:
            loop.remove_signal_handler(number)


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    """Check the configuration, prepare a demo database, then hand over to uvicorn."""
    import uvicorn  # noqa: PLC0415 - app extra

    from bookmyshow.app import AppConfig, create_app  # noqa: PLC0415 - app extra

    try:
        # Fails fast (no secret, a bad variable) before binding anything.
        config = AppConfig.from_env(demo=args.demo)
    except InvalidInput as exc:
        return _fail(f"{exc.field}: {exc.reason}", _USAGE)
    settings = config.settings
    workers = args.workers
    if args.demo:
        if workers != 1:
            # Every worker would seed the showcase at start, racing the others.
            sys.stderr.write(f"{_PROG}: --demo runs one worker (ignoring --workers {workers})\n")
            workers = 1
        url = settings.database_url
        if url is not None:
            status = _run(lambda: _db("upgrade", url, "head", sys.stderr))
            if status:
                return status
        out.write(_demo_banner(args.host, args.port, persistent=url is not None))
        out.flush()
    elif workers > 1 and settings.database_url is None:
        return _fail(
            f"--workers {workers} needs {DATABASE_URL_ENV}: in memory each worker would keep "
            "its own catalog, holds and accounts behind one port",
            _USAGE,
        )
    elif workers > 1 and settings.redis_url is None:
        shared = "live seat updates, rate limits"
        shared += " and the search index" if settings.elasticsearch_url is None else ""
        sys.stderr.write(
            f"{_PROG}: warning: without {_REDIS_URL_ENV} {shared} are per worker process\n"
        )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": "info",
        "log_config": _log_config(),
        # The app writes its own access line (bookmyshow.app.access); uvicorn's would double it.
        "access_log": False,
    }
    try:
        if workers > 1:
            return _serve_workers(workers, options)
        with _sigterm_as_interrupt():
            uvicorn.run(create_app(config), **options)
    except SystemExit as exc:  # uvicorn exits so when the app fails to start
        return exc.code if isinstance(exc.code, int) else _FAILED
    return 0


def _serve_workers(workers: int, options: dict[str, Any]) -> int:
    """Run ``workers`` processes under uvicorn's supervisor; the startup-failure status when
    one of them failed to start.

    ``uvicorn.run`` returns normally when its supervisor gives up on a worker that failed to
    start, so the supervisor is driven here and its children's exit codes are inspected.
    """
    from uvicorn import Config  # noqa: PLC0415 - app extra
    from uvicorn.config import STARTUP_FAILURE  # noqa: PLC0415 - app extra
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415 - app extra
    from uvicorn.supervisors.multiprocess import SIGNALS  # noqa: PLC0415 - app extra

    # Each worker process imports the factory and builds its app from the environment.
    config = Config(_APP_FACTORY, factory=True, workers=workers, **options)
    listener = config.bind_socket()  # exits with STARTUP_FAILURE when the port is taken
    # The supervisor installs handlers for SIGINT, SIGTERM, SIGHUP... and leaves them behind.
    previous = {number: signal.getsignal(number) for number in SIGNALS}
    try:
        supervisor = Multiprocess(config, sockets=[listener])
        supervisor.run()
    finally:
        listener.close()
        for number, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python, not ours to restore
                signal.signal(number, handler)
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        return STARTUP_FAILURE
    return 0


def _log_config() -> dict[str, Any]:
    """uvicorn's logging configuration plus the app's loggers, applied in every worker.

    Request lines (``bookmyshow.app.access``, already JSON) go to standard output as they are;
    the rest of ``bookmyshow`` from INFO goes to standard error formatted like uvicorn's own.
    """
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415 - app extra

    from bookmyshow.app.request_log import ACCESS_LOGGER  # noqa: PLC0415 - app extra

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["bookmyshow.plain"] = {"format": "%(message)s"}
    config["handlers"]["bookmyshow.access"] = {
        "formatter": "bookmyshow.plain",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["bookmyshow"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"][ACCESS_LOGGER] = {
        "handlers": ["bookmyshow.access"],
        "level": "INFO",
        "propagate": False,
    }
    return config


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises KeyboardInterrupt, as SIGINT does.

    uvicorn shuts down gracefully on either signal and then raises the signal again for the
    previous handler; Python's default for SIGINT is an exception uvicorn catches, but the
    default for SIGTERM would kill the process (status -15) after a clean shutdown.
    """

    def interrupt(_number: int, _frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _demo_banner(host: str, port: int, *, persistent: bool) -> str:
    from bookmyshow.demo import (  # noqa: PLC0415 - only the demo needs it
        DEMO_ADMIN_EMAIL,
        DEMO_CUSTOMER_EMAIL,
        DEMO_PASSWORD,
        DEMO_STAFF_EMAIL,
    )

    # A wildcard bind address is no place to browse to: show the loopback of its family.
    shown = "127.0.0.1" if host in {"", "0.0.0.0"} else ("::1" if host == "::" else host)
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    where = f"the database in ${DATABASE_URL_ENV}" if persistent else "in memory (gone at exit)"
    accounts = (
        ("customer", DEMO_CUSTOMER_EMAIL),
        ("admin", DEMO_ADMIN_EMAIL),
        ("staff", DEMO_STAFF_EMAIL),
    )
    width = max(len(email) for _, email in accounts)
    lines = [f"bookmyshow demo at {base}/  (API docs: {base}/schema)"]
    lines += [
        f"  {role:<9} {email:<{width}}  password: {DEMO_PASSWORD}" for role, email in accounts
    ]
    lines.append(f"  {'data':<9} {where}")
    return "\n".join(lines) + "\n"


# -- entry point ------------------------------------------------------------------------------


def _fail(message: str, status: int) -> int:
    sys.stderr.write(f"{_PROG}: error: {message}\n")
    return status


def _run(work: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a command and turn every expected failure into one line and an exit status."""
    from alembic.util.exc import CommandError  # noqa: PLC0415 - sql extra
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - sql extra

    from bookmyshow.adapters.sql.errors import unavailable  # noqa: PLC0415 - sql extra

    try:
        return asyncio.run(work())
    except _UsageError as exc:
        return _fail(str(exc), _USAGE)
    except InvalidInput as exc:
        return _fail(f"{exc.field}: {exc.reason}", _USAGE)
    except CommandError as exc:
        return _fail(f"migration: {exc}", _USAGE)
    except BackendUnavailable as exc:
        what = "database" if exc.backend in _SQL_BACKENDS else exc.backend
        return _fail(f"{what}: {exc.reason}", _FAILED)
    except BookMyShowError as exc:
        return _fail(str(exc), _FAILED)
    except (SQLAlchemyError, OSError) as exc:
        return _fail(f"database: {unavailable(exc, 'sql').reason}", _FAILED)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error or the help
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else _USAGE)
    out = sys.stdout
    try:
        if args.group == "serve":
            return _serve(args, out)
        url = _url(args.url)
        if args.group == "outbox":
            if not logging.getLogger().handlers:
                # The relay's own progress at INFO; other libraries' chatter only from WARNING.
                logging.basicConfig(
                    level=logging.WARNING,
                    stream=sys.stderr,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                )
                logging.getLogger("bookmyshow").setLevel(logging.INFO)
            return _run(lambda: _relay(args, url, out))
        if args.group == "search":
            return _run(lambda: _reindex(args, url, out))
        return _run(lambda: _db(args.command, url, getattr(args, "revision", None), out))
    except _UsageError as exc:
        return _fail(str(exc), _USAGE)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.partition(".")[0] in _APP_MODULES:
            return _fail(f"{exc.name} is not installed: pip install 'bookmyshow[app]'", _FAILED)
        if exc.name is not None and exc.name.partition(".")[0] in _SEARCH_MODULES:
            return _fail(
                f"{exc.name} is not installed: pip install 'bookmyshow[elasticsearch]'", _FAILED
            )
        if exc.name is not None and exc.name.partition(".")[0] in _SQL_MODULES:
            return _fail(
                f"{exc.name} is not installed: pip install 'bookmyshow[sql]' "
                "(and 'bookmyshow[mysql]' for MySQL/MariaDB)",
                _FAILED,
            )
        raise
    except KeyboardInterrupt:
        return _fail("interrupted", _INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover - python -m bookmyshow.cli
    sys.exit(main())
