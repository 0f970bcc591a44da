"""Storefront themes: one folder each (theme.toml, templates/, static/); `default` first."""
