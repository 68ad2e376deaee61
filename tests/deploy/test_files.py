"""The deployment files in deploy/ as the tools that read them see them: `nginx -t` with the
site, `systemd-analyze verify` with the units (paths pointed at this checkout)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"
INSTALLED = "/srv/hotline1022"


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx missing: `make test` installs Debian's nginx-light")
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        f"    access_log {tmp_path}/access.log;\n"
        f"    include {DEPLOY / 'nginx' / 'hotline1022.conf'};\n"
        "}\n"
    )
    run = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    assert b"test is successful" in run.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {u.name for u in units} >= {"hotline1022-web.service", "hotline1022-worker@.service"}
    for unit in units:
        # the checkout stands in for /srv/hotline1022 (the programs must exist to verify)
        text = unit.read_text().replace(INSTALLED, str(settings.BASE_DIR))
        (tmp_path / unit.name).write_text(text)
    names = [str(tmp_path / u.name) for u in units]
    names = [n.replace("@.service", "@1.service") for n in names]
    for unit in units:
        if unit.name.endswith("@.service"):
            shutil.copy(tmp_path / unit.name, tmp_path / unit.name.replace("@.", "@1."))
    run = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, cwd=tmp_path
    )
    problems = [
        line
        for line in run.stderr.splitlines()
        if str(tmp_path) in line and "EnvironmentFile" not in line
    ]
    assert run.returncode == 0 and not problems, run.stderr
