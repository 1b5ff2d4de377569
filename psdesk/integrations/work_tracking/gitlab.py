"""GitLab issues mirror through python-gitlab.

Creates the scoping issue in `project` (e.g. "ww-consulting/ps-plan") with the SSOT table as
description and the `proposal::` scoped labels, and keeps labels in sync from our side. GitLab has no
idempotency key, so our `ref` (e.g. "engagement-7") is written into the description as a hidden
marker and an upsert without `issue_iid` first searches for it: a redelivery after a crash, or a
label update queued before the create was delivered, finds the issue instead of opening a second.
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
        marker = f"psdesk:ref={ref}"
        data = {"title": title, "description": f"{description}\n\n<!-- {marker} -->", "labels": ",".join(labels)}
        try:
            project = self.gl.projects.get(self.project_path, lazy=True)
            duplicate = False
            if issue_iid is None:
                found = project.issues.list(search=marker, get_all=False, obey_rate_limit=False)
                if not found:
                    issue = project.issues.create(data, obey_rate_limit=False)
                    return Receipt(external_id=str(issue.iid))
                issue_iid, duplicate = int(found[0].iid), True
            project.issues.update(issue_iid, data, obey_rate_limit=False)
            return Receipt(external_id=str(issue_iid), duplicate=duplicate)
        except GitlabError as exc:
            status = int(exc.response_code or 0)
            if status:
                raise error_from_status(status, str(exc.error_message), None, vendor="GitLab") from exc
            raise IntegrationError(f"GitLab: {exc}", permanent=False) from exc
        except requests.RequestException as exc:
            raise IntegrationError(f"GitLab unreachable: {exc}", permanent=False) from exc
