"""Short, time-ordered, unique ids (ULID-like: 48-bit milliseconds + 80 random bits, base32).

The random part comes from a generator seeded from the OS once per process (and again in a
forked child): asking the OS for randomness on every id was the slowest part of starting a run.
"""

from __future__ import annotations

import os
import random
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_random = random.Random(os.urandom(32))
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))


def new_id() -> str:
    value = (int(time.time() * 1000) << 80) | _random.getrandbits(80)
    chars = []
    for _ in range(26):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))
