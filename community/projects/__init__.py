"""Projects and their spaces: founding, membership, pages, materials, forum,
teacher bulletin, meetings and schools' calendars.

Other packages use the names exported by ``community`` (``ProjectDirectory``,
``ProjectServices``...), not these modules directly.
"""
