"""Failures of external systems, as the dialogs see them."""


class IntegrationUnavailable(Exception):  # noqa: N818
    """Timed out, refused the connection, or answered 5xx after retries: try again later."""


class IntegrationRejected(Exception):  # noqa: N818
    """Answered 4xx: our request was refused; retrying will not help."""
