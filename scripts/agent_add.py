"""Creates (or resets) an agent console account: make agent-add NAME=li ROLE=supervisor

The password is asked twice on the terminal, or read from AGENT_PASSWORD
(for automation). Only an Argon2id hash is stored."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.accounts import ROLES, Accounts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name")
    parser.add_argument("--role", default="agent", choices=ROLES)
    parser.add_argument("--display-name", help="shown to users, e.g. 小王 (default: the name)")
    args = parser.parse_args()
    password = os.environ.get("AGENT_PASSWORD")
    if not password:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Again: "):
            sys.exit("The two passwords differ.")
    try:
        Accounts().add_agent(args.name, password, args.display_name, args.role)
    except ValueError as error:
        sys.exit(str(error))
    print(f"Agent account {args.name} ({args.role}) is ready.")


if __name__ == "__main__":
    main()
