"""The class service's HTTP handlers (tornado), authenticated by JupyterHub.

The API handlers take a hub token (``Authorization: token ...``, checked with
:class:`jupyterhub.services.auth.HubAuth`); the page and the CSV also take the hub's
OAuth login (:class:`~jupyterhub.services.auth.HubOAuth`, a cookie). Who may do what:

=========================  ===============================================================
``GET api/status``         anybody the hub lets use this service
``POST api/records``       a hub user, for themself only (a body naming anybody else: 403)
``GET api/records/<name>`` that user themself, or a teacher (anybody else, or an unknown
                           name: 403, so names cannot be probed)
``GET api/class``          teachers only (members of the teachers group)
``GET api/class.csv``      teachers only
``GET`` (the root page)    a teacher sees the class, a learner their own counts
=========================  ===============================================================

No token, or a token the hub does not know: 401; a token without access to this
service, or a request the user may not make: 403. Errors are JSON
``{"status": code, "message": "..."}``.
"""
from __future__ import annotations

from jupyterhub.services.auth import (HubAuthenticated, HubOAuthenticated, UserNotAllowed)
from tornado import web
from tornado.ioloop import IOLoop

from ..decisions.checks import same_name
from . import checks, page
from .checks import Refused, dumps

API_VERSION = 1


