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
