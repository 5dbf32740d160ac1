"""Test receiver: aiosmtpd that saves each message byte-for-byte.

usage: aiosmtpd_sink.py HOST PORT OUTDIR
Recipients starting with "reject" get 550 5.1.1, with "later" 451 4.2.0. Each accepted
message is written as OUTDIR/NNNNN.eml (the DATA bytes after dot-unstuffing) plus
NNNNN.json (envelope) before the 250 is sent. Prints "ready" once listening; exits when
stdin closes.
"""
import json
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        if address.startswith("later"):
            return "451 4.2.0 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, "%05d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "from": envelope.mail_from,
                    "rcpts": envelope.rcpt_tos,
                    "peer_port": session.peer[1],
                },
                f,
            )
        return "250 2.0.0 Ok: queued as PY%d" % self.count


def main():
    host, port, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    controller = Controller(Handler(outdir), hostname=host, port=port, decode_data=False)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
