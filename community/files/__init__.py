"""Checking uploaded files: size while streaming, type by content, images re-encoded.

Used by project materials; nothing here knows about projects or HTTP.
"""
