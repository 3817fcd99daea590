"""Ren's pages. Each module has `register()`, which adds its routes (see app.ui.main)."""
