"""Keeps two optional packages out of every Rasa process.

Rasa imports TensorFlow on start even when, as here, no component uses it,
and TensorFlow imports jax (for TFLite conversion) and h5py (for saving
Keras models in HDF5) if they are installed. This assistant does neither;
on a loaded 2-core machine the two cost about 30 s of each start.
TensorFlow and Keras import both inside `try/except ImportError`, and a
`None` entry in `sys.modules` makes `import` raise ImportError, so they are
simply treated as absent.
"""

from __future__ import annotations

import sys

UNUSED_OPTIONAL = ("jax", "h5py")


def skip_unused_optional_imports() -> None:
    for name in UNUSED_OPTIONAL:
        sys.modules.setdefault(name, None)
