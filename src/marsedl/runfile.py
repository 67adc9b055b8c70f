"""The saved-run file: a nominal run's time histories as a Parquet table, with everything else in its metadata.

``marsedl simulate --out run.parquet`` (and ``SimulationResult.save``) write one Parquet file: the rows are the
time histories of every body (the columns of ``SimulationResult.to_dataframe()``, readable by any Parquet tool),
and the file-level key-value metadata holds, under the key :data:`META_KEY`, one JSON document with the rest of
the run — timeline, peaks, impacts, touchdown, outcome, inputs (the resolved preset, overrides, atmosphere),
the marsedl version and the format version (:data:`FORMAT`). One file, so the histories and the story can never
part or drift apart.

CSV output stays time histories only: a CSV has no place for a document that its readers (spreadsheets,
``pandas.read_csv``) would not trip over, and a sidecar file could be separated from it or left stale when the
CSV is edited; a run to reuse is saved as Parquet.

This module knows the file, not the result: it writes and reads a (table, document) pair, atomically, and turns
every way a file can be wrong (missing, empty, cut short, garbage, someone else's Parquet, a newer format) into a
one-line :class:`MarsEDLError` naming the file.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from marsedl.errors import MarsEDLError

__all__ = ["FORMAT", "META_KEY", "SUFFIX", "read_run", "write_csv", "write_run"]

#: Version of the saved-run document; a reader refuses a file of a newer format (it may hold what it cannot read).
FORMAT = 1
#: Key of the run document in the Parquet file's key-value metadata.
META_KEY = b"marsedl.run"
#: The one file type that holds a whole run.
SUFFIX = ".parquet"

_HINT = "save a run with `marsedl simulate PRESET --out run.parquet`"


def write_run(path: str | Path, frame: Any, document: dict[str, Any]) -> Path:
    """Write ``frame`` (a pandas DataFrame) with ``document`` in the file's metadata, atomically.

    The document is stamped with :data:`FORMAT`; pages carry checksums, so a byte changed later is found on
    reading. Raises a one-line :class:`MarsEDLError` when the file cannot be written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    doc = {**document, "format": FORMAT}
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           META_KEY: json.dumps(doc).encode("utf-8")})
    return _atomically(Path(path), lambda tmp: pq.write_table(table, tmp, write_page_checksum=True))


def write_csv(path: str | Path, frame: Any) -> Path:
    """Write the time histories alone as CSV, atomically (see the module's note on why CSV holds no more)."""
    return _atomically(Path(path), lambda tmp: frame.to_csv(tmp, index=False))


def _atomically(path: Path, write: Any) -> Path:
    """``write(tmp)`` to a temporary name in the same folder, then rename it into place: the file appears whole
    or not at all (a reader never sees half a file, and an existing file is kept when writing fails)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # (no temporary to remove when its folder could not be made)
            tmp.unlink(missing_ok=True)
        raise MarsEDLError(f"'{path}' cannot be written: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_run(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """The time histories (a pandas DataFrame) and the run document of a saved run.

    Raises
    ------
    MarsEDLError
        One line naming the file: it does not exist or cannot be read, is CSV (histories only), is not Parquet
        (empty, cut short, garbage), is a Parquet file marsedl did not save, holds a damaged document, or was
        saved in a newer format than this marsedl reads.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a run folder of marsedl montecarlo" if path.is_dir() else "does not exist"
        raise MarsEDLError(f"'{path}' {what}")
    if path.suffix.lower() == ".csv":
        raise MarsEDLError(f"'{path}' is a CSV file: it holds time histories only, not a run to reuse; "
                           f"save the run as .parquet (`marsedl simulate PRESET --out run.parquet`)")
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise MarsEDLError(f"'{path}' is not a readable Parquet file ({_first_line(exc)}); {_HINT}") from None
    raw = meta.get(META_KEY)
    if raw is None:
        raise MarsEDLError(f"'{path}' is a Parquet file but not a run saved by marsedl (it has no marsedl run "
                           f"record); {_HINT}")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MarsEDLError(f"'{path}': its marsedl run record is damaged ({_first_line(exc)})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("format"), int) or isinstance(doc["format"], bool):
        raise MarsEDLError(f"'{path}': its marsedl run record is damaged (no format version)")
    if doc["format"] > FORMAT:
        from marsedl import __version__

        raise MarsEDLError(f"'{path}' was saved by marsedl {doc.get('marsedl_version', '?')} in run-file format "
                           f"{doc['format']}; this marsedl ({__version__}) reads format {FORMAT} and older: "
                           f"update marsedl to read it")
    try:
        frame = pq.read_table(path, page_checksum_verification=True).to_pandas()
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise MarsEDLError(f"'{path}': its time histories cannot be read ({_first_line(exc)}); the file is "
                           f"damaged") from None
    return frame, doc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
