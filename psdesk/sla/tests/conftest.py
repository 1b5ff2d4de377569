from psdesk.integrations.tests.conftest import smtp_server  # noqa: F401 — the real SMTP capture (aiosmtpd)
