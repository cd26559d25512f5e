"""Write src/yt_study_buddy/data/en_zipf.txt.gz, the general-English word frequencies the offline
generator compares a video's words against, from the English data of the ``wordfreq`` package.

The whole of wordfreq (57 MB, every language) does not fit the Lambda engine layer; its small
English list (about 29,000 words, each used at least once per million words) is 125 kB and is all
the generator needs. The data is wordfreq's (Robyn Speer, Apache-2.0 code, CC BY-SA 4.0 data).

Run once, with wordfreq and msgpack installed anywhere: ``python scripts/english_frequencies.py``.
Each line of the output is a Zipf value times 100 (7.0 = once per 100 words ... 3.0 = once per
million), a tab, then the words at that frequency.
"""

from __future__ import annotations

import gzip
import importlib.resources
from pathlib import Path

import msgpack  # type: ignore[import-not-found]

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "yt_study_buddy" / "data" / "en_zipf.txt.gz"


def main() -> None:
    source = importlib.resources.files("wordfreq") / "data" / "small_en.msgpack.gz"
    buckets = msgpack.unpackb(gzip.decompress(source.read_bytes()), raw=False)[1:]
    lines = [f"{900 - index}\t{' '.join(words)}" for index, words in enumerate(buckets) if words]
    header = (
        "# wordfreq 3.1.1 small_en (CC BY-SA 4.0, https://github.com/rspeer/wordfreq): Zipf x 100, words\n"
    )
    OUTPUT.write_bytes(gzip.compress((header + "\n".join(lines) + "\n").encode("utf-8"), mtime=0))


if __name__ == "__main__":
    main()
