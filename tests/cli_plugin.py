"""A plugin the CLI tests load by module path through SHOPWRIGHT_EXTRA_PLUGINS."""

import marshmallow
from marshmallow import fields, validate

from shopwright import PluginMeta, hookimpl


class Settings(marshmallow.Schema):
    days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30))
    token = fields.String(load_default="", metadata={"secret": True})


plugin_meta = PluginMeta(name="shipping_note", version="1.0.0", permissions=("read:catalog",), settings=Settings)


@hookimpl
def register_job_types(register):
    def count(job):
        products = job.ctx.products()
        for i, _ in enumerate(products, 1):
            job.progress(i, len(products))
        return {"products": len(products)}

    register("count", count)
