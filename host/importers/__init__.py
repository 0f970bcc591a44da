"""PLACEHOLDER — being written by the importers engineer."""
