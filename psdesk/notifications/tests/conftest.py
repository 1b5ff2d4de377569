from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def pubsec_engagement(people: Any, make_account: Any, make_engagement: Any) -> Any:
    acc = make_account("Department of Secrets", pubsec=True, em=people.pat, owner=people.pat)
    return make_engagement(acc, em="pat")


@pytest.fixture
def engagement(people: Any, make_account: Any, make_engagement: Any) -> Any:
    acc = make_account("Acme Corp", em=people.erin, owner=people.alice)
    return make_engagement(acc, em="erin")
