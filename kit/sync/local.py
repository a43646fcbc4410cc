"""What the sender reads and writes on this computer: the learner's log (read-only, never
changed) and the side file of acknowledged record ids (an optimisation only)."""
from __future__ import annotations

import json
import os
from pathlib import Path

STATE_FORMAT = "casebook-kit-sync-state"
#: The service takes at most 5,000 records and 2 MB per request; the sender stays below.
MAX_BATCH = 5000
MAX_BATCH_BYTES = 1_500_000


def batches(todo):
    batch, size = [], 0
    for rid, rec in todo:
        n = len(json.dumps(rec, ensure_ascii=False).encode("utf-8")) + 2
        if batch and (len(batch) >= MAX_BATCH or size + n > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((rid, rec))
        size += n
    if batch:
        yield batch


def normalise(line: bytes):
    """A log line as the service receives it: parsed, checked and written back as the kit
    writes it (so a record read back from the file has the same id), or None."""
    from ..decisions.checks import Bad
    from ..decisions.formats import parse_line, parse_record, record_line
    try:
        return json.loads(record_line(parse_record(parse_line(line.rstrip(b"\r\n")))))
    except (Bad, ValueError, KeyError):
        return None


def read_records(path: Path, learner: str):
    """Every complete record in the log at ``path`` (read-only; nothing is changed), or []
    when the file is missing, unreadable or another learner's."""
    from ..decisions import files
    from ..decisions.checks import same_name
    from ..decisions.formats import parse_log, record_line
    from ..decisions.log import MAX_LOG_BYTES
    try:
        fd = os.open(path, os.O_RDONLY | files.NOFOLLOW | getattr(os, "O_BINARY", 0))
    except OSError:
        return []
    try:
        raw = files.read_all(fd, MAX_LOG_BYTES)
        parsed = parse_log(raw)
    except Exception:  # noqa: BLE001 - the log itself tells the learner what is wrong
        return []
    finally:
        os.close(fd)
    if parsed.header is not None and not same_name(parsed.header["learner"], learner):
        return []
    return [json.loads(record_line(r)) for _, r in parsed.records]


def state_path(log_path) -> Path:
    """The side file remembering what the service acknowledged: ``.<log name>.sent``."""
    p = Path(log_path)
    return p.with_name(f".{p.name}.sent")


def read_state(log_path, svc) -> set:
    try:
        doc = json.loads(state_path(log_path).read_bytes()[:20_000_000].decode("utf-8"))
        if (isinstance(doc, dict) and doc.get("format") == STATE_FORMAT
                and doc.get("service") == svc.url and doc.get("learner") == svc.user
                and isinstance(doc.get("ids"), list)):
            return {i for i in doc["ids"] if isinstance(i, str) and len(i) == 64}
    except (OSError, ValueError):
        pass
    return set()        # lost or damaged: everything is sent again (the service dedups)


def write_state(log_path, svc, ids) -> None:
    from ..decisions import files
    doc = {"format": STATE_FORMAT, "version": 1, "service": svc.url, "learner": svc.user,
           "ids": sorted(ids)}
    try:
        files.atomic_write(state_path(log_path), json.dumps(doc).encode("utf-8"))
    except OSError:
        pass            # only an optimisation: the next start re-sends, the service dedups
