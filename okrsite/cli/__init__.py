"""The command line: argument parsing and the commands. The top: imports every other
stage, and nothing imports it."""
