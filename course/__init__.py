"""The Docker course: its content (exercises, stand-in images, apps) and its command line."""
