"""sms-docs: document control for ISO/IEC 20000-1 service management systems, built on Git."""

__version__ = "0.1.0"
