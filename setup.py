"""The wheel's one build step beyond setuptools' defaults: compiled translations.

The .mo files are never committed (`make messages` compiles them in a checkout); a wheel built
from the checkout compiles every consonance/**/locale/*/LC_MESSAGES/django.po with Babel (listed
in pyproject's [build-system] requires), so no gettext binaries are needed on the build machine.
Fuzzy entries are left out, as Django's compilemessages does.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithMessages(build_py):
    def run(self) -> None:
        super().run()
        for po in sorted(Path(self.build_lib).glob("consonance/**/locale/*/LC_MESSAGES/django.po")):
            with po.open("rb") as source:
                catalog = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)


setup(cmdclass={"build_py": BuildPyWithMessages})
