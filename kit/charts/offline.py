"""Offline set-up: charts that render with no internet, and the cached JavaScript bundle.

Call :func:`setup` once at the top of a notebook: it makes charts render with no
internet (JupyterLab and Voila) and applies the kit's fonts and sizes. The bundle's
vega-embed actions menu ("⋯") gets an accessible name (:func:`label_actions_menu`). The bundle
of JavaScript the charts need is built once per version of altair and vl-convert
and cached in a file (:func:`bundle_path`): the one file the charts layer touches.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib
import json
import os
import stat
import sys
import tempfile
import threading


def import_apart(name: str) -> None:
    """Import module ``name`` (once) on a thread of its own, so its import runs at a fixed,
    shallow Python stack depth instead of however deep the caller happens to be.

    Why: CPython 3.11 keeps each thread's Python frames in 16 KiB chunks and frees a chunk
    as soon as the stack falls back below it (cpython issue gh-142183, fixed in 3.13 and
    later). Altair's import parses a grammar with deeply recursive code (``rfc3987_syntax``
    through ``lark``); imported from inside the kit's package in a Jupyter kernel, that
    recursion sat on a chunk boundary and mapped and unmapped a chunk about 90,000 times,
    costing about a second of CPU in every notebook (``benchmarks/run.py --only notebooks``).
    A new thread starts with an empty stack, so the depth no longer depends on the caller.
    Errors from the import are raised here as usual.

    >>> import_apart("json"); "json" in sys.modules
    True
    """
    if name in sys.modules:
        return
    failed = []

    def target():
        try:
            importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=target, name=f"import {name}")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


import_apart("altair")  # before any kit module imports it: see import_apart
import altair as alt  # noqa: E402

from ..environment import detect
from ..errors import KitDataError
from .style import THEME, kit_theme


def setup(environment=None) -> None:
    """Prepare charts for this notebook: offline rendering and the kit's look. Call it first.

    Charts then render as an interactive widget (``alt.JupyterChart``) whose
    JavaScript comes from the installed ``vl-convert-python`` package, not from a
    CDN, so they work in JupyterLab and Voila with no internet. The kit's theme
    sets fonts and sizes (no background colour, so dark themes stay readable).
    Calling it again does nothing new and is cheap. Returns ``None`` and prints
    nothing.

    In Colab (``environment``, default :func:`kit.environment.detect`), whose front end
    cannot run that widget, charts use Altair's ``colab`` renderer instead (Colab is online
    and loads Vega itself), and :func:`show` returns the chart rather than a widget.

    >>> import altair as alt
    >>> before = alt.renderers.active, dict(alt.renderers.options), alt.theme.active
    >>> setup()
    >>> alt.renderers.active, alt.renderers.options, alt.theme.active
    ('jupyter', {'offline': True}, 'kit')
    >>> setup()   # a second call is harmless
    >>> from kit.environment import Environment
    >>> setup(Environment(front_end="colab"))
    >>> alt.renderers.active, type(show(alt.Chart().mark_point())).__name__
    ('colab', 'Chart')
    >>> _ = alt.renderers.enable(before[0], **before[1]), alt.theme.enable(before[2])  # undo
    """
    if alt.theme.active != THEME:  # (theme.names() scans the installed packages: not each call)
        if THEME not in alt.theme.names():
            alt.theme.register(THEME, enable=False)(kit_theme)
        alt.theme.enable(THEME)
    if (environment or detect()).chart_renderer == "colab":
        alt.renderers.enable("colab")
        return
    if alt.renderers.active != "jupyter" or alt.renderers.options != {"offline": True}:
        try:
            import anywidget  # noqa: F401  (the jupyter renderer needs both)
            import vl_convert  # noqa: F401
        except ImportError:
            raise ImportError("kit charts need the packages anywidget and vl-convert-python "
                              "to draw offline; install them with "
                              "'pip install -r requirements.txt'") from None
        load_cached_bundle()
        alt.renderers.register("jupyter", render_widget)
        alt.renderers.enable("jupyter", offline=True)
    alt.JupyterChart.enable_offline()  # builds the JS bundle once (about a second); then a no-op
    alt.JupyterChart._esm = label_actions_menu(alt.JupyterChart._esm)
    save_bundle()


def render_widget(spec: dict, **options) -> dict:
    """Altair's ``jupyter`` renderer (an offline ``alt.JupyterChart`` widget), given the spec.

    :func:`setup` registers it under Altair's name ``jupyter`` (Altair's documented renderer
    API). Altair's own turns the spec it is handed, already checked against the Vega-Lite
    schema, back into a chart (``Chart.from_dict``: checked again, against each kind of
    chart in turn) only for the widget to turn that chart into the same spec once more:
    about 0.15 s for each chart a cell shows. This gives the widget the spec itself; the
    learner sees the same widget with the same spec. A chart with parameters or selections,
    which the widget tracks from the chart object, still goes through Altair's renderer.

    >>> import altair as alt, pandas as pd
    >>> spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()
    >>> data, metadata = render_widget(spec, offline=True)
    >>> sorted(data)
    ['application/vnd.jupyter.widget-view+json', 'text/plain']
    """
    if _has_params(spec):
        from altair.vegalite.v6.display import jupyter_renderer
        return jupyter_renderer(spec, **options)
    alt.JupyterChart.enable_offline(offline=options.get("offline", False))
    view = alt.JupyterChart(None, embed_options=options.get("embed_options"))
    view.spec = spec
    return view._repr_mimebundle_()


def _has_params(spec) -> bool:
    """Whether a Vega-Lite spec (or one of its layers or panels) declares parameters."""
    if not isinstance(spec, dict):
        return False
    if "params" in spec or any(isinstance(t, dict) and "param" in t
                               for t in spec.get("transform", ())):
        return True
    parts = [p for key in ("layer", "concat", "hconcat", "vconcat") for p in spec.get(key, ())]
    return any(_has_params(p) for p in parts + [spec.get("spec")])


#: The accessible name of vega-embed's "⋯" actions menu (its ``<summary>`` holds only an
#: icon, so screen readers would meet an unnamed control: axe-core's ``summary-name``).
CHART_MENU_LABEL = "Chart menu: save the chart as an image"
_SUMMARY = 'document.createElement("summary")'


def label_actions_menu(src):
    """The chart bundle ``src`` with vega-embed's actions menu given an accessible name
    (:data:`CHART_MENU_LABEL` as the ``<summary>``'s ``aria-label``).

    vega-embed offers no option for it, so the one place the bundle creates that element is
    wrapped; a bundle already labelled, or one without exactly that place (another
    vega-embed), is returned unchanged (the apps' front-end helper labels the menu then).

    >>> label_actions_menu('const r=document.createElement("summary");r.innerHTML=x')
    'const r=((s)=>(s.setAttribute("aria-label","Chart menu: save the chart as an image"),s))(document.createElement("summary"));r.innerHTML=x'
    >>> once = label_actions_menu('document.createElement("summary")')
    >>> label_actions_menu(once) == once, label_actions_menu("no menu here")
    (True, 'no menu here')
    """
    if not isinstance(src, str):
        return src
    label = json.dumps(CHART_MENU_LABEL)
    marker = f'"aria-label",{label}'
    if marker in src or src.count(_SUMMARY) != 1:
        return src
    return src.replace(_SUMMARY, f"((s)=>(s.setAttribute({marker}),s))({_SUMMARY})")


def show(chart):
    """Wrap ``chart`` in an offline ``alt.JupyterChart`` widget (calls :func:`setup` if it
    has not been called; in Colab, where the widget cannot be shown, returns ``chart``).

    Widgets embed the result and update it in place by assigning its ``.chart``.

    >>> import altair as alt, pandas as pd
    >>> view = show(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    >>> type(view).__name__, view.chart.mark
    ('JupyterChart', 'point')
    """
    if not isinstance(chart, alt.TopLevelMixin):
        raise KitDataError(f"expected an Altair chart, got {type(chart).__name__}", file="chart")
    if alt.renderers.active != "colab":   # set by setup() in Colab
        setup()
    if alt.renderers.active == "colab":
        return chart
    return alt.JupyterChart(chart)


def bundle_path():
    """Where the offline JavaScript bundle is cached between kernels (None: no cache).

    Building it with vl-convert costs 1.5–2 s in every new kernel; the cached copy
    loads in milliseconds. Keyed by the altair and vl-convert versions, in
    ``$KIT_CACHE_DIR`` or ``~/.cache/casebook-kit``, with its SHA-256 in
    ``<bundle>.sha256`` (checked by :func:`load_cached_bundle` before the code is used).
    The one file the charts layer touches; any problem with it just means building the
    bundle again.
    """
    try:
        import vl_convert

        base = os.environ.get("KIT_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "casebook-kit")
        name = f"altair-{alt.__version__}-vl-convert-{vl_convert.__version__}-offline.js"
        return os.path.join(base, name)
    except Exception:  # noqa: BLE001 - no cache is fine
        return None


def _digest(src: str) -> str:
    return hashlib.sha256(src.encode("utf-8")).hexdigest()


def _trusted(path: str) -> bool:
    """Whether a cache file may be run as code here: on POSIX, owned by this user and
    writable by no one else (a shared or world-writable cache folder could hand us someone
    else's JavaScript); elsewhere the hash check alone decides."""
    if not hasattr(os, "geteuid"):
        return True
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def load_cached_bundle() -> bool:
    """Give ``alt.JupyterChart`` the cached bundle if it is whole and unchanged since it was
    built; returns whether it was used.

    The cache holds the bundle and, next to it (``<bundle>.sha256``), the SHA-256 of the
    bundle computed when it was built. A bundle whose hash does not match (edited,
    truncated, or its hash missing), a symlink, or a file another user owns or may write
    is not run: the bundle is built again from the installed packages and the cache
    rewritten by :func:`save_bundle`.
    """
    path = bundle_path()
    if path is None or alt.JupyterChart._is_offline:
        return False
    try:
        if not (_trusted(path) and _trusted(path + ".sha256")):
            return False
        with open(path, encoding="utf-8") as fh:
            src = fh.read()
        with open(path + ".sha256", encoding="ascii") as fh:
            expected = fh.read(200).strip()
    except (OSError, ValueError):
        return False
    if len(src) <= 100_000 or not hmac.compare_digest(_digest(src), expected):
        return False  # truncated or changed: rebuilt instead
    alt.JupyterChart._esm = src
    alt.JupyterChart._is_offline = True
    return True


def _cache_ok(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh, open(path + ".sha256", encoding="ascii") as fh2:
            return (_trusted(path) and _trusted(path + ".sha256")
                    and hmac.compare_digest(_digest(fh.read()), fh2.read(200).strip()))
    except (OSError, ValueError):
        return False


def _write(path: str, text: str, encoding: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_bundle() -> None:
    """Cache the bundle ``alt.JupyterChart`` built with its SHA-256, written atomically
    (errors ignored); a cached copy that does not check out is replaced."""
    path = bundle_path()
    if path is None or not alt.JupyterChart._is_offline or _cache_ok(path):
        return
    src = alt.JupyterChart._esm
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write(path, src, "utf-8")
        _write(path + ".sha256", _digest(src) + "\n", "ascii")
    except OSError:
        pass
