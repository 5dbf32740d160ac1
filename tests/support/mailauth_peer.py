"""Independent mail-authentication implementations for the verification tests:
dkimpy (DKIM and ARC signing) and pyspf (SPF), all asking only the loopback test DNS.

  keygen rsa|ed25519 KEYFILE          write a private key, print the DKIM TXT value
  sign DOMAIN SELECTOR KEYFILE        DKIM-sign stdin (rsa-sha256 or ed25519-sha256 by key)
  arc DOMAIN SELECTOR KEYFILE SRVID   add an ARC set to stdin, which must carry an
                                      Authentication-Results header from SRVID
  spf DNSPORT                         for each "ip sender helo" line on stdin, print pyspf's
                                      check2 result
"""
import base64
import subprocess
import sys

import dkim


def keygen(kind, path):
    if kind == "rsa":
        subprocess.run(
            ["openssl", "genrsa", "-traditional", "-out", path, "2048"],
            check=True,
            capture_output=True,
        )
        der = subprocess.run(
            ["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"],
            check=True,
            capture_output=True,
        ).stdout
        print("v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())
    else:
        import nacl.signing

        key = nacl.signing.SigningKey.generate()
        with open(path, "wb") as f:
            f.write(base64.b64encode(bytes(key)))
        public = base64.b64encode(bytes(key.verify_key)).decode()
        print("v=DKIM1; k=ed25519; p=" + public)


def read_key(path):
    with open(path, "rb") as f:
        return f.read()


def algorithm(key):
    return b"rsa-sha256" if key.startswith(b"-----") else b"ed25519-sha256"


def sign(domain, selector, path):
    message = sys.stdin.buffer.read()
    key = read_key(path)
    signature = dkim.sign(
        message,
        selector.encode(),
        domain.encode(),
        key,
        signature_algorithm=algorithm(key),
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    sys.stdout.buffer.write(signature + message)


def arc(domain, selector, path, srv_id):
    message = sys.stdin.buffer.read()
    headers = dkim.arc_sign(
        message,
        selector.encode(),
        domain.encode(),
        read_key(path),
        srv_id.encode(),
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    sys.stdout.buffer.write(b"".join(headers) + message)


def spf(port):
    import dns.resolver
    import spf as pyspf

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = int(port)
    resolver.lifetime = 3
    dns.resolver.default_resolver = resolver
    for line in sys.stdin:
        ip, sender, helo = line.split()
        sender = "" if sender == "<>" else sender
        result, _ = pyspf.check2(i=ip, s=sender, h=helo, timeout=3)
        print(result, flush=True)


command, args = sys.argv[1], sys.argv[2:]
{"keygen": keygen, "sign": sign, "arc": arc, "spf": spf}[command](*args)
