"""PSDESK_LOG_FORMAT=json: every log line is one JSON object with time, level, logger, message and
the request id; text stays the default."""

from __future__ import annotations

import json

import pytest

from psdesk.ops.logs import logging_config
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
    out = run_python(_LOG, env=child_env())
    last = out.stderr.strip().splitlines()[-1]
    assert "WARNING psdesk.test [rid-42] sweep took 12 ms" in last
    with pytest.raises(json.JSONDecodeError):
        json.loads(last)


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(RuntimeError, match="PSDESK_LOG_FORMAT"):
        logging_config(fmt="xml", level="INFO")
