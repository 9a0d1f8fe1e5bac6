"""A real SMTP server for the mail tests (server/tests/it/smtp_server.rs starts and stops it).

    smtp_sink.py serve HOST:PORT DIR [--login USER PASSWORD] [--refuse-recipient TEXT]
                                     [--starttls CERT KEY | --tls CERT KEY]
        aiosmtpd on HOST:PORT. Each accepted mail becomes DIR/<n>.json: the envelope, the
        headers and the text and HTML parts as Python's email package reads them, and the raw
        message. With --login, AUTH is offered (even over plain loopback) and required.
        Recipients containing TEXT are refused with 550, as a server refuses an unknown
        mailbox. --starttls offers and requires STARTTLS; --tls speaks TLS from the first byte.
    smtp_sink.py parse FILE
        Prints the same JSON for a message file (the demo's .eml files).
"""

import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def describe(raw: bytes) -> dict:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "subject": message["Subject"],
        "message_id": message["Message-ID"],
        "from": message["From"],
        "to": message["To"],
        "date": message["Date"],
        "content_type": message.get_content_type(),
        "text": text.get_content().replace("\r\n", "\n") if text is not None else None,
        "html": html.get_content().replace("\r\n", "\n") if html is not None else None,
        "raw": raw.decode("utf-8", "replace"),
    }


class Sink:
    def __init__(self, directory: str, refuse: str | None):
        self.directory = directory
        self.refuse = refuse
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse in address:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        record = describe(envelope.original_content)
        record["mail_from"] = envelope.mail_from
        record["rcpt_tos"] = envelope.rcpt_tos
        record["login"] = (
            session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None
        )
        path = os.path.join(self.directory, f"{self.count:06}.json")
        # Written aside and renamed, so the test never reads half a record.
        with open(path + ".tmp", "w") as out:
            json.dump(record, out)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 Accepted"


def serve(listen: str, directory: str, options: list[str]) -> None:
    host, port = listen.rsplit(":", 1)
    login = None
    refuse = None
    tls = None
    while options:
        flag = options.pop(0)
        if flag == "--login":
            login = (options.pop(0).encode(), options.pop(0).encode())
        elif flag == "--refuse-recipient":
            refuse = options.pop(0)
        elif flag in ("--starttls", "--tls"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(options.pop(0), options.pop(0))
            tls = (flag, context)
        else:
            sys.exit(f"unknown option {flag}")
    handler = Sink(directory, refuse)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == login
        # handled=False: aiosmtpd itself answers a refused login (535).
        return AuthResult(success=ok, handled=ok, auth_data=auth_data if ok else None)

    def protocol():
        options = {}
        if login is not None:
            options.update(authenticator=authenticator, auth_required=True, auth_require_tls=False)
        if tls is not None and tls[0] == "--starttls":
            options.update(tls_context=tls[1], require_starttls=True)
        return SMTP(handler, **options)

    implicit = tls[1] if tls is not None and tls[0] == "--tls" else None

    # Plain AUTH is what the test wants: loopback only, throwaway credentials.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(protocol, host, int(port), ssl=implicit))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 3 and sys.argv[1] == "parse":
        with open(sys.argv[2], "rb") as f:
            json.dump(describe(f.read()), sys.stdout)
    else:
        sys.exit(__doc__)
