"""Checkpoints of the trail: a dated file of every complaint's chain head (event count and keyed
seal), and of every accountable post's trail head, with one SHA-256 digest over them all. Published or
handed to the inspectorate, the digest fixes the trail as it stood: `audit verify --against FILE` then
shows any chain that no longer passes through the head recorded, even one rebuilt by the key holder,
or a complaint or post deleted.

The file is JSON, one head per line so that it can be read back streaming:
    {"format": "sigap-audit-checkpoint/2", "created_at": "...Z", "heads": [
    [complaint id, "ticket", event count, "seal"],
    ...
    ],
    "post_heads": [
    [post id, "post key", event count, "seal"],
    ...
    ],
    "complaints": N, "posts": M, "digest": "<sha256 hex>"}
digest = SHA-256 of "sigap-audit-checkpoint/2\n" + created_at + "\n" followed by each complaint head as
compact JSON (separators "," and ":") and a newline, in the file's order (complaint id), then "posts\n"
and each post head the same way (post id order; posts whose trail has events).
Files of format sigap-audit-checkpoint/1 (complaints only, no "posts\n" part) are still read: they
check no post."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import isoformat_z
from app.models import Complaint
from app.models.post import Post
from app.services.errors import ValidationFailed

FORMAT = "sigap-audit-checkpoint/2"
FORMAT_COMPLAINTS_ONLY = "sigap-audit-checkpoint/1"


@dataclass(frozen=True)
class Head:
    """One complaint's chain head as a checkpoint recorded it."""
    complaint_id: int
    ticket: str
    seq: int
    seal: str | None


@dataclass(frozen=True)
class PostHead:
    """One post's trail head as a checkpoint recorded it."""
    post_id: int
    key: str
    seq: int
    seal: str | None


@dataclass
class Written:
    complaints: int
    digest: str
    unkeyed: int
    posts: int = 0


def _line(head: list) -> str:
    return json.dumps(head, separators=(",", ":"), ensure_ascii=False)


def write(session: Session, out: IO[str], now: datetime, *, batch: int = 5000) -> Written:
    """Write the checkpoint of every complaint's head, as the database holds them now, to `out`."""
    created = isoformat_z(now)
    digest = hashlib.sha256(f"{FORMAT}\n{created}\n".encode())
    out.write(json.dumps({"format": FORMAT, "created_at": created})[:-1] + ', "heads": [\n')
    count = unkeyed = last_id = 0
    while True:
        rows = session.execute(select(Complaint.id, Complaint.ticket, Complaint.audit_seq, Complaint.audit_seal)
                               .where(Complaint.id > last_id).order_by(Complaint.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            line = _line([row.id, row.ticket, row.audit_seq, row.audit_seal])
            digest.update((line + "\n").encode())
            out.write(("" if count == 0 else ",\n") + line)
            count += 1
            unkeyed += row.audit_seal is None
        last_id = rows[-1].id
        session.commit()  # let writers in between batches (SQLite takes its write lock at BEGIN)
    out.write('\n],\n"post_heads": [\n')
    digest.update(b"posts\n")
    posts = 0
    for row in session.execute(select(Post.id, Post.key, Post.audit_seq, Post.audit_seal)
                               .where(Post.audit_seq > 0).order_by(Post.id)):
        line = _line([row.id, row.key, row.audit_seq, row.audit_seal])
        digest.update((line + "\n").encode())
        out.write(("" if posts == 0 else ",\n") + line)
        posts += 1
    hexdigest = digest.hexdigest()
    out.write(f'\n],\n"complaints": {count}, "posts": {posts}, "digest": "{hexdigest}"}}\n')
    return Written(count, hexdigest, unkeyed, posts)


class Checkpoint:
    """A checkpoint file being read: its heads stream in complaint id order (`heads()`); once they
    have all been read, `digest_holds()` says whether the file still matches its digest."""

    def __init__(self, path: str):
        self.path = path
        self.created_at = ""
        self.digest = ""
        self.complaints = 0
        self.format = FORMAT
        self._post_heads: list = []
        self._posts = 0
        self._computed = None
        self._read = 0
        with open(path, encoding="utf-8") as f:
            first = f.readline()
        self._streamable = first.endswith('"heads": [\n')
        header = first[: -len('"heads": [\n')].rstrip().rstrip(",") + "}" if self._streamable else None
        try:
            doc = json.loads(header) if header else self._whole()
        except ValueError as exc:
            raise ValidationFailed(f"not a checkpoint file (not JSON: {exc})", field="against") from None
        if not isinstance(doc, dict) or doc.get("format") not in (FORMAT, FORMAT_COMPLAINTS_ONLY):
            raise ValidationFailed(f"not a checkpoint file (expected format {FORMAT!r})", field="against")
        self.format = doc["format"]
        self.created_at = str(doc.get("created_at"))
        if not self._streamable:
            self._doc = doc

    def _whole(self) -> dict:
        with open(self.path, encoding="utf-8") as f:
            return json.load(f)

    def _entries(self) -> Iterator[list]:
        if not self._streamable:
            yield from self._doc.get("heads") or []
            self._tail(self._doc)
            return
        with open(self.path, encoding="utf-8") as f:
            f.readline()
            for line in f:
                stripped = line.strip()
                if not stripped:  # the heads of an empty database
                    continue
                if stripped.startswith("]"):
                    rest = stripped[1:].lstrip(",") + "".join(f)
                    self._tail(json.loads("{" + rest.strip())) if rest.strip() else None
                    return
                yield json.loads(stripped.rstrip(","))

    def _tail(self, doc: dict) -> None:
        self.complaints = int(doc.get("complaints") or 0)
        self.digest = str(doc.get("digest"))
        self._posts = int(doc.get("posts") or 0)
        self._post_heads = doc.get("post_heads") or []

    def heads(self) -> Iterator[Head]:
        digest = hashlib.sha256(f"{self.format}\n{self.created_at}\n".encode())
        previous = 0
        try:
            for item in self._entries():
                cid, ticket, seq, seal = item
                head = Head(int(cid), str(ticket), int(seq), seal)
                if head.complaint_id <= previous:
                    raise ValidationFailed("checkpoint heads are not in complaint id order", field="against")
                previous = head.complaint_id
                digest.update((_line([head.complaint_id, head.ticket, head.seq, head.seal]) + "\n").encode())
                self._read += 1
                yield head
            if self.format == FORMAT:
                digest.update(b"posts\n")
                for pid, key, seq, seal in self._post_heads:
                    digest.update((_line([int(pid), str(key), int(seq), seal]) + "\n").encode())
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ValidationFailed):
                raise
            raise ValidationFailed(f"checkpoint file has a malformed head entry ({exc})", field="against") from None
        self._computed = digest.hexdigest()

    def post_heads(self) -> list[PostHead]:
        """The posts' trail heads (none in a complaints-only file); read after `heads()`."""
        return [PostHead(int(pid), str(key), int(seq), seal) for pid, key, seq, seal in self._post_heads]

    def digest_holds(self) -> bool:
        return (self._computed is not None and self._computed == self.digest and self._read == self.complaints
                and len(self._post_heads) == self._posts)
