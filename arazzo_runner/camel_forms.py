"""The camelCase JSON forms of plain-data records: one rule, and per class only what differs.

The records the package shows or stores (a run's error, a wait, a message delivery, a journal
row, a validation violation, a report's step span, ...) become JSON objects by one rule: each field
under its name in camelCase (``step_id`` → ``stepId``), its value as it is. A :class:`CamelForm`
applies that rule to one dataclass and is told only what differs: which fields are shown and in
which order (the key order is part of the format), a key that is not the camelCase of its field
(``id`` → ``runId``), a float rounded, a value shown through a function (a nested record's own form).
Its plan (keys, one getter for all values, the conversions) is worked out once, when the form is
made, never per record. A record whose ``to_dict`` (or ``to_json``/``from_json``) is its form derives
from :class:`CamelDict` (or :class:`CamelJson`) and sets ``camel_form`` after its class.

:meth:`CamelForm.load` is the inverse, for the forms that are read back (a snapshot's run state).
A key that is missing or null, as in a journal written before the field existed, reads as the
field's default.

Why a form builds its dict from a tuple of values instead of generated code: the package runs no
``exec``. That costs some 0.4 to 0.5 µs more than a dict literal (2x for eight keys, more for fewer),
which only a record made for every step execution would notice: so
:meth:`~.engine.result.StepRecord.to_dict` keeps its literal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record", bound="DataclassInstance")

#: A conversion of one field's value; a form applies it to non-null values only (null stays null).
Convert = Callable[[Any], Any]


def camel_case(name: str) -> str:
    """``step_id`` → ``stepId``: the key of a field unless its form names another."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclasses.dataclass(frozen=True, slots=True)
class _Reading:
    """How :meth:`CamelForm.load` reads one field: its key, whether it has a default, a conversion."""

    name: str
    key: str
    required: bool
    convert: Convert | None


class CamelForm(Generic[Record]):
    """The camelCase JSON form of the dataclass ``cls``.

    ``fields``: the fields shown, in key order (default: every field, in declaration order).
    ``hidden``: fields never shown (they are not in ``fields``' default).
    ``keys``: field → key, where the key is not the field's camelCase.
    ``rounded``: field → digits its float is rounded to when shown.
    ``shown`` / ``read``: field → a function of its non-null value when shown / when read back.
    """

    def __init__(
        self,
        cls: type[Record],
        fields: Iterable[str] | None = None,
        *,
        hidden: Iterable[str] = (),
        keys: Mapping[str, str] | None = None,
        rounded: Mapping[str, int] | None = None,
        shown: Mapping[str, Convert] | None = None,
        read: Mapping[str, Convert] | None = None,
    ) -> None:
        declared = {f.name: f for f in dataclasses.fields(cls)}
        hidden = frozenset(hidden)
        names = tuple(name for name in (declared if fields is None else fields) if name not in hidden)
        conversions: dict[str, Convert] = {
            name: partial(round, ndigits=n) for name, n in (rounded or {}).items()
        }
        conversions.update(shown or {})
        unknown = set(names).union(hidden).difference(declared)
        unknown.update(set(keys or {}).union(conversions, read or {}).difference(names))
        if unknown:
            raise ValueError(f"{cls.__name__}'s form shows no field {', '.join(sorted(unknown))}")
        #: The dataclass this is the form of.
        self.record_class = cls
        self._keys = tuple((keys or {}).get(name) or camel_case(name) for name in names)
        getter = attrgetter(*names)
        self._values: Callable[[Record], tuple[Any, ...]] = (
            getter if len(names) > 1 else lambda record: (getter(record),)
        )
        key_of = dict(zip(names, self._keys, strict=True))
        self._shown = tuple((key_of[name], convert) for name, convert in conversions.items())
        self._readings = tuple(
            _Reading(
                name,
                key_of[name],
                declared[name].default is dataclasses.MISSING
                and declared[name].default_factory is dataclasses.MISSING,
                (read or {}).get(name),
            )
            for name in names
        )

    def dump(self, record: Record) -> dict[str, Any]:
        """The JSON-ready dict of ``record``: a new dict, its values shared with the record."""
        data = dict(zip(self._keys, self._values(record), strict=True))
        for key, convert in self._shown:
            value = data[key]
            if value is not None:
                data[key] = convert(value)
        return data

    def load(self, data: Mapping[str, Any], *, strict: bool = False) -> Record:
        """The record :meth:`dump` wrote ``data`` from (a field not shown takes its default).

        ``strict``: every shown key must be there (``KeyError`` otherwise), for data that crosses a
        boundary within one version (a Temporal activity's answer), where a missing key is a fault to
        surface, not an older journal to read with defaults."""
        values: dict[str, Any] = {}
        for field in self._readings:
            value = data[field.key] if field.required or strict else data.get(field.key)
            if value is None:
                if field.required:
                    values[field.name] = None
            else:
                values[field.name] = value if field.convert is None else field.convert(value)
        return self.record_class(**values)


class CamelDict:
    """A record shown as its class's ``camel_form`` (set right after the class): ``to_dict``."""

    __slots__ = ()
    camel_form: ClassVar[CamelForm[Any]]

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data (a new dict)."""
        return self.camel_form.dump(self)


class CamelJson:
    """A record kept as its class's ``camel_form`` (set right after the class), both ways:
    ``to_json`` and its inverse ``from_json``."""

    __slots__ = ()
    camel_form: ClassVar[CamelForm[Any]]

    def to_json(self) -> dict[str, Any]:
        """The record as plain JSON-ready data (a new dict)."""
        return self.camel_form.dump(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The record :meth:`to_json` gave ``data`` for."""
        return cast(Self, cls.camel_form.load(data))
