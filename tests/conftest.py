"""Suite-wide settings: property tests check behaviour, never speed (bench/ measures speed),
so a slow or busy CI machine must not fail them on hypothesis's per-example deadline."""

from hypothesis import settings

settings.register_profile("tamis", deadline=None)
settings.load_profile("tamis")
