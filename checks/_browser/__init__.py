"""Internals of the ``browser`` check, one job per module.

* :mod:`.host`: whose browsers (home directory, operating system), injectable for tests.
* :mod:`.files`: every read goes through one bounded, recorded reader (the report lists it).
* :mod:`.locations`: where Chrome, Edge, Brave, Chromium and Firefox keep their profiles, and
  each browser's own profile index (``Local State``, ``profiles.ini`` + ``installs.ini``).
* :mod:`.sqlite`: cookie and permission databases, opened read-only without the browser's lock;
  the SQL selects names, flags, expiry and *lengths*, never a cookie value.
* :mod:`.cookies`: which stored cookies a browser sends to the sign-in address, and their size.
* :mod:`.patterns`: Chromium's content-settings patterns (``https://[*.]example.com,*``).
* :mod:`.prefsjs`: Firefox's ``prefs.js``/``user.js`` (``user_pref(...)`` lines, never evaluated).
* :mod:`.chromium` / :mod:`.firefox`: one profile of each family, read into a :class:`.model.ProfileState`.
* :mod:`.extensions`: known extensions that break sign-in pages (data in ``known_extensions.toml``).
* :mod:`.judge`: the findings, from what was read.
"""
