"""``python -m yt_study_buddy``: the same as the ``youtube-study-buddy`` command."""

from yt_study_buddy.cli import main

main()
