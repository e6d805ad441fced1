"""The preview server: HTTP, watching, rebuilding and patching. Imports the core, the
site and the build."""
