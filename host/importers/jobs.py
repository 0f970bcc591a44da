"""PLACEHOLDER — being written by the importers engineer."""


def register_import_job(jobs):
    pass
