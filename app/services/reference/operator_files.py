"""Files an operator hands Sigap (village centres, post holders): read as UTF-8 text, a byte-order
mark allowed (what Excel's "CSV UTF-8" writes), each problem one clear line naming the file."""
from __future__ import annotations

from pathlib import Path

from app.services.errors import ValidationFailed


def read_text(path: Path | str, suffixes: tuple[str, ...] = ()) -> str:
    """The text of the file at `path`; ValidationFailed (field "file") when there is no such file,
    its ending is none of `suffixes` (when given), or it is not UTF-8."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"no file at {path}", field="file")
    if suffixes and path.suffix.lower() not in suffixes:
        kinds = f"{', '.join(suffixes[:-1])} or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        raise ValidationFailed(f"{path.name}: expected a {kinds} file", field="file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as UTF-8",
                               field="file") from None
