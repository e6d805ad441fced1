"""The build: gathering the files, the pipeline, the cache, parallel rendering and the
writer. Imports the core and the site."""
