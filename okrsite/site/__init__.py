"""The site: what the computed Site looks like as pages, charts, feeds, exports and search
records. Imports only the core."""
