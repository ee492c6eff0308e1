"""Registration dialogs: one module per method of the guide, plus the shared steps.

Each dialog is a class given the ports it uses, whose `dialog()` declares its steps as
data; `bot.dialogs.registry` builds them all for `bot.bootstrap`.
"""
