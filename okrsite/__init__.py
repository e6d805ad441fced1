"""okrsite: publish an organisation's OKRs and check-ins as a static site."""

__version__ = "0.1.0"
