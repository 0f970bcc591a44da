"""The built-in plugins, one package each.

They are listed in `plugin_manifest.toml` and loaded exactly like third-party plugins: each
package holds its hook implementations in `__init__.py` and its templates under
`templates/<plugin>/`. They import only the host's public surface, never each other.
"""
