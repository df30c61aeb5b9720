"""The networking area: reference data, teacher profiles, contacts, partner posts
and partner search. Only validated teachers use it; pupils never see it.

Other packages use the names re-exported by ``community/__init__.py``.
"""
