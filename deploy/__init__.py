"""Serving a school from one machine: `python -m deploy.school`.

Not part of the app: this folder starts and supervises the processes a school needs (app
replicas, a reverse proxy, a database and a recognition engine) and imports nothing of the app.
`deploy.school.School` is the Python API the tests drive; `deploy.nginx` writes the proxy's
configuration, `deploy.postgres` runs a database in a folder, `deploy.children` supervises.
"""
