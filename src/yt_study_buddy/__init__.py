"""YouTube Study Buddy: the notes engine and its CLI, ``youtube-study-buddy``.

Kept import-free on purpose: the API Lambda functions import ``yt_study_buddy.urls`` and
``yt_study_buddy.progress`` and must not pay for the engine's heavy dependencies.
"""

__version__ = "0.1.0"
