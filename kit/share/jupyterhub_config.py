# The casebook kit's class service on JupyterHub (6.1.1): an example config.
#
# Use it as it is (`jupyterhub -f kit/share/jupyterhub_config.py`) or copy the block you
# need into your hub's own jupyterhub_config.py, or load it from there with
#     load_subconfig("/path/to/casebook-kit/kit/share/jupyterhub_config.py")
# and set your authenticator and spawner around it. docs/class-service.md explains each
# part, how to run the service outside the hub instead, and the security model.
#
# Knobs (environment variables read when the hub starts; all optional):
#   KIT_TEACHERS_GROUP   the hub group whose members are teachers       (teachers)
#   KIT_TEACHERS         teachers to put in that group, comma-separated (none: add them in
#                        the hub's admin page, "Manage Groups")
#   KIT_SERVICE_PORT     the loopback port the service listens on       (10101)
#   KIT_SERVICE_DB_URL   where the service stores the class's records: any SQLAlchemy URL,
#                        e.g. postgresql+psycopg://kit:SECRET@db.example.org/kit
#                        (default: a SQLite file casebook-class.sqlite in KIT_SERVICE_DATA_DIR)
#   KIT_SERVICE_DATA_DIR folder of that SQLite file (default: the hub's working directory)
#   KIT_SERVICE_API_TOKEN set it to run the service yourself (external, e.g. under systemd
#                        on another machine): the hub then only routes to it and checks its
#                        token; start `python -m kit.service` with the environment that
#                        docs/class-service.md lists (the same token, the hub's API URL).
#   KIT_SERVICE_URL      with an external service: its address as the hub sees it
#                        (default http://127.0.0.1:$KIT_SERVICE_PORT)
import os
import sys

try:
    c = get_config()  # noqa: F821 (JupyterHub provides get_config in its config files)
except NameError:     # imported as a module (a test, or pytest collecting doctests)
    from traitlets.config import Config
    c = Config()

SERVICE = "casebook"                                   # the kit looks for this name
TEACHERS = os.environ.get("KIT_TEACHERS_GROUP", "teachers")
PORT = int(os.environ.get("KIT_SERVICE_PORT", "10101"))
SERVICE_URL = os.environ.get("KIT_SERVICE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
EXTERNAL_TOKEN = os.environ.get("KIT_SERVICE_API_TOKEN", "")

# --- the service, started and restarted by the hub --------------------------------------
# The hub gives it its own API token, an OAuth client for the browser page, and mounts it
# at /services/casebook/ behind the proxy. If the process dies, the hub starts it again.
service_env = {
    "KIT_TEACHERS_GROUP": TEACHERS,
    "KIT_SERVICE_DATA_DIR": os.environ.get("KIT_SERVICE_DATA_DIR", os.getcwd()),
}
if os.environ.get("KIT_SERVICE_DB_URL"):
    service_env["KIT_SERVICE_DB_URL"] = os.environ["KIT_SERVICE_DB_URL"]

service = {
    "name": SERVICE,
    "url": SERVICE_URL,
    "display": True,           # listed in the hub's Services menu (the class page)
    "oauth_no_confirm": True,  # signing in to the class page asks no extra question
}
if EXTERNAL_TOKEN:   # run by you: the hub routes to it and knows its token
    service["api_token"] = EXTERNAL_TOKEN
else:                # run by the hub
    service["command"] = [sys.executable, "-m", "kit.service"]
    service["environment"] = service_env
c.JupyterHub.services = [service]

# --- roles and scopes -------------------------------------------------------------------
# * Every user may use the service (the `user` role keeps its default "self" and gains
#   access to this one service). The service itself decides what each user may read:
#   learners their own records, teachers the class.
# * The service may read the teachers group (to know who the teachers are), nothing else.
c.JupyterHub.load_roles = [
    {
        "name": "user",
        "scopes": ["self", f"access:services!service={SERVICE}"],
    },
    {
        "name": "casebook-service",
        "description": "The casebook kit's class service: who is in the teachers group",
        "scopes": [f"read:groups!group={TEACHERS}"],
        "services": [SERVICE],
    },
]

# The teachers group (created empty unless KIT_TEACHERS names some; the hub only adds
# members from here, it never removes the ones added in its admin page).
c.JupyterHub.load_groups = {
    TEACHERS: {"users": [u.strip() for u in os.environ.get("KIT_TEACHERS", "").split(",")
                         if u.strip()]},
}

# --- learners' servers ------------------------------------------------------------------
# The token of each single-user server ($JUPYTERHUB_API_TOKEN, which its kernels inherit)
# gets the server role's default scopes plus access to this service, so the kit in a
# learner's notebook can send their decisions with no configuration. A token only ever
# gets scopes its user holds (the `user` role above).
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    f"access:services!service={SERVICE}",
]
# Where the kit sends decisions from a learner's kernel: the service's own address (the
# kernels run on this machine). With servers in containers or on other machines, set it to
# the hub's public address instead, e.g. https://hub.example.org/services/casebook/
c.Spawner.environment = {
    "KIT_CLASS_SERVICE_URL": f"{SERVICE_URL}/services/{SERVICE}/",
}
