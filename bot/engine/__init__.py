"""The dialog engine: dialogs declared as data (`spec`), run one turn at a time (`turn`),
shown as channel-agnostic replies (`messages`, `view`, `render`)."""

from bot.engine.engine import DialogEngine, TurnRecord
from bot.engine.messages import Action, Inbound, Option, Rendered, Reply

__all__ = ["Action", "DialogEngine", "Inbound", "Option", "Rendered", "Reply", "TurnRecord"]
