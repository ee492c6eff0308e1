"""Failures of external systems, as the dialogs see them."""

from __future__ import annotations


class IntegrationUnavailable(Exception):
    """Timed out, refused the connection, or answered 5xx after retries: try again later.

    `uncertain`: the request may have been carried out all the same (a POST that timed
    out, a 2xx reply that broke the contract): an SMS may be on its way.
    """

    def __init__(
        self, message: str = "", *, system: str | None = None, uncertain: bool = False
    ) -> None:
        super().__init__(message)
        self.system = system
        self.uncertain = uncertain


class IntegrationRejected(Exception):
    """Answered 4xx: our request was refused; retrying will not help."""

    def __init__(
        self, message: str = "", *, system: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.system = system
        self.status = status
