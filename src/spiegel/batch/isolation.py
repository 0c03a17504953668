"""The process-wide state a notebook may change, put back after each notebook that ran in a warm worker process
(the working directory, environment variables, ``sys.path``, warning filters and their once-registries, pandas
options, the altair renderer/theme/data transformer, random state, the root logger, matplotlib's rcParams).
``sys.modules`` is shared on purpose — that is the speed-up of the warm engine (``spiegel.batch.engine``) —
so module-level caches must not depend on a notebook's inputs."""

from __future__ import annotations

import copy
import logging
import os
import random
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = copy.copy(value)
    return flat


def _pandas_options() -> dict[str, Any] | None:
    if "pandas" not in sys.modules:
        return None
    from pandas._config import config as cfg

    return _flatten(cfg._global_config)


def _set_pandas_options(saved: dict[str, Any]) -> None:
    import pandas as pd

    now = _pandas_options() or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, value in saved.items():
            if key in now and now[key] is not value and now[key] != value:
                try:
                    pd.set_option(key, value)
                except Exception:  # an option that cannot be set back; leave it
                    continue


def _altair_state() -> dict[str, Any] | None:
    alt = sys.modules.get("altair")
    if alt is None:
        return None
    state = {}
    for name in ("renderers", "data_transformers"):
        registry = getattr(alt, name, None)
        if registry is not None:
            state[name] = (registry.active, copy.deepcopy(registry.options))
    theme = getattr(alt, "theme", None)
    if theme is not None and hasattr(theme, "active"):
        state["theme"] = theme.active
    return state


def _set_altair_state(saved: dict[str, Any]) -> None:
    alt = sys.modules["altair"]
    for name in ("renderers", "data_transformers"):
        if name in saved:
            registry = getattr(alt, name)
            active, options = saved[name]
            if registry.active != active or registry.options != options:
                registry.enable(active, **options)
    if "theme" in saved and alt.theme.active != saved["theme"]:
        alt.theme.enable(saved["theme"])


# Imported before the first snapshot, so their options are known at their defaults even when the first
# notebook of a process is the one that imports (and changes) them.
WARM_MODULES = ("pandas", "altair")


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import the libraries whose state the engine restores (and whose import the batch pays once)."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


@contextmanager
def process_state() -> Iterator[None]:
    """Snapshot the process-wide state a notebook may change and restore it afterwards."""
    warm_up()
    cwd = os.getcwd()
    environ = dict(os.environ)
    path = list(sys.path)
    filters = list(warnings.filters)
    showwarning = warnings.showwarning
    rnd = random.getstate()
    np = sys.modules.get("numpy")
    np_state = np.random.get_state() if np is not None else None
    root = logging.getLogger()
    root_state = (root.level, list(root.handlers))
    pandas_options = _pandas_options()
    altair_state = _altair_state()
    mpl = sys.modules.get("matplotlib")
    rc = copy.deepcopy(dict(mpl.rcParams)) if mpl is not None else None
    # Warnings shown once per location must show again in the next notebook, as in a fresh kernel.
    warnings._filters_mutated()  # type: ignore[attr-defined]
    warnings.onceregistry.clear()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        os.chdir(cwd)
        if dict(os.environ) != environ:
            os.environ.clear()
            os.environ.update(environ)
        sys.path[:] = path
        warnings.filters[:] = filters
        warnings.showwarning = showwarning
        warnings._filters_mutated()  # type: ignore[attr-defined]
        random.setstate(rnd)
        if np_state is not None:
            np.random.set_state(np_state)
        root.setLevel(root_state[0])
        root.handlers[:] = root_state[1]
        if pandas_options is not None:
            _set_pandas_options(pandas_options)
        if altair_state is not None:
            _set_altair_state(altair_state)
        if rc is not None:
            import matplotlib.pyplot as plt

            plt.close("all")
            mpl.rcParams.update(rc)
