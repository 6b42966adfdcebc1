"""`readonly`: the dataclass of the parser's most numerous records (lines, cells, figures).

To the type checker a `@readonly` class is `@dataclass(frozen=True, slots=True)`: assigning to
a field is an error mypy reports. At run time it is `@dataclass(slots=True, unsafe_hash=True)`:
the same fields, equality and hash, without the frozen check, which makes a constructor set
every field through `object.__setattr__`. The parse builds about 500 such records a report
(a figure of 13 fields: 4.4 µs frozen, 0.7 µs not), and the check cost 10-17% of the parse's
instructions (benchmarks/README.md, lesson 21). Every other record stays a frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from typing_extensions import dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def readonly(cls: type[T]) -> type[T]:
    """A slotted dataclass with equality and hash, read-only by the type checker's word."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
