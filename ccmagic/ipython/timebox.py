"""Run a piece of user code (a ``__repr__``, a ``__len__``, a figure's draw) for a bounded time.

The notebook tools run on the kernel's main thread, in the user's namespace, so a slow or
endless ``__repr__`` would hold the whole turn. There is no killing a thread in Python; what
can stop it is an exception raised inside it. On the main thread a one-shot ``SIGALRM``
timer (``signal.setitimer``) does that even while the code sleeps or waits in C (a blocking
call returns ``EINTR`` and the handler's exception propagates, PEP 475). On any other thread,
``PyThreadState_SetAsyncExc`` raises it at the thread's next bytecode. Either way the work
stops where it is, nothing keeps running afterwards, and the caller goes on with the next
object. :class:`TookTooLong` is a ``BaseException`` so that a ``repr`` catching ``Exception``
does not swallow it.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class TookTooLong(BaseException):
    """The bounded code ran past its time and was stopped."""


class Budget:
    """Seconds to share among several bounded calls (``variables`` over 100 objects)."""

    def __init__(self, total: float) -> None:
        import time

        self._clock = time.monotonic
        self._ends = self._clock() + total

    @property
    def left(self) -> float:
        return max(0.0, self._ends - self._clock())


def bounded(work: Callable[[], T], seconds: float) -> T:
    """``work()``, stopped with :class:`TookTooLong` after ``seconds``."""
    if seconds <= 0:
        raise TookTooLong
    with _deadline(seconds):
        return work()


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _async_raise(seconds):
            yield


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """A ``SIGALRM`` after ``seconds``; an outer timer (another bound, the user's own) is put
    back as it was, less the time spent here."""
    armed = True  # until the work is over: an alarm arriving while we tidy up is ignored

    def on_alarm(signum: int, frame: Any) -> None:
        nonlocal armed
        if armed:
            armed = False
            raise TookTooLong

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed = False
        left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (seconds - left), 0.001))


@contextlib.contextmanager
def _async_raise(seconds: float) -> Iterator[None]:
    """:class:`TookTooLong` raised in this thread by a timer thread after ``seconds``."""
    target = threading.get_ident()
    lock = threading.Lock()
    done = False

    def fire() -> None:
        with lock:
            if not done:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(TookTooLong)
                )

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            done = True
        timer.cancel()
        # a raise already on its way but not yet delivered is taken back
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
