"""Run the test IdP: `python -m psdesk.accounts.tests.oidc_provider.serve PORT REDIRECT_URI`.
Migrates its own SQLite file, creates the client and the people (users.json beside the groups
file), then serves on 127.0.0.1:PORT until terminated."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    port, redirect_uri = int(sys.argv[1]), sys.argv[2]
    os.environ["DJANGO_SETTINGS_MODULE"] = "psdesk.accounts.tests.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    Application.objects.create(
        name="PS Desk",
        client_id="psdesk",
        client_secret="psdesk-secret",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    people = json.loads((Path(os.environ["OIDC_TEST_GROUPS"]).parent / "users.json").read_text())
    for username, (email, first, last) in people.items():
        User.objects.create_user(username, email=email, password="idp-pw", first_name=first, last_name=last)
    server = make_server("127.0.0.1", port, get_wsgi_application(), server_class=_Threading, handler_class=_Quiet)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
