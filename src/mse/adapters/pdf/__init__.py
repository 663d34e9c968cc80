"""Printed documents: form-as-data schemas rendered to PDF/A-3b (the protocol of 389н)."""

from .form_pdf import FontsMissingError, PrintHeader, SignatureLine, render_form_html, render_form_pdf

__all__ = ["FontsMissingError", "PrintHeader", "SignatureLine", "render_form_html", "render_form_pdf"]
