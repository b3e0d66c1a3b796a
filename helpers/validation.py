"""Argument checks shared by the settings classes: a number must be a real, finite number.

``float("nan")`` slips through every range check (each comparison with NaN is false) and ``float("inf")``
through every lower bound; both would then poison a whole run. The settings classes call
:func:`check_finite_number` before their own range checks.
"""

from __future__ import annotations

import math


def check_finite_number(value: object, name: str) -> float:
    """``value`` as a float; ``TypeError`` unless it is an int or float (not a bool), ``ValueError`` unless it
    is finite (not NaN, not ±∞). ``name`` is the parameter's name, used in the message."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def check_count(value: object, name: str) -> int | None:
    """``value`` unchanged if it is ``None`` (meaning "all") or a positive int; else the errors of
    :func:`check_int`. For settings such as "images taken from a split"."""
    return None if value is None else check_int(value, name, minimum=1)


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """``value`` unchanged if it is one of ``choices``; else ``ValueError`` naming the parameter."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_positive_number(value: object, name: str) -> float:
    """:func:`check_finite_number`, and ``ValueError`` unless the number is > 0."""
    if not check_finite_number(value, name) > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def check_int(value: object, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` unchanged if it is an int (not a bool) within ``[minimum, maximum]`` (either bound optional).

    Raises ``TypeError`` for anything but an int and ``ValueError`` outside the bounds; both messages name
    the parameter (``name``) and say what is expected, e.g. "steps must be a positive int, got 0".
    """
    if minimum is not None and maximum is not None:
        expected = f"an int in {minimum}..{maximum}"
    elif minimum == 1:
        expected = "a positive int"
    elif minimum == 0:
        expected = "a non-negative int"
    elif minimum is not None:
        expected = f"an int >= {minimum}"
    elif maximum is not None:
        expected = f"an int <= {maximum}"
    else:
        expected = "an int"
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value
