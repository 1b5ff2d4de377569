"""Claims of the test IdP: email (verified), names, and the groups the test wrote to a JSON file
(read at each token and userinfo request, so a test changes someone's groups between logins)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class GroupsValidator(OAuth2Validator):  # type: ignore[misc]
    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        groups = json.loads(Path(os.environ["OIDC_TEST_GROUPS"]).read_text()).get(user.username, [])
        return {
            "email": user.email,
            "email_verified": True,
            "preferred_username": user.username,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": groups,
        }
