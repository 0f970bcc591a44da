"""The Shopwright host (`shopwright.host`): app factory, hookspecs, plugin manager, data, admin,
API, jobs and inference. Plugins import the public names from `shopwright` itself."""
