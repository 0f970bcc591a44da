"""Packaging: everything installs below one import name, `shopwright`.

The repository keeps its top-level folders (host/, plugins/, kernels/, themes/); each is mapped
below `shopwright` here, so an installed Shopwright adds no generic top-level name such as `host`
or `kernels` to anyone's environment. The metadata and dependencies are in setup.cfg.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = {
    "shopwright": "shopwright",
    "shopwright.host": "host",
    "shopwright.plugins": "plugins",
    "shopwright.kernels": "kernels",
    "shopwright.themes": "themes",
}


def packages_below(name: str, folder: str) -> list[str]:
    # Template and static folders count as (namespace) packages, so package_data reaches them.
    found = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [name] + [f"{name}.{sub}" for sub in found]


PACKAGES = ["shopwright"] + [package for name, folder in FOLDERS.items() if name != "shopwright"
                             for package in packages_below(name, folder)]

setup(package_dir=FOLDERS, packages=PACKAGES)
