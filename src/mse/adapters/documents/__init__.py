"""Readers of received referral documents (JSON by the form schema, СЭМД CDA XML) and builders of outgoing notices."""
