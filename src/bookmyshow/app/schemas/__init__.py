"""The app's HTTP schemas: separate read, create and update shapes per resource, never the domain
classes themselves (the wire format must not change when a domain class grows a field)."""

__all__: list[str] = []
