"""The HTTP edge: middleware, answers to errors, browser rules.

It imports the domains; no domain imports it.
"""
