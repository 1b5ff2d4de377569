"""PSDESK_LOG_FORMAT=json: every log line is one JSON object with time, level, logger, message and
the request id; text stays the default."""

from __future__ import annotations

import json
import logging

import pytest

from psdesk.core.middleware import request_id_var
from psdesk.ops.logs import RequestIdFilter, logging_config
from psdesk.ops.tests.conftest import child_env, run_python

_LOG = """
import logging
from psdesk.core.middleware import request_id_var
request_id_var.set("rid-42")
logging.getLogger("psdesk.test").warning("sweep took %s ms", 12)
"""


def test_json_log_lines_parse_and_carry_the_request_id() -> None:
    out = run_python(_LOG, env=child_env(PSDESK_LOG_FORMAT="json"))
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "psdesk.test"
    assert line["message"] == "sweep took 12 ms"
    assert line["request_id"] == "rid-42"
    assert line["time"].startswith("20")
    assert isinstance(line["pid"], int)


def test_text_logs_are_the_default() -> None:
    cfg = logging_config(fmt="text", level="INFO")
    record = logging.LogRecord("psdesk.test", logging.WARNING, __file__, 1, "sweep took %s ms", (12,), None)
    token = request_id_var.set("rid-42")
    try:
        assert RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = logging.Formatter(cfg["formatters"]["main"]["format"]).format(record)
    assert line.endswith("WARNING psdesk.test [rid-42] sweep took 12 ms")


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(RuntimeError, match="PSDESK_LOG_FORMAT"):
        logging_config(fmt="xml", level="INFO")
