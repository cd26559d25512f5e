"""Code shared by the seven Lambda functions.

Layers: handlers -> domain (``ledger``, ``videos``, ``notes``, ``payments``, ``processing``) ->
data access (``dal``) -> ``aws`` clients. ``errors`` holds the one exception-to-HTTP map,
``api`` the event parsing and responses, ``auth`` the Cognito JWT check, ``config`` the settings.
``utils`` re-exports the helpers the specification names.
"""
