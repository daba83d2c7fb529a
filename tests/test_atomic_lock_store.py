"""Two servers changing one conversation's lock at the same moment: with
Rasa's RedisLockStore one change undoes the other; here both land. Against a
real Redis (Debian's redis-server, started on a free loopback port)."""

import shutil
import socket
import subprocess
import time

import pytest
from rasa.core.lock_store import RedisLockStore

from stores.atomic_lock_store import AtomicRedisLockStore

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is installed by make test")


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait(10)


def interleaved(store_class, port, conversation):
    """Server A releases its ticket; in the middle of that, server B issues
    one for the next message of the same user."""
    a, b = store_class(host="127.0.0.1", port=port, db=3), store_class(host="127.0.0.1", port=port, db=3)
    first = a.issue_ticket(conversation)
    original_get = a.get_lock
    calls = []

    def get_then_other_server_writes(conversation_id):
        lock = original_get(conversation_id)
        if not calls:
            calls.append(b.issue_ticket(conversation_id))
        return lock

    a.get_lock = get_then_other_server_writes     # Rasa's store reads through get_lock
    original_get_raw = a.red.pipeline

    def pipeline_then_other_server_writes(*args, **kwargs):
        pipe = original_get_raw(*args, **kwargs)
        get = pipe.get

        def watched_get(key):
            value = get(key)
            if not calls:
                calls.append(b.issue_ticket(conversation))
            return value

        pipe.get = watched_get
        return pipe

    a.red.pipeline = pipeline_then_other_server_writes   # ours reads inside a transaction
    a.cleanup(conversation, first)
    lock = original_get(conversation)
    return calls[0], lock


def test_a_ticket_issued_while_another_is_released_survives(redis_port):
    ticket, lock = interleaved(AtomicRedisLockStore, redis_port, "atomic-user")
    assert lock is not None and not lock.is_locked(ticket)     # B's ticket is there and its turn


def test_rasas_own_store_loses_it_which_is_why_ours_exists(redis_port):
    ticket, lock = interleaved(RedisLockStore, redis_port, "rasa-user")
    assert lock is None          # B's ticket was deleted with A's: B waits for nothing, or errs
