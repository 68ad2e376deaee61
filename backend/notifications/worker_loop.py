"""A procrastinate worker that rides out a database restart.

procrastinate 3.10 stops its worker when the database goes away (a side task — the LISTEN
connection, the heartbeat — fails: "Side task … failed …, stopping worker"; a failed fetch ends
the run loop) and has no reconnect of its own (a listener reconnect was merged and reverted
upstream, procrastinate#1425/#1436; the maintainers' answer is a supervisor). `run_forever` is
that supervisor, in-process: it runs the worker, and when the worker ends for any reason but
SIGINT/SIGTERM it waits for the database with exponential backoff (a cheap connection probe, no
pool) and starts a fresh worker with a fresh pool.

What a worker had in flight when the database went away is left `doing` under the old worker
id, whose heartbeat stops: the `retry_stalled_jobs` periodic job (recovery.py) retries it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from procrastinate import App

logger = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
HEALTHY_RUN_SECONDS = 60.0  # a run that lasted this long resets the backoff


async def database_answers(conninfo: dict[str, Any], timeout: float = 3.0) -> bool:
    try:
        connection = await psycopg.AsyncConnection.connect(
            **conninfo, connect_timeout=max(1, int(timeout)), autocommit=True
        )
    except (psycopg.Error, OSError):
        return False
    async with connection:
        try:
            await connection.execute("SELECT 1")
        except psycopg.Error:
            return False
    return True


async def run_forever(
    app: App,
    *,
    conninfo: dict[str, Any],
    on_start: Callable[[App], Awaitable[None]] | None = None,
    backoff_max: float = BACKOFF_MAX,
    **worker_options: Any,
) -> int:
    """Run workers until SIGINT/SIGTERM; returns how many times a worker was restarted."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    restarts, delay = 0, BACKOFF_FIRST
    try:
        while not stopping.is_set():
            started = loop.time()
            ended = await _one_run(app, stopping, on_start, worker_options)
            if stopping.is_set():
                break
            restarts += 1
            if loop.time() - started > HEALTHY_RUN_SECONDS:
                delay = BACKOFF_FIRST
            logger.warning("worker stopped (%s); restarting once the database answers", ended)
            while not stopping.is_set():
                if await _sleep_or_stop(stopping, delay):
                    break
                delay = min(backoff_max, delay * 2)
                if await database_answers(conninfo):
                    logger.warning("database answers again: starting a new worker")
                    break
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return restarts


async def _sleep_or_stop(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def _one_run(
    app: App,
    stopping: asyncio.Event,
    on_start: Callable[[App], Awaitable[None]] | None,
    worker_options: dict[str, Any],
) -> str:
    """One worker with its own pool, until it ends or we are asked to stop (then gracefully:
    cancelling procrastinate's run_worker_async waits for the jobs in flight)."""

    async def work() -> None:
        async with app.open_async():
            if on_start is not None:
                await on_start(app)
            await app.run_worker_async(install_signal_handlers=False, **worker_options)

    run = asyncio.create_task(work(), name="worker")
    stop = asyncio.create_task(stopping.wait(), name="stop")
    await asyncio.wait({run, stop}, return_when=asyncio.FIRST_COMPLETED)
    if not run.done():
        run.cancel()
    stop.cancel()
    try:
        await run
    except asyncio.CancelledError:
        return "stopped"
    except Exception as exc:  # the database went away: procrastinate's or psycopg's error
        logger.warning("worker failed: %r", exc, exc_info=exc)
        return repr(exc)
    return "worker ended"
