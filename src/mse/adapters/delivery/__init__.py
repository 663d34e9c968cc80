"""Outbound delivery to the state systems (ЕГИСЗ РЭМД, СФР, ФГИС ФРИ, военкомат, ЕПГУ, ТФОМС) over HTTP."""

from .http import HttpDelivery

__all__ = ["HttpDelivery"]
