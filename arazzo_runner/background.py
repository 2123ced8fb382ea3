"""Something that runs in the background between ``start()`` and ``stop()``: a local test server,
the SageMaker emulator, a Temporal dev server. ``with X(...) as x:`` starts it and stops it on the
way out, whatever happens inside."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class Background(ABC):
    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
