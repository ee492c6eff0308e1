"""Channels: one package per way people reach regbot (console, ussd, telegram, zalo)."""
