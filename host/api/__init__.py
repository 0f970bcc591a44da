"""PLACEHOLDER — being written by the API engineer."""


def create_api(app):
    pass
