"""Form-as-data engine: official forms as versioned schemas (see model.py)."""

from .conditions import Condition
from .export import json_schema, schema_as_data
from .loader import available_forms, form_in_force, load_form
from .model import FormSchema, Item, ItemType, Option, Section
from .validate import validate_document

__all__ = [
    "Condition",
    "FormSchema",
    "Item",
    "ItemType",
    "Option",
    "Section",
    "available_forms",
    "form_in_force",
    "json_schema",
    "load_form",
    "schema_as_data",
    "validate_document",
]
