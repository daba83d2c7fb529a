"""Personal data over its time: `purge` deletes conversations and tickets
older than WALLET_RETENTION_DAYS (default 180); `export SENDER` prints all
that is kept about one conversation id as JSON; `forget SENDER` exports it
to var/exports/ and then deletes it everywhere.

The tracker store is read from the endpoints file (default endpoints.yml,
with its ${VARIABLES} filled from the environment), the desk from
WALLET_DESK_DB / WALLET_DESK_DB_URL, as the servers do.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk import retention  # noqa: E402


def tracker_url(endpoints: str) -> Optional[str]:
    os.environ.setdefault("WALLET_TRACKER_DB", str(ROOT / "var" / "conversations.db"))
    os.environ.setdefault("WALLET_ACTION_URL", "http://127.0.0.1:5055/webhook")
    os.environ.setdefault("WALLET_ACTION_SECRET", "-")
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(endpoints, "tracker_store")
    if config is None:
        return None
    kwargs = config.kwargs
    return str(SQLTrackerStore.get_db_url(kwargs.get("dialect", "sqlite"), config.url, kwargs.get("port"),
                                          kwargs.get("db", "rasa.db"), kwargs.get("username"),
                                          kwargs.get("password"), kwargs.get("login_db"), kwargs.get("query")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["purge", "export", "forget"])
    parser.add_argument("sender", nargs="?")
    parser.add_argument("--days", type=int)
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"))
    args = parser.parse_args()
    url = tracker_url(args.endpoints)
    if args.command == "purge":
        counts = retention.purge(url, args.days)
        print(f"purged data older than {args.days or retention.retention_days()} days: {json.dumps(counts)}")
        return
    if not args.sender:
        sys.exit(f"{args.command} needs a conversation id: make {args.command} SENDER=...")
    data = retention.export(url, args.sender)
    if args.command == "export":
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    exports = ROOT / "var" / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in args.sender)[:80]
    target = exports / f"{safe}-{int(time.time())}.json"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
    counts = retention.forget(url, args.sender)
    print(f"exported to {target.relative_to(ROOT)}; deleted: {json.dumps(counts)}")


if __name__ == "__main__":
    main()
