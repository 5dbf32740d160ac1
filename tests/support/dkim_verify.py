"""Verify the DKIM signatures of the message on stdin with dkimpy, asking the loopback test
DNS server at 127.0.0.1:PORT (argv[1]) for the keys. Prints pass or fail."""
import sys

import dkim
import dns.resolver

resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ["127.0.0.1"]
resolver.port = int(sys.argv[1])


def dnsfunc(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    answer = resolver.resolve(name, "TXT", lifetime=timeout)
    return b"".join(b"".join(record.strings) for record in answer)


message = sys.stdin.buffer.read()
print("pass" if dkim.verify(message, dnsfunc=dnsfunc) else "fail")
