"""Packages for setuptools: the scanner package, and the signature set (signatures/ at the top of the repository)
shipped inside it as scanner.signatures, so an installed camaudit reads it with importlib.resources."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["scanner", "scanner.*"]), "scanner.signatures"],
    package_dir={"scanner.signatures": "signatures"},
)