class _Base(web.RequestHandler):
    """Common to every handler: the shared state, async hub auth, JSON errors."""

    def initialize(self, state):
        self.state = state

    async def prepare(self):
        # Identify the user without blocking the loop (HubAuthenticated's own
        # get_current_user would wait for the hub synchronously).
        model = await self.hub_auth.get_user(self, sync=False)
        self._denied = False
        if model:
            try:
                model = self.check_hub_user(model)
            except UserNotAllowed:
                model, self._denied = None, True
        self._hub_auth_user_cache = model

    def run(self, fn, *args):
        """Run blocking (database) work in the service's thread pool."""
        return IOLoop.current().run_in_executor(self.state.pool, fn, *args)

    def user(self) -> dict:
        """The signed-in hub user's model, or Refused 401/403."""
        model = self.current_user
        if model is None:
            if self._denied or self.hub_auth.get_token(self, in_cookie=False):
                raise Refused(403, "this hub token is not allowed to use the class service")
            raise Refused(401, "sign in through JupyterHub: send the header "
                          "'Authorization: token <your hub API token>'")
        if model.get("kind", "user") != "user":
            raise Refused(403, "only hub users (learners and teachers) use the class service")
        return model

    async def is_teacher(self, model) -> bool:
        return await self.state.teachers.has(model["name"])

    async def teacher(self) -> dict:
        model = self.user()
        if not await self.is_teacher(model):
            raise Refused(403, f"the class results are for teachers (members of the hub group "
                          f"{self.state.settings.teachers_group!r}) only")
        return model

    def send_json(self, obj, status=200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(dumps(obj))

    def _handle_request_exception(self, e):
        if isinstance(e, Refused):
            if self._finished:
                return
            self.clear()
            return self.send_json({"status": e.status, "message": e.message}, e.status)
        return super()._handle_request_exception(e)

    def write_error(self, status_code, **kwargs):
        message = self._reason
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        self.send_json({"status": status_code, "message": message}, status_code)


class _Api(HubAuthenticated, _Base):
    """A token-authenticated API handler (never redirects to a login page)."""

    def initialize(self, state):
        super().initialize(state)
        self.hub_auth = state.hub_auth

    def check_xsrf_cookie(self):
        return None   # token authentication only: no cookies, nothing to forge


class StatusHandler(_Api):
    async def get(self):
        model = self.user()
        self.send_json({"service": "casebook", "version": API_VERSION, "user": model["name"],
                        "teacher": await self.is_teacher(model)})


@web.stream_request_body
class RecordsHandler(_Api):
    """POST api/records: a learner sends their records; idempotent by record id."""

    async def prepare(self):
        await super().prepare()
        # A body over the limit is read and dropped (not kept in memory), then refused
        # (413): refusing before reading it would cut the connection under the proxy.
        self._chunks, self._size = [], 0

    def data_received(self, chunk):
        self._size += len(chunk)
        if self._size <= checks.MAX_BODY + 1:
            self._chunks.append(chunk)

    async def post(self):
        model = self.user()
        raw = b"".join(self._chunks)
        if self._size > len(raw):
            raise Refused(413, f"the request is {self._size:,} bytes; at most "
                          f"{checks.MAX_BODY:,} are allowed: send the records in smaller batches")
        # a save's few records are checked on the event loop (tens of microseconds, less
        # than a hop to a thread); a big batch (up to 5,000 records) in the thread pool
        if len(raw) <= checks.INLINE_BODY:
            recs = checks.check_body(raw, model["name"], self.state.vocab)
        else:
            recs = await self.run(checks.check_body, raw, model["name"], self.state.vocab)
        added = await self.state.writer.add(model["name"], recs)
        self.send_json({"stored": added.stored, "known": added.known, "ids": added.ids})


class LearnerHandler(_Api):
    """GET api/records/<name>: that learner's records (themself or a teacher)."""

    async def get(self, name):
        model = self.user()
        if not same_name(name, model["name"]) and not await self.is_teacher(model):
            raise Refused(403, "you can read only your own records")
        learner = model["name"] if same_name(name, model["name"]) else name
        recs, ids = await self.run(self.state.store.records_of, learner)
        self.send_json({"format": checks.SYNC_FORMAT, "version": checks.SYNC_VERSION,
                        "learner": learner, "records": recs, "ids": ids})


class ClassHandler(_Api):
    """GET api/class?since=<cursor>: every record stored after the cursor (teachers).
    With ``shape=latest``: the compact reply, the latest decision of every learner and item
    changed after the cursor, column by column, from the class kept in memory
    (:class:`kit.service.latest.LatestClass`)."""

    async def get(self):
        await self.teacher()
        cursor = checks.parse_cursor(self.get_argument("since", None))
        shape = self.get_argument("shape", "records")
        if shape not in ("records", "latest"):
            raise Refused(400, f"shape: should be 'records' or 'latest', not {shape[:40]!r}")
        if shape == "records":
            data = await self.run(_class_reply, self.state.store, cursor)
        else:
            data = await self.run(_latest_reply, self.state, cursor)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(data)


def _latest_reply(state, cursor) -> bytes:
    return dumps(state.latest.reply(state.store, cursor))


class RationalesHandler(_Api):
    """GET api/class/rationales?items=T16,K06: the rationales of the latest decisions on
    those items (teachers; for the debrief, which shows a few items only)."""

    async def get(self):
        await self.teacher()
        items = [i for i in self.get_argument("items", "").split(",") if i]
        if not items or len(items) > 100 or any(len(i) > 200 for i in items):
            raise Refused(400, "items: give 1 to 100 item ids, separated by commas")
        rows = await self.run(self.state.store.rationales, items)
        self.send_json(page.rationales_doc(rows))


def _class_reply(store, cursor) -> bytes:
    """The ``api/class`` body, read and encoded in a worker thread: the stored records'
    JSON texts are joined, not decoded and encoded again."""
    return page.class_json(*store.since_raw(cursor))


class _Page(HubOAuthenticated, _Base):
    """A browser page: the hub's OAuth login (a cookie), or a token."""

    def initialize(self, state):
        super().initialize(state)
        self.hub_auth = state.hub_oauth

    def needs_login(self) -> bool:
        """Nobody signed in, and no token sent: a browser to send to the hub's login."""
        return (self.current_user is None and not self._denied
                and not self.hub_auth.get_token(self, in_cookie=False))


class ClassCsvHandler(_Page):
    """GET api/class.csv: the latest decision of every learner, as the kit's CSV export."""

    async def get(self):
        if self.needs_login():
            return self.redirect(self.get_login_url())
        await self.teacher()
        _, learners = await self.run(self.state.store.since, 0)
        body = await self.run(page.class_csv, learners)
        self.set_header("Content-Type", "text/csv; charset=UTF-8")
        self.set_header("Content-Disposition", 'attachment; filename="class-decisions.csv"')
        self.set_header("Cache-Control", "no-store")
        self.finish(body)


class PageHandler(_Page):
    """The service's root page: the class (teachers) or the learner's own counts."""

    async def get(self):
        if self.needs_login():
            return self.redirect(self.get_login_url())
        model = self.user()
        if await self.is_teacher(model):
            counts = await self.run(self.state.store.counts)
            html = page.teacher_page(model["name"], counts)
        else:
            mine = await self.run(self.state.store.count_of, model["name"])
            html = page.learner_page(model["name"], mine)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(html)

