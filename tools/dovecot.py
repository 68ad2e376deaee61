"""Start Dovecot (Debian's dovecot-imapd) as a throwaway IMAP server on 127.0.0.1.

Used by the mailbox tests (tests/mailbox/) and the mail benchmark: a server on a free port with
its own configuration, Maildir store and passwd-file users in a temporary directory, plaintext
IMAP on loopback only (ssl = no). It runs in the foreground of its own process group and is
stopped when this process exits, or by `stop()`.

    python -m tools.dovecot            # runs in the foreground, prints its port
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.pgcluster import free_port

BINARY = os.environ.get("DOVECOT", "/usr/sbin/dovecot")

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
imap_max_line_length = 1M
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
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
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Processed {{
    auto = create
  }}
}}
"""


@dataclass
class Dovecot:
    port: int
    directory: Path
    proc: subprocess.Popen[bytes]
    users: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _mail_owner() -> pwd.struct_passwd:
    """The OS user that owns the mail: ourselves, or `dovenull`'s sibling `mail` as root (Dovecot
    refuses mail access as root)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    return pwd.getpwnam("mail")


def start(users: dict[str, str] | None = None, extra: str = "") -> Dovecot:
    """A Dovecot on a free port with `users` (name → password; default one `hotline`) and `extra`
    configuration lines (e.g. an `imap_capability` list to play an older server)."""
    if not Path(BINARY).exists():
        raise RuntimeError(f"{BINARY} missing: `make test` installs Debian's dovecot-imapd")
    users = users or {"hotline": "secret"}
    directory = Path(tempfile.mkdtemp(prefix="hotline1022-dovecot-"))
    os.chmod(directory, 0o755)
    owner = _mail_owner()
    for sub in ("run", "state", "mail", "home"):
        (directory / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(directory / sub, owner.pw_uid, owner.pw_gid)
    if os.geteuid() == 0:  # the mail owner must be able to reach the directory
        for parent in directory.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
    (directory / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    port = free_port()
    me = pwd.getpwuid(os.geteuid()).pw_name
    root = os.geteuid() == 0
    conf = directory / "dovecot.conf"
    conf.write_text(
        CONFIG.format(
            dir=directory,
            port=port,
            uid=owner.pw_uid,
            gid=owner.pw_gid,
            login_user="dovenull" if root else me,
            internal_user="dovecot" if root else me,
            internal_group="dovecot" if root else pwd.getpwuid(os.geteuid()).pw_name,
        )
        + extra
    )
    proc = subprocess.Popen(
        [BINARY, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    server = Dovecot(port, directory, proc, dict(users))
    atexit.register(server.stop)
    _wait_until_listening(server)
    return server


def _wait_until_listening(server: Dovecot) -> None:
    for _ in range(100):
        if server.proc.poll() is not None:
            err = server.proc.stderr.read().decode() if server.proc.stderr else ""
            log = server.directory / "dovecot.log"
            raise RuntimeError(f"dovecot exited: {err} {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=2) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot on port {server.port} did not answer")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that atexit stops the server
    running = start()
    print(running.port, flush=True)
    running.proc.wait()
