"""GitLab issues mirror through python-gitlab.

Creates the scoping issue in `project` (e.g. "ww-consulting/ps-plan") with the SSOT table as
description and the `proposal::` scoped labels, and keeps labels in sync from our side. GitLab has no
idempotency key, so the key is written into the description as a hidden marker and a create first
searches for it: a redelivery after a crash finds the issue instead of opening a second one.
"""

from __future__ import annotations

import gitlab
import requests
from gitlab.exceptions import GitlabError

from psdesk.integrations.errors import IntegrationError, error_from_status
from psdesk.integrations.ports import Receipt


class GitLabIssues:
    def __init__(
        self,
        *,
        url: str = "https://gitlab.com",
        token: str = "",
        project: str = "",
        timeout: float = 10,
        ssl_verify: bool | str = True,
    ) -> None:
        self.gl = gitlab.Gitlab(
            url, private_token=token, timeout=timeout, ssl_verify=ssl_verify, retry_transient_errors=False
        )
        self.project_path = project

    def issue_upsert(
        self,
        *,
        ref: str,
        title: str,
        description: str,
        labels: list[str],
        issue_iid: int | None = None,
        idempotency_key: str,
    ) -> Receipt:
        marker = f"<!-- psdesk:{idempotency_key} -->"
        body = f"{description}\n\n{marker}"
        try:
            project = self.gl.projects.get(self.project_path, lazy=True)
            if issue_iid is None:
                found = project.issues.list(search=idempotency_key, get_all=False, obey_rate_limit=False)
                if found:
                    return Receipt(external_id=str(found[0].iid), duplicate=True)
                issue = project.issues.create(
                    {"title": title, "description": body, "labels": ",".join(labels)}, obey_rate_limit=False
                )
                return Receipt(external_id=str(issue.iid))
            project.issues.update(
                issue_iid, {"title": title, "description": body, "labels": ",".join(labels)}, obey_rate_limit=False
            )
            return Receipt(external_id=str(issue_iid))
        except GitlabError as exc:
            status = int(exc.response_code or 0)
            if status:
                raise error_from_status(status, str(exc.error_message), None, vendor="GitLab") from exc
            raise IntegrationError(f"GitLab: {exc}", permanent=False) from exc
        except requests.RequestException as exc:
            raise IntegrationError(f"GitLab unreachable: {exc}", permanent=False) from exc
