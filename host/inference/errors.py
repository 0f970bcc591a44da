"""What can go wrong when a plugin asks for a model, in words a shop owner understands.

Every error is an `InferenceError`, so a plugin that only wants to know "did the model answer?"
catches that one class. The messages are shown in the admin (a job's error, a flash), so they
say what happened and what to do, and never carry prompts, keys or stack traces.
"""

from __future__ import annotations


class InferenceError(RuntimeError):
    """The model could not answer this request."""


class BackendUnavailable(InferenceError):
    """The configured model cannot be used right now: a folder that holds no model, a server
    that does not answer, refuses the key or answers with something that is not a completion.
    `status` is the HTTP status of a remote endpoint's answer, when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class QuotaExceeded(InferenceError):
    """The shop has used its daily token allowance (set on the admin's Models page)."""


class Overloaded(InferenceError):
    """Too many requests are already waiting for the model; try again in a moment."""


class GenerationTimeout(Overloaded):
    """The model did not answer within the deadline, because it is busy or slow."""
