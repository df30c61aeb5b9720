"""Cleaning the file name an uploader gave, for the download only.

The stored file never uses this name (it lives under a generated key); the
cleaned name is what ``Content-Disposition`` offers when someone downloads
the file. Whatever path the uploader sent ("../../etc/passwd", "C:\\x.jpg",
"/abs", a NUL byte) only its last segment survives, stripped of control and
invisible characters and of leading dots, and the extension is replaced by
the one of the type found in the content.
"""

from __future__ import annotations

import re
import unicodedata

MAX_STEM_LEN = 100
FALLBACK_STEM = "file"
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_UNSAFE = re.compile(r'[<>:"|?*;]')
_SPACES = re.compile(r"\s+")


def clean_stem(raw: str) -> str:
    """The uploader's name without path, extension or unsafe characters."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _REFUSED_CATEGORIES)
    last = re.split(r"[/\\]", text)[-1]
    stem = last.rsplit(".", 1)[0] if "." in last.lstrip(".") else last
    stem = _SPACES.sub(" ", _UNSAFE.sub("_", stem)).strip().lstrip(".").strip()
    return stem[:MAX_STEM_LEN].rstrip() or FALLBACK_STEM


def download_name(raw: str, extension: str) -> str:
    """The name offered for download: the cleaned stem and the verified extension."""
    return f"{clean_stem(raw)}.{extension}"
