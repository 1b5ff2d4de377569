"""Locust users of `make bench-cluster`: each, signed in as erin (a session cookie the bench made),
browses the board, My work and the API list, spreading its requests over the web nodes in
CLUSTER_NODES (comma-separated base URLs) the way a round-robin load balancer would. A request to a
node that is down fails (counted as an error) and the user stops sending to that node, as a load
balancer's health check would.

`LoginFloorUser` measures the floor instead: anonymous GETs of the login page only.
"""

from __future__ import annotations

import itertools
import os

from locust import HttpUser, between, task

NODES = [n.rstrip("/") for n in os.environ.get("CLUSTER_NODES", "http://127.0.0.1:8000").split(",") if n]
SESSION = os.environ.get("CLUSTER_SESSION", "")
TOKEN = os.environ.get("CLUSTER_API_TOKEN", "")


class _NodesUser(HttpUser):
    abstract = True
    host = NODES[0]
    wait_time = between(0, 0.05)

    def on_start(self) -> None:
        self.live = list(NODES)
        self.turn = itertools.count()

    def _get(self, path: str, name: str, **kw: object) -> None:
        if not self.live:
            self.live = list(NODES)
        node = self.live[next(self.turn) % len(self.live)]
        with self.client.get(f"{node}{path}", name=name, catch_response=True, allow_redirects=False, **kw) as r:
            if r.status_code == 0 or r.status_code >= 500:
                if r.status_code == 0 and node in self.live and len(self.live) > 1:
                    self.live.remove(node)  # connection refused: the node is gone; route around it
                r.failure(f"{node}: {r.status_code or r.error}")
            elif r.status_code != 200:
                r.failure(f"{node}: HTTP {r.status_code}")
            else:
                r.success()


class LoginFloorUser(_NodesUser):
    """The floor: the cheapest page there is, anonymous, through both nodes."""

    @task
    def login_page(self) -> None:
        self._get("/accounts/login/", "login page")


class ClusterUser(_NodesUser):
    """A signed-in person: the session the bench created (sessions live in the database, so the
    cookie is good on every node). Logging in is not what is measured."""

    def on_start(self) -> None:
        super().on_start()
        self.client.cookies.set("sessionid", SESSION)

    @task(4)
    def board(self) -> None:
        self._get("/", "board")

    @task(3)
    def my_work(self) -> None:
        self._get("/my-work/", "my work")

    @task(3)
    def api_list(self) -> None:
        self._get("/api/v1/engagements?limit=50", "api list", headers={"Authorization": f"Bearer {TOKEN}"})
