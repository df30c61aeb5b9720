"""Detectors of personal data in pupils' messages, one module per kind.

``moderation.checks.personal_data`` decides which detectors a message needs
(cheap gates on the normalised text) and runs them; each detector reads a
``VisibleText`` (the original text without invisible characters, with a map
back to the original's offsets) and returns ``PersonalData`` findings whose
spans point into the original text.
"""

from .model import PersonalData, PersonalDataKind
from .visible import VisibleText

__all__ = ["PersonalData", "PersonalDataKind", "VisibleText"]
