"""Readers of each document format: text in, prose blocks with source line spans out."""
