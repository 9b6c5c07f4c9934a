"""Headers kept as the device sent them: in order, repeated ones kept, looked up without regard to case."""

from __future__ import annotations


class Headers:
    """For an answer record with `headers` as (name, value) pairs (HTTP and RTSP alike)."""

    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        """The first value of the header `name`, or None."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of the header `name`, in the order sent."""
        low = name.lower()
        return tuple(v for k, v in self.headers if k.lower() == low)
