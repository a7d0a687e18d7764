"""A real IMAP server on loopback for tests: Debian's Dovecot, started with its own configuration
in a temporary directory on a free port, and the pytest fixture (a plugin: tests/conftest.py
registers it for every test).

    def test_something(imap_server):
        imap_server.deliver(raw_bytes)          # APPEND to INBOX
        ...                                     # settings point CONSONANCE_IMAP_* at it

The mailbox has INBOX, Sent (\\Sent) and Trash (\\Trash) with SPECIAL-USE flags; Dovecot speaks
MOVE, UIDPLUS and SPECIAL-USE. Runs unprivileged; when the suite runs as root, the mail
processes run as Debian's `dovecot` user (Dovecot refuses mail access as uid 0).
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "coach@example.se"
PASSWORD = "imap-test-password"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:{base}/mail/%u
mail_plugins =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="consonance-dovecot-"))
        self.process: subprocess.Popen | None = None

    def _users(self) -> tuple[str, str, str, int, int]:
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovecot")
            return "dovecot", "dovecot", "dovenull", mail.pw_uid, mail.pw_gid
        me = pwd.getpwuid(os.geteuid())
        group = me.pw_name
        return me.pw_name, group, me.pw_name, me.pw_uid, me.pw_gid

    def start(self) -> None:
        internal, group, login, uid, gid = self._users()
        try:
            import grp

            group = grp.getgrgid(gid).gr_name
        except KeyError:
            pass
        for sub in ("run", "state", "mail", "home"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        config = self.dir / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                base=self.dir,
                port=self.port,
                internal=internal,
                internal_group=group,
                login=login,
                uid=uid,
                gid=gid,
            )
        )
        if os.geteuid() == 0:
            for path in (self.dir / "mail", self.dir / "home"):
                os.chown(path, uid, gid)
            os.chmod(self.dir, 0o755)
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw)

    def count(self, folder: str) -> int:
        with self.client() as client:
            return client.select_folder(folder, readonly=True)[b"EXISTS"]

    def messages(self, folder: str) -> list[bytes]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [fetched[uid][b"BODY[]"] for uid in sorted(fetched)]

    def empty(self, folder: str) -> None:
        with self.client() as client:
            client.select_folder(folder)
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids)
                client.uid_expunge(uids)


_SERVER: Dovecot | None = None


def _dovecot() -> Dovecot:
    """One Dovecot per test process, started on first use and stopped when the process ends."""
    global _SERVER
    if not Path(DOVECOT).exists():
        pytest.fail("Dovecot is not installed: apt-get install dovecot-imapd (make test does)")
    if _SERVER is None:
        _SERVER = Dovecot()
        _SERVER.start()
        atexit.register(_SERVER.stop)
    return _SERVER


@pytest.fixture
def imap_server(settings):
    """Dovecot on loopback with an empty mailbox; the site's IMAP settings point at it."""
    server = _dovecot()
    for folder in ("INBOX", "Sent", "Trash"):
        server.empty(folder)
    with server.client() as client:
        # The deepest first ("Consonance/För stora" before "Consonance"); a parent that exists
        # only by its children's names (\\Noselect) goes with them.
        for flags, _sep, folder in sorted(client.list_folders(), key=lambda f: -len(f[2])):
            if folder not in ("INBOX", "Sent", "Trash") and b"\\Noselect" not in flags:
                client.delete_folder(folder)
    settings.CONSONANCE_IMAP_HOST = "127.0.0.1"
    settings.CONSONANCE_IMAP_PORT = server.port
    settings.CONSONANCE_IMAP_USER = USER
    settings.CONSONANCE_IMAP_PASSWORD = PASSWORD
    settings.CONSONANCE_IMAP_SECURITY = "none"
    settings.CONSONANCE_IMAP_FOLDERS = {}
    return server
