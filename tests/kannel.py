"""A real Kannel for the tests: bearerbox and smsbox from Debian's `kannel` with a generated config on
free ports in a temporary directory, and Kannel's own fake SMSC (`fakesmsc`, from `kannel-extras`)
playing the operator: lines written to it are citizens' SMS, the messages it prints are what reached
their phones. Tests skip, saying why, where Kannel is not installed."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote_plus

FAKESMSC_PATHS = ("/usr/lib/kannel/test/fakesmsc", "/usr/lib/kannel/fakesmsc", "/usr/bin/fakesmsc")
SECRET = "kannel-test-secret-0123456789"
USERNAME, PASSWORD = "sigap", "sendsms-test-password"


def binaries() -> tuple[str, str, str] | str:
    """(bearerbox, smsbox, fakesmsc), or why they cannot be used here."""
    bearerbox = shutil.which("bearerbox") or shutil.which("bearerbox", path="/usr/sbin")
    smsbox = shutil.which("smsbox") or shutil.which("smsbox", path="/usr/sbin")
    fakesmsc = next((p for p in FAKESMSC_PATHS if Path(p).exists()), None)
    if not (bearerbox and smsbox):
        return "Kannel is not installed (apt-get install -y kannel kannel-extras; `make test` does it as root)"
    if not fakesmsc:
        return "Kannel's fakesmsc is not installed (apt-get install -y kannel-extras)"
    return bearerbox, smsbox, fakesmsc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds: float = 15.0, what: str = "condition"):
    """Poll a real process's state with a short deadline (no fixed sleeps)."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        time.sleep(0.05)


