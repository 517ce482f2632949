"""The reverse proxy in front of the app replicas: Debian's nginx, configured from here.

Every browser stays on one replica, because its Gradio session (the round on screen, the class it
joined in this tab) lives in that replica's memory. nginx OSS has no `sticky` directive, so a
cookie does it: nginx names the replica that answered in `sagdet_route` (a session cookie, set on
every answer), and a request that carries it goes to that replica's own upstream group, where the
other replicas are backups. A browser without the cookie goes round-robin to any replica.

Why not `ip_hash`: a school's students reach the server from one public address (or one NAT), so
`ip_hash` would send a whole class to one replica. Why not `hash $cookie consistent`: when a
replica dies, a hash moves its browsers to another one, but moves them back when it restarts,
and they lose their Gradio session a second time; a cookie that names the replica which last
answered keeps them where they landed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

COOKIE = "sagdet_route"
REPLICA_HEADER = "X-Sagdet-Replica"  # which replica answered: for people debugging, and the tests
MAX_BODY = "110m"  # the app takes 100 MB deck uploads; the multipart form around them is bigger
STREAM_TIMEOUT = "1h"  # Gradio's events stream (SSE): an open microphone, a dashboard's timer


class NginxError(RuntimeError):
    """nginx is missing or refused the configuration; the message says why."""


@dataclass(frozen=True)
class ProxyPlan:
    """What the proxy serves: where it listens, the replicas' loopback ports, its folder."""

    host: str  # the address nginx listens on (0.0.0.0: every interface)
    port: int
    replicas: tuple[int, ...]  # each app replica's port on 127.0.0.1, in order
    prefix: Path  # nginx's folder: configuration, pid file, logs and temporary files
    certificate: Path | None = None  # with `key`: serve HTTPS (browsers give a page the
    key: Path | None = None  # microphone only over HTTPS, or from localhost)

    @property
    def tls(self) -> bool:
        return self.certificate is not None and self.key is not None

    @property
    def config_path(self) -> Path:
        return self.prefix / "nginx.conf"


def replica_name(index: int) -> str:
    """The name of the replica at `index` (0-based) in the cookie and the header: r1, r2, ..."""
    return f"r{index + 1}"


def find_nginx() -> str | None:
    """The nginx binary, or None where it is not installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).is_file()), None
    )


def _upstreams(plan: ProxyPlan) -> str:
    servers = [f"127.0.0.1:{port}" for port in plan.replicas]
    every = "".join(f"        server {s};\n" for s in servers)
    groups = [f"    upstream apps {{\n        zone apps 64k;\n{every}    }}\n"]
    for index, own in enumerate(servers):
        backups = "".join(f"        server {s} backup;\n" for s in servers if s != own)
        name = replica_name(index)
        groups.append(
            f"    upstream {name} {{\n        zone {name} 64k;\n"
            f"        server {own} max_fails=1 fail_timeout=10s;\n{backups}    }}\n"
        )
    return "".join(groups)


def _maps(plan: ProxyPlan) -> str:
    names = [replica_name(i) for i in range(len(plan.replicas))]
    secure = "; Secure" if plan.tls else ""
    pools = "".join(f"        {name} {name};\n" for name in names)
    # $upstream_addr lists every server tried ("A, B" after a failover): the last one answered.
    served = "".join(
        f'        "~(^|\\s)127\\.0\\.0\\.1:{port}$" {name};\n'
        for port, name in zip(plan.replicas, names, strict=True)
    )
    return (
        f"    map $cookie_{COOKIE} $pool {{\n        default apps;\n{pools}    }}\n"
        f'    map $upstream_addr $replica {{\n        default "";\n{served}    }}\n'
        "    map $replica $route_cookie {\n"
        '        "" "";  # nginx answered itself: no replica to name, and no cookie\n'
        f'        default "{COOKIE}=$replica; Path=/; HttpOnly; SameSite=Lax{secure}";\n    }}\n'
        "    map $http_upgrade $connection_upgrade {\n"
        '        default upgrade;\n        "" close;\n    }\n'
    )


_SERVER = """    server {{
        listen {listen};
{tls}        client_max_body_size {max_body};

        location / {{
            proxy_pass http://$pool;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            # Gradio sends results as server-sent events: pass each one on as it comes.
            proxy_buffering off;
            proxy_cache off;
            proxy_connect_timeout 5s;
            proxy_read_timeout {stream_timeout};
            proxy_send_timeout {stream_timeout};
            add_header Set-Cookie $route_cookie always;
            add_header {header} $replica always;
        }}
    }}
"""


def render_config(plan: ProxyPlan) -> str:
    """nginx.conf for `plan`: everything nginx writes stays under `plan.prefix`."""
    if not plan.replicas:
        raise ValueError("the proxy needs at least one replica port")
    p = plan.prefix
    host = f"[{plan.host}]" if ":" in plan.host else plan.host  # an IPv6 address
    temp = "".join(
        f"    {kind}_temp_path {p}/temp/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    tls = ""
    if plan.tls:
        tls = f"        ssl_certificate {plan.certificate};\n"
        tls += f"        ssl_certificate_key {plan.key};\n"
    server = _SERVER.format(
        listen=f"{host}:{plan.port}{' ssl' if plan.tls else ''}",
        tls=tls,
        max_body=MAX_BODY,
        stream_timeout=STREAM_TIMEOUT,
        header=REPLICA_HEADER,
    )
    return (
        f"# Written by deploy/nginx.py for {len(plan.replicas)} app replicas, on every start.\n"
        f"worker_processes auto;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log warn;\n"
        # A learner holds a few connections (the page's event streams), each two open files in
        # nginx (browser and replica); 1024 is the usual open-file limit of a process.
        "events {\n    worker_connections 1024;\n}\n"
        f"http {{\n    access_log {p}/logs/access.log;\n{temp}"
        "    default_type application/octet-stream;\n    server_tokens off;\n\n"
        f"{_upstreams(plan)}\n{_maps(plan)}\n{server}}}\n"
    )


def write_config(plan: ProxyPlan) -> Path:
    """Write nginx.conf and the folders it names; returns the configuration's path."""
    for folder in (plan.prefix, plan.prefix / "logs", plan.prefix / "temp"):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)  # nginx's workers run as an unprivileged user when started as root
    plan.config_path.write_text(render_config(plan), encoding="utf-8")
    return plan.config_path


def command(plan: ProxyPlan, binary: str = "nginx", *, test: bool = False) -> list[str]:
    """nginx in the foreground on `plan`'s configuration (`test`: only check it, `nginx -t`)."""
    p = str(plan.prefix)
    line = [binary, "-p", p, "-e", f"{p}/logs/error.log", "-c", str(plan.config_path)]
    return [*line, "-t"] if test else [*line, "-g", "daemon off;"]


def check_config(plan: ProxyPlan, binary: str) -> None:
    """`nginx -t` on the written configuration; NginxError with nginx's own words if it fails."""
    done = subprocess.run(
        command(plan, binary, test=True), capture_output=True, text=True, timeout=30, check=False
    )
    if done.returncode != 0:
        raise NginxError(f"nginx refused {plan.config_path}: {done.stderr.strip()[-800:]}")
    log.debug("nginx -t: %s", done.stderr.strip())
