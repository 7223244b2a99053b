"""Set-up of the cross-process tests: the shared fixtures of ``testkit`` (the same ones
``bindings/python/tests`` uses)."""

from testkit import clean_environment, demo_emulator  # noqa: F401
