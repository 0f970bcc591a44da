"""PLACEHOLDER — being written by the API engineer."""


def key_from_request():
    return None
