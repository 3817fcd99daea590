"""Packaging beyond pyproject.toml: the top-level assets/ folder ships as `app/_assets`.

pyproject.toml cannot map a folder outside the `app` package into it while also finding the
packages automatically, so the package list is built here. app.asset_paths finds the folder
in either place (assets/ in a clone, app/_assets when installed).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["app*"]), "app._assets"],
    package_dir={"app._assets": "assets"},
    package_data={
        "": ["*.js", "*.css", "*.json", "*.sql", "*.vue", "*.png", "*.svg"],
        "app._assets": ["**/*"],
    },
)
