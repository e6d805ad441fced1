"""The content core: model, parsing, loading, validation, links and status. Pure functions
over plain data; imports nothing else of okrsite."""
