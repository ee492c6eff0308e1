"""The Telegram channel (python-telegram-bot as a transport)."""