class Kannel:
    def __init__(self, workdir: Path, sigap_url: str, secret: str = SECRET, log_level: int = 1):
        self.bearerbox, self.smsbox_bin, self.fakesmsc_bin = binaries()
        self.dir = workdir
        self.admin_port, self.box_port, self.smsc_port, self.sendsms_port = (free_port() for _ in range(4))
        self.sigap_url = sigap_url.rstrip("/")
        self.secret, self.log_level = secret, log_level
        self.conf = workdir / "kannel.conf"
        self.conf.write_text(self.config())
        self.processes: dict[str, subprocess.Popen] = {}
        self.received: list[str] = []  # what the fake SMSC was given to deliver: "FROM TO TEXT"
        self.handed_over = 0  # citizens' SMS fakesmsc has sent to bearerbox
        self._lock = threading.Lock()

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def config(self) -> str:
        d = self.dir
        get_url = (f"{self.sigap_url}/webhooks/kannel/sms?secret={self.secret}"
                   "&id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&smsc=%i&ts=%T")
        return f"""
group = core
admin-port = {self.admin_port}
admin-password = admin-test
status-password = status-test
admin-interface = 127.0.0.1
smsbox-port = {self.box_port}
box-allow-ip = 127.0.0.1
log-file = "{d}/bearerbox.log"
log-level = {self.log_level}
store-type = file
store-location = "{d}/store"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = operator
port = {self.smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.box_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{d}/smsbox.log"
log-level = {self.log_level}
mo-recode = true
http-request-retry = 3
http-queue-delay = 1

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = 6

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
"""

    # -- processes --------------------------------------------------------------------------------
    def start(self, operator: bool = True) -> None:
        """bearerbox, smsbox and (unless operator=False) an interactive fakesmsc as the operator."""
        self.processes["bearerbox"] = self._spawn(self.bearerbox, "bearerbox")
        wait_for(lambda: "Status: running" in self.status(), what="bearerbox's status page")
        self.start_smsbox()
        if operator:
            self._start_fakesmsc()

    def burst(self, messages: list[str]) -> subprocess.Popen:
        """A second kind of operator: fakesmsc sending `messages` ("FROM TO text WORDS") once each, at
        full speed (each a random pick of `messages`; no -z, which appends random digits to the sender and
        makes every number invalid), then staying connected (its interactive mode reads one line a second)."""
        process = subprocess.Popen(
            [self.fakesmsc_bin, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0", "-m", str(len(messages)),
             *messages], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir)
        self.processes["fakesmsc"] = process
        return process

    def start_smsbox(self) -> None:
        self.processes["smsbox"] = self._spawn(self.smsbox_bin, "smsbox")
        wait_for(self._sendsms_listening, what="smsbox's sendsms port")
        wait_for(lambda: "smsbox:" in self.status() and "on-line" in self.status().split("smsbox:", 1)[1],
                 what="smsbox connected to bearerbox")

    def stop_smsbox(self) -> None:
        process = self.processes.pop("smsbox")
        process.terminate()
        process.wait(timeout=15)
        wait_for(lambda: not self._sendsms_listening(), what="smsbox gone")

    def _spawn(self, binary: str, name: str) -> subprocess.Popen:
        log = open(self.dir / f"{name}.out", "ab")
        return subprocess.Popen([binary, str(self.conf)], stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)

    def _start_fakesmsc(self) -> None:
        process = subprocess.Popen(
            [self.fakesmsc_bin, "-H", "127.0.0.1", "-r", str(self.smsc_port)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.dir, text=True, encoding="latin-1")
        self.processes["fakesmsc"] = process
        threading.Thread(target=self._read_fakesmsc, args=(process,), daemon=True).start()
        wait_for(lambda: "(online" in self.status(), what="the fake SMSC online")

    def _read_fakesmsc(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            if "fakesmsc: sent message" in line:
                with self._lock:
                    self.handed_over += 1
            if "Got message" in line and "<" in line:
                body = line.rsplit("<", 1)[1].rstrip().rstrip(">")
                sender, receiver, kind, data = (body.split(" ", 3) + ["", "", "", ""])[:4]
                raw = unquote_plus(data, encoding="latin-1").encode("latin-1")
                text = raw.decode("utf-16-be") if kind == "ucs-2" else raw.decode("latin-1")
                with self._lock:
                    self.received.append(f"{sender} {receiver} {text}")

    def stop(self) -> None:
        for name in ("fakesmsc", "smsbox", "bearerbox"):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # -- the operator's side --------------------------------------------------------------------
    def citizen_sends(self, phone: str, short_code: str, text: str) -> None:
        """An SMS from `phone` (digits as the SMSC gives them, 6281...) to the short code. Returns once
        fakesmsc has sent it: its interactive mode drops lines that arrive in one burst."""
        process = self.processes["fakesmsc"]
        before = self.handed_over
        process.stdin.write(f"{phone} {short_code} text {text}\n")
        process.stdin.flush()
        wait_for(lambda: self.handed_over > before, seconds=10, what="fakesmsc to send the SMS")

    def delivered_to(self, phone: str) -> list[str]:
        with self._lock:
            return [line.split(" ", 2)[2] for line in self.received if line.split(" ")[1] == phone]

    def messages_to(self, phone: str) -> list[str]:
        """What the phone shows: the SMS it received, a concatenated one's parts (fakesmsc prints each
        as "<UDH> data <text>") joined once all have arrived."""
        messages, pending = [], {}
        for line in self.delivered_to(phone):
            if line.startswith("\x05\x00\x03") and " data " in line:
                udh, text = line.split(" data ", 1)
                ref, total, seq = (ord(ch) for ch in udh[3:6])
                pending.setdefault(ref, {})[seq] = text
                if len(pending[ref]) == total:
                    parts = pending.pop(ref)
                    messages.append("".join(parts[n] for n in range(1, total + 1)))
            else:
                messages.append(line)
        return messages

    # -- observing ------------------------------------------------------------------------------
    def status(self) -> str:
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.admin_port}/status.txt?password=status-test", timeout=2) as answer:
                return answer.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _sendsms_listening(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.sendsms_port)) == 0
