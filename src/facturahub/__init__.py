"""facturahub: an open-source electronic-invoice entry point (FACe, eFACT and Fatura Sem Papel
compatible)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("facturahub")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
