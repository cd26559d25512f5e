"""Write src/yt_study_buddy/data/stopwords.json.gz, the stop words of every language spaCy has
them for, so that offline notes in Spanish or German do not take "de la" or "und" for terms.

spaCy itself (and its models) does not fit the Lambda engine layer; its stop-word lists are plain
data, kept here as one small file. The lists are spaCy's (MIT licence, https://spacy.io).

Run once, from the repository root, with a spaCy wheel downloaded anywhere (spaCy need not be
installed, nor importable): ``pip download spacy==3.8.7 --no-deps -d /tmp/spacy`` then
``python scripts/stopword_lists.py /tmp/spacy/spacy-3.8.7-*.whl``. English keeps the generator's
own list (yt_study_buddy/stopwords.py), written for speech.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
import sys
import zipfile
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "yt_study_buddy" / "data" / "stopwords.json.gz"
_MEMBER = re.compile(r"^spacy/lang/([a-z]{2,3})/stop_words\.py$")


def stop_words(source: str) -> list[str]:
    """The words of the module's ``STOP_WORDS``, read without running it: a set literal, or
    ``set(\"\"\"...\"\"\".split())``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "STOP_WORDS" for t in node.targets
        ):
            value = node.value
            if isinstance(value, ast.Set):
                return sorted({str(ast.literal_eval(e)) for e in value.elts})
            if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Call):
                text = value.args[0].func.value  # type: ignore[attr-defined]
                return sorted(set(ast.literal_eval(text).split()))
    raise ValueError("no STOP_WORDS literal")


def main(wheel: str) -> None:
    lists: dict[str, list[str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        version = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA")).split("/")[0]
        for name in sorted(archive.namelist()):
            match = _MEMBER.match(name)
            if match and match[1] != "en":
                lists[match[1]] = stop_words(archive.read(name).decode("utf-8"))
    data = {"source": f"{version} (MIT), spacy/lang/*/stop_words.py", "languages": lists}
    OUTPUT.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), mtime=0))
    print(f"{len(lists)} languages, {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
