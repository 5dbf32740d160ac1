"""Bench peer: aiosmtpd storing every message in SQLite (WAL, synchronous=FULL), committed
before the 250, as postie stores it. Usage: aiosmtpd_sqlite.py PORT DB_PATH; prints
"ready" once it listens and runs until killed."""

import sqlite3
import sys
import threading

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, mail_from TEXT,"
            " rcpt_to TEXT, peer TEXT, raw BLOB)"
        )

    async def handle_DATA(self, server, session, envelope):
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "INSERT INTO messages (mail_from, rcpt_to, peer, raw) VALUES (?, ?, ?, ?)",
            (
                envelope.mail_from,
                "\n".join(envelope.rcpt_tos),
                str(session.peer),
                envelope.original_content,
            ),
        )
        self.db.execute("COMMIT")
        return "250 2.0.0 Ok: stored"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(
        Store(path),
        hostname="127.0.0.1",
        port=port,
        server_hostname="aiosmtpd.bench.test",
        data_size_limit=10 * 1024 * 1024,
    )
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
