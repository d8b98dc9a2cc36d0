"""The build steps setup.cfg cannot declare; the project itself is described in setup.cfg.

- templates/ stays at the top of the source tree but ships inside the package as rota/templates
  (create_app looks there first and falls back to ../templates in a checkout);
- the translations are compiled (.po → .mo) into the built package, so an installed copy speaks
  Finnish and Swedish without a step of its own; an editable install compiles them in place.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """build_py, then compile each rota/translations/<lang>/LC_MESSAGES/*.po beside the copy."""

    def run(self):
        super().run()
        source = Path(self.get_package_dir("rota"), "translations")
        target = source if self.editable_mode else Path(self.build_lib, "rota", "translations")
        for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
            mo = target / po.relative_to(source).with_suffix(".mo")
            compile_catalog(po, mo)
            self.built_catalogs.append(str(mo))

    def initialize_options(self):
        super().initialize_options()
        self.built_catalogs = []

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + self.built_catalogs


def compile_catalog(po: Path, mo: Path) -> None:
    """Write the binary catalog gettext reads; a catalog with errors stops the build."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, abort_invalid=True)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as target:
        write_mo(target, catalog)


setup(
    packages=[*find_packages(include=["rota", "rota.*"]), "rota.templates"],
    package_dir={"rota.templates": "templates"},
    package_data={
        "rota": ["static/*", "migrations/*.*", "migrations/versions/*.py"],
        "rota.templates": ["**/*.html", "**/*.txt"],
    },
    cmdclass={"build_py": BuildWithCatalogs},
)
