"""No patient identifiers in log lines, whatever logs them.

PostgreSQL's error DETAIL repeats the offending row's values ("Failing row contains (…, Paula,
Reyes, 1987-04-09, …)", "Key (email)=(…) already exists"), and psycopg2 puts it into the
exception's text. A logged exception — a 500 (`django.request`), a failed task (Celery's "raised
unexpected"), `log.exception(…)` in a sweep — would write it out. A log record factory, installed
in every process that loads Django (web and worker), cuts every DETAIL from a record's message
and traceback as the record is made, before any handler or formatter sees it."""

import logging
import re
from collections.abc import Mapping

# Up to the end of the line, or of the escaped line inside a repr ("…\\nDETAIL:  …\\n").
_DETAIL = re.compile(r"DETAIL:(?:(?!\\n)[^\n])*")
LEFT_OUT = "DETAIL: (left out of the log: it repeats the row's values)"
_formatter = logging.Formatter()


def redact(text: str) -> str:
    return _DETAIL.sub(LEFT_OUT, text)


def _texts(record: logging.LogRecord):
    if isinstance(record.msg, str):
        yield record.msg
    args = record.args.values() if isinstance(record.args, Mapping) else record.args or ()
    for arg in args:
        if isinstance(arg, str | BaseException):
            yield str(arg)


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(_formatter.formatException(record.exc_info))
    if any("DETAIL:" in text for text in _texts(record)):
        record.msg, record.args = redact(record.getMessage()), None
    return record


def install() -> None:
    """Wrap the current log record factory once (`KapClinicConfig.ready`)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "scrubs_database_detail", False):
        return

    def factory(*args, **kwargs):
        return _scrub(current(*args, **kwargs))

    factory.scrubs_database_detail = True
    logging.setLogRecordFactory(factory)
