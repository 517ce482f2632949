"""The school's nginx on its own (deploy/nginx.py): stickiness, failover and HTTPS, in front of
two tiny HTTP servers that echo what reached them. Fast; the whole school is tests/test_school.py.
Skipped where nginx (or, for HTTPS, openssl) is missing."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy import nginx
from deploy.children import Child, wait_http
from deploy.school import free_port

pytestmark = pytest.mark.skipif(nginx.find_nginx() is None, reason="nginx is not installed")


class Echo:
    """An HTTP server on 127.0.0.1 that answers every GET with the headers it was sent."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(dict(self.headers)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_proxy(plan: nginx.ProxyPlan) -> Child:
    binary = nginx.find_nginx()
    nginx.write_config(plan)
    nginx.check_config(plan, binary)
    proxy = Child("nginx", nginx.command(plan, binary), plan.prefix / "logs" / "nginx.log")
    proxy.start()
    scheme = "https" if plan.tls else "http"
    wait_http(f"{scheme}://127.0.0.1:{plan.port}/", proxy, time.monotonic() + 20, verify=False)
    return proxy


@pytest.fixture
def echoes() -> Iterator[list[Echo]]:
    servers = [Echo(), Echo()]
    yield servers
    for server in servers:
        server.close()


@pytest.fixture
def proxied(echoes: list[Echo], tmp_path: Path) -> Iterator[str]:
    ports = tuple(e.port for e in echoes)
    plan = nginx.ProxyPlan("127.0.0.1", free_port(), ports, tmp_path / "nginx")
    proxy = start_proxy(plan)
    yield f"http://127.0.0.1:{plan.port}/"
    proxy.signal_stop()
    proxy.wait_stopped()


def get(url: str, route: str = "") -> httpx.Response:
    return httpx.get(url, cookies={nginx.COOKIE: route} if route else {}, trust_env=False)


def test_new_browsers_are_spread_and_each_stays_where_it_landed(proxied: str) -> None:
    first = [get(proxied).cookies[nginx.COOKIE] for _ in range(4)]
    assert sorted(first) == ["r1", "r1", "r2", "r2"]  # round-robin, whoever comes first
    for route in ("r1", "r2"):
        for _ in range(3):
            answer = get(proxied, route)
            assert answer.headers[nginx.REPLICA_HEADER] == route
            assert answer.cookies[nginx.COOKIE] == route


def test_a_dead_replica_s_browsers_move_and_stay_moved(proxied: str, echoes: list[Echo]) -> None:
    echoes[0].close()
    answer = get(proxied, "r1")
    assert answer.status_code == 200
    assert (answer.headers[nginx.REPLICA_HEADER], answer.cookies[nginx.COOKIE]) == ("r2", "r2")
    assert get(proxied).cookies[nginx.COOKIE] == "r2"  # a new browser too


def test_the_replica_hears_who_asked_and_where(proxied: str) -> None:
    sent = get(proxied).json()
    port = proxied.rsplit(":", 1)[1].rstrip("/")
    assert sent["Host"] == sent["X-Forwarded-Host"] == f"127.0.0.1:{port}"
    assert (sent["X-Forwarded-Proto"], sent["X-Forwarded-For"]) == ("http", "127.0.0.1")


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_configuration_holds_for_any_number_of_replicas(tmp_path: Path, replicas: int) -> None:
    plan = nginx.ProxyPlan("0.0.0.0", 8080, tuple(range(9001, 9001 + replicas)), tmp_path)
    nginx.write_config(plan)
    nginx.check_config(plan, nginx.find_nginx())
    text = plan.config_path.read_text()
    assert text.count(" backup;") == replicas * (replicas - 1)
    assert "ip_hash" not in text and "proxy_buffering off;" in text


def test_https_with_a_secure_cookie(echoes: list[Echo], tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=school.example", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    ports = tuple(e.port for e in echoes)
    plan = nginx.ProxyPlan("127.0.0.1", free_port(), ports, tmp_path / "nginx", cert, key)
    proxy = start_proxy(plan)
    try:
        answer = httpx.get(f"https://127.0.0.1:{plan.port}/", verify=False, trust_env=False)
    finally:
        proxy.signal_stop()
        proxy.wait_stopped()
    assert answer.json()["X-Forwarded-Proto"] == "https"
    assert "; Secure" in answer.headers["set-cookie"]
