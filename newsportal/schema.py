"""OpenAPI generation tweaks for drf-spectacular (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"])."""

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """Names components of nested HackSoft-style serializers after their view: DecisionApi.InputSerializer
    becomes "DecisionApiInput", so two views' InputSerializers never collide into one wrong component."""

    def get_serializer_name(self, serializer, direction):
        name = super().get_serializer_name(serializer, direction)
        qualname = type(serializer).__qualname__
        if "." in qualname and not getattr(getattr(serializer, "Meta", None), "ref_name", None):
            outer = qualname.rsplit(".", 2)[-2]
            if not name.startswith(outer):
                name = f"{outer}{name}"
        return name
