#!/usr/bin/env python3
"""The newcomer's path, run as the README tells it, on a clean clone.

Reads the run and demo commands from README.md (so the two cannot drift apart), starts
the server with the first, waits for /health, seeds the demo clinic with the second,
signs in with a login the demo printed, reads /api/v1/me, posts one check-in and reads
it back, opens /docs, and stops the server. Any failure ends with a message that says
which step broke and what the server printed.

Only the listen address and data directory are set from outside (through the documented
FASCIA_ADDR and FASCIA_DATA_DIR), so the run never collides with anything on port 8080
and leaves no ./data behind. Standard library only: CI needs nothing installed for it.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.environ.get("SMOKE_README", os.path.join(ROOT, "README.md"))
# The first run compiles a release build: give it time, but not forever.
START_TIMEOUT = int(os.environ.get("SMOKE_START_TIMEOUT", "1800"))


def fail(step, message, log_path=None):
    print(f"\nSMOKE FAILED at step '{step}': {message}", file=sys.stderr)
    if log_path and os.path.exists(log_path):
        with open(log_path, encoding="utf-8", errors="replace") as f:
            tail = f.read()[-4000:]
        print(f"--- last output of the server command ---\n{tail}", file=sys.stderr)
    sys.exit(1)


def readme_commands():
    """The run command (the first `cargo run` line of the two-commands block) and the
    demo command (the first line that runs the `demo` subcommand)."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## The two commands", 1)
    if len(section) != 2:
        fail("read README", "no '## The two commands' section")
    block = re.search(r"```sh\n(.*?)```", section[1], re.S)
    if not block:
        fail("read README", "no ```sh block under 'The two commands'")
    run = next((l for l in block.group(1).splitlines() if l.strip().startswith("cargo run")), None)
    demo = re.search(r"^\s*(cargo run [^\n#]*-- demo)\b[^\n]*$", text, re.M)
    if not run or not demo:
        fail("read README", "cannot find the `cargo run` and `cargo run ... -- demo` commands")
    strip = lambda line: line.split("#", 1)[0].strip()
    return strip(run), strip(demo.group(1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, token=None, body=None, expect=200):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw, ctype = resp.status, resp.read(), resp.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("content-type", "")
    if status != expect:
        raise AssertionError(f"{method} {path} answered {status}, expected {expect}: {raw[:500]!r}")
    return json.loads(raw) if "json" in ctype and raw else raw.decode("utf-8", "replace")


def main():
    # A CI time-out sends SIGTERM: turn it into an exit so `finally` stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    run_cmd, demo_cmd = readme_commands()
    print(f"README run command:  {run_cmd}\nREADME demo command: {demo_cmd}")
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="fascia-smoke-")
    env = dict(os.environ, FASCIA_ADDR=f"127.0.0.1:{port}", FASCIA_DATA_DIR=data_dir)
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen(shlex.split(run_cmd), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    step = "start the server"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                fail(step, f"`{run_cmd}` exited with status {server.returncode} before serving /health", log_path)
            try:
                call(base, "GET", "/health")
                break
            except (urllib.error.URLError, ConnectionError, AssertionError, OSError):
                if time.monotonic() > deadline:
                    fail(step, f"/health did not answer within {START_TIMEOUT} s", log_path)
                time.sleep(1)
        print(f"ok   server up on {base}")

        step = "seed the demo clinic"
        demo = subprocess.run(shlex.split(demo_cmd), cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        if demo.returncode != 0:
            fail(step, f"`{demo_cmd}` exited with {demo.returncode}:\n{demo.stdout}\n{demo.stderr}")
        logins = re.findall(r"^\s+(admin|therapist|patient)\s+(\S+@\S+)\s+(\S+)\s*$", demo.stdout, re.M)
        patient = next(((e, p) for role, e, p in logins if role == "patient"), None)
        if not patient:
            fail(step, f"the demo printed no patient login:\n{demo.stdout}")
        print(f"ok   demo seeded ({len(logins)} logins printed)")

        step = "sign in as the demo patient"
        tokens = call(base, "POST", "/api/v1/auth/login", body={"email": patient[0], "password": patient[1]})
        token = tokens["access_token"]
        me = call(base, "GET", "/api/v1/me", token)
        if me.get("role") != "patient":
            fail(step, f"GET /api/v1/me says {me!r}")
        print(f"ok   signed in as {me.get('display_name')}")

        step = "post a check-in and read it back"
        check_in_id = str(uuid.uuid4())
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        item = {"id": check_in_id, "recorded_at": now, "pain": 3, "stress": 2}
        answer = call(base, "POST", "/api/v1/me/check-ins", token, {"items": [item]})
        statuses = [r.get("status") for r in answer.get("results", [])]
        if statuses != [201]:
            fail(step, f"the check-in was not stored: {answer!r}")
        listed = call(base, "GET", "/api/v1/me/check-ins?limit=200", token)
        if not any(c.get("id") == check_in_id and c.get("pain") == 3 for c in listed.get("items", [])):
            fail(step, f"the stored check-in is not in the list: {listed!r}"[:2000])
        print("ok   check-in stored and read back")

        step = "open the docs UI"
        docs = call(base, "GET", "/docs")
        if "swagger" not in docs.lower():
            fail(step, "GET /docs did not serve the Swagger UI")
        spec = call(base, "GET", "/api/openapi.json")
        if not spec.get("paths"):
            fail(step, "GET /api/openapi.json has no paths")
        print("ok   docs UI and spec served")
    except AssertionError as e:
        fail(step, str(e), log_path)
    finally:
        step = "stop the server"
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                fail(step, "the server did not stop within 30 s of Ctrl-C", log_path)
    shutil.rmtree(data_dir, ignore_errors=True)
    print("smoke: 6 passed, 0 failed")


if __name__ == "__main__":
    main()
