"""Moving the panel's data from Convex and back: ``db import-convex`` and
``db export-convex`` (``app/cli_convex.py``).

``snapshot`` reads an export (ZIP or folder, both eras), ``values`` and
``shapes`` decode its values, ``tables`` maps the panel's four tables to the
collections and back, ``checks`` is the import's first pass (every document
checked, conflicts found), ``importer`` runs the import, ``repository`` holds
its bulk reads and writes (the only query syntax here), ``export`` writes a
snapshot, ``report`` and ``console`` say what happened.
"""
