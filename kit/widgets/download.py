"""Browser downloads with no server round trip: "Download my work", CSV/PNG/SVG exports.

A download is an ``<a download>`` link whose address carries the file itself, so it works
the same in JupyterLab, Notebook 7 and Voila (the widget's HTML is drawn by the page; no
kernel request, no file on the server, nothing to configure):

- up to :data:`DATA_URL_LIMIT` bytes the link is a plain ``data:`` URL (no script at all);
- a bigger file (browsers refuse ``data:`` addresses over about 2 MB) is kept base64 in the
  link and turned into a ``Blob`` by a one-line ``onclick`` script when it is clicked.

The file name and the label are escaped; the name is also cleaned into a safe file name
(no folders, no control characters).

>>> html = download_link(b"a,b\\n1,2\\n", "class <7b>.csv", "text/csv", "Download the <table>")
>>> 'download="class -7b-.csv"' in html, "&lt;table&gt;" in html, "<table>" in html
(True, True, False)
>>> html.split('href="', 1)[1].split('"', 1)[0]
'data:text/csv;base64,YSxiCjEsMgo='
"""
from __future__ import annotations

import base64
import html as _html
import re
import unicodedata

import ipywidgets as W

from ..errors import KitDataError
from ._common import friendly_error

#: Files up to this size (bytes) download from a plain ``data:`` URL; bigger ones via a Blob.
DATA_URL_LIMIT = 1_000_000
#: The largest file a download link carries (the page holds it in memory).
MAX_DOWNLOAD_BYTES = 50_000_000
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}"
                   r"(;\s*charset=[a-z0-9_-]{1,40})?$", re.I)
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# The Blob path: decode the base64 in data-kit-b64 once, point href at an object URL, and
# let the click go on (the browser reads href after the handler has run).
_BLOB_SCRIPT = ("if(!this.dataset.kitUrl){var s=atob(this.dataset.kitB64),"
                "b=new Uint8Array(s.length);for(var i=0;i<s.length;i++)b[i]=s.charCodeAt(i);"
                "this.dataset.kitUrl=URL.createObjectURL(new Blob([b],"
                "{type:this.dataset.kitMime}));this.href=this.dataset.kitUrl}")


def safe_file_name(name) -> str:
    """``name`` as a file name a browser saves as given: no folders, no control or reserved
    characters (each run becomes ``-``), no leading dots, at most 150 characters.

    >>> safe_file_name("../Zoë: work?.json"), safe_file_name("  .hidden ")
    ('-Zoë- work-.json', 'hidden')
    >>> safe_file_name("///")
    'download'
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc")
                   or ch in "\t\n")
    text = _UNSAFE_NAME.sub("-", text).strip().lstrip(".").strip()
    if len(text) > 150:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else text[:150]
    return text if text.strip("-. ") else "download"


def download_link(data: bytes, filename: str, mime: str, label: str,
                  css_class: str = "kit-download-link") -> str:
    """An HTML link that saves ``data`` as ``filename`` when clicked (see the module text).

    ``data``: the file's bytes (``str`` is encoded as UTF-8); ``mime``: its media type,
    e.g. ``"application/json"``, ``"text/csv;charset=utf-8"``, ``"image/png"``; ``label``:
    the link's text (escaped). The link carries the CSS class ``css_class`` and
    ``data-kit-filename``; it opens nothing and asks nothing of the server.

    >>> big = download_link(b"x" * (DATA_URL_LIMIT + 1), "big.bin", "application/octet-stream",
    ...                     "Download")
    >>> "onclick=" in big, "data-kit-b64=" in big, 'href="data:' in big
    (True, True, False)
    >>> download_link(b"", "a.txt", "text/html\\"><script>", "x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: a download's media type should look like 'text/csv', not ...
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise KitDataError(f"a download's content should be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise KitDataError(f"the file is {len(data):,} bytes, too big to download from the page "
                           f"(at most {MAX_DOWNLOAD_BYTES:,})", file=str(filename))
    if not isinstance(mime, str) or not _MIME.match(mime.strip()):
        raise KitDataError(f"a download's media type should look like 'text/csv', not {mime!r}")
    mime = mime.strip()
    name = safe_file_name(filename)
    b64 = base64.b64encode(data).decode("ascii")
    attrs = (f'class="{_html.escape(css_class)}" download="{_html.escape(name)}" '
             f'data-kit-filename="{_html.escape(name)}" '
             f'title="{_html.escape("Save " + name + " on this computer")}"')
    if len(data) <= DATA_URL_LIMIT:
        href = f"data:{mime.replace(' ', '')};base64,{b64}"
        return f'<a {attrs} href="{_html.escape(href)}">{_html.escape(str(label))}</a>'
    return (f'<a {attrs} href="#" data-kit-mime="{_html.escape(mime)}" data-kit-b64="{b64}" '
            f'onclick="{_html.escape(_BLOB_SCRIPT)}">{_html.escape(str(label))}</a>')


class DownloadControl(W.VBox):
    """A button that prepares a file from the kernel, then a link that saves it.

    ``make()`` returns ``(data, filename)`` (bytes and a file name) when the button is
    clicked; the link under the button then saves exactly that file. :meth:`refresh`
    rebuilds a link already shown (e.g. after another save, so it is never stale).
    Errors show in place of the link. CSS classes: ``css_class`` on the control,
    ``<css_class>-button`` on the button and ``kit-download-link`` on the link.

    >>> ctl = DownloadControl(lambda: (b'{"a": 1}', "me.json"), "application/json",
    ...                       "Download my work", "kit-demo-download")
    >>> ctl.link.value
    ''
    >>> ctl.button.click()
    >>> "me.json" in ctl.link.value and "data:application/json;base64," in ctl.link.value
    True
    """

    def __init__(self, make, mime: str, label: str, css_class: str = "kit-download",
                 tooltip: str = "", link_text: str = "Save {name} on this computer"):
        self._make, self._mime, self._link_text = make, mime, link_text
        self.button = W.Button(description=label, tooltip=tooltip or label, icon="download",
                               layout=W.Layout(width="auto"))
        self.button.add_class(f"{css_class}-button")
        self.link = W.HTML(value="", layout=W.Layout(width="auto"))
        self.link.add_class(f"{css_class}-slot")
        self.filename = None
        self.button.on_click(lambda _b: self.prepare())
        super().__init__([self.button, self.link], layout=W.Layout(width="auto"))
        self.add_class(css_class)

    def prepare(self) -> None:
        """Build the file now and show its link (or the reason it cannot be built)."""
        try:
            data, filename = self._make()
            name = safe_file_name(filename)
            link = download_link(data, name, self._mime, self._link_text.format(name=name))
        except Exception as exc:  # noqa: BLE001 - shown in place of the link
            self.filename = None
            self.link.value = (f'<div class="kit-error-box" role="alert">'
                               f'{_html.escape(friendly_error(exc))}</div>')
            return
        self.filename = name
        self.link.value = (f'<div class="kit-ok" role="status">Your file is ready: {link} '
                           '<span class="kit-muted">(hand it in to your teacher)</span></div>')

    def refresh(self) -> None:
        """Rebuild the link if one is shown, so it always holds the latest work."""
        if self.link.value:
            self.prepare()
