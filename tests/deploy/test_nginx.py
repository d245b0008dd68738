"""deploy/nginx: `nginx -t` accepts it (with a throwaway certificate), and it says what §6 and the
compose topology need: the 3 replicas, 50 MB bodies, timeouts above the longest bureau timeout, the
request id passed through."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from deploy_support import tool

from medical_insurance_sdk.registry.policy import PERFORMANCE_TARGETS

CONF = "conf.d/yibao.conf"


def stage_nginx(deploy_dir: Path, root: Path) -> Path:
    """nginx.conf + conf.d in `root`, /etc/nginx paths pointed there and the compose service names (which
    resolve only inside the compose network) pointed at local ports; returns the main file."""
    (root / "conf.d").mkdir(parents=True)
    (root / "ssl").mkdir()
    (root / "logs").mkdir()
    mime = Path("/etc/nginx/mime.types")
    if mime.exists():
        shutil.copy(mime, root / "mime.types")
    else:
        (root / "mime.types").write_text("types { application/json json; }\n")

    def local(text: str) -> str:
        text = text.replace("/etc/nginx/", f"{root}/").replace("/tmp/nginx.pid", f"{root}/nginx.pid")
        return re.sub(r"\bapi-(\d):8000\b", r"127.0.0.1:800\1", text)

    (root / "nginx.conf").write_text(local((deploy_dir / "nginx" / "nginx.conf").read_text()))
    (root / CONF).write_text(local((deploy_dir / "nginx" / CONF).read_text()))
    subprocess.run(
        [
            *(tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(root / "ssl" / "server.key")),
            *("-out", str(root / "ssl" / "server.crt")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return root / "nginx.conf"


def nginx_test(main: Path) -> subprocess.CompletedProcess[str]:
    root = main.parent
    return subprocess.run(
        [tool("nginx"), "-t", "-p", str(root), "-c", str(main), "-e", str(root / "logs" / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nginx_accepts_the_configuration(deploy_dir: Path, tmp_path: Path) -> None:
    result = nginx_test(stage_nginx(deploy_dir, tmp_path / "nginx"))
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_refuses_a_broken_configuration(deploy_dir: Path, tmp_path: Path) -> None:
    main = stage_nginx(deploy_dir, tmp_path / "nginx")
    conf = main.parent / CONF
    conf.write_text(conf.read_text().replace("client_max_body_size 50m;", "client_max_body_size 50m"))
    assert nginx_test(main).returncode != 0


def seconds(conf: str, directive: str) -> int:
    found = re.search(rf"^\s*{directive}\s+(\d+)s;", conf, re.M)
    assert found, directive
    return int(found.group(1))


def test_limits_and_timeouts_follow_the_spec(deploy_dir: Path) -> None:
    conf = (deploy_dir / "nginx" / CONF).read_text()
    assert re.search(r"^\s*client_max_body_size 50m;", conf, re.M)  # §6.2.2 request_body_max_size
    longest = max(p.timeout_s for p in PERFORMANCE_TARGETS.values())
    assert seconds(conf, "proxy_read_timeout") > longest
    assert seconds(conf, "proxy_send_timeout") > longest
    assert "proxy_set_header X-Request-ID $yibao_request_id;" in conf
    assert re.search(r"listen 443 ssl", conf) and "ssl_certificate " in conf


@pytest.mark.parametrize("service", ["api-1", "api-2", "api-3"])
def test_the_upstream_is_every_api_replica_of_compose(deploy_dir: Path, service: str) -> None:
    conf = (deploy_dir / "nginx" / CONF).read_text()
    compose = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text(encoding="utf-8"))
    assert service in compose["services"]
    upstream = conf.split("upstream yibao_api {", 1)[1].split("}", 1)[0]
    assert f"server {service}:8000 " in upstream
