/// StackConfig: readers of the configuration files users hand over, turned into typed `Sendable` values.
///
/// Owns: the project settings (`ProjectSettings`, the analogue of a Django settings.py, read from YAML), the
/// YAML plumbing that keeps every value's line (`YAMLValue`), and `ConfigError`, printed compiler-style as
/// `settings.yml:4: error: STATIC_URL: must end with "/", got "/static"`.
/// Must not: start servers or touch the network.
/// Mirrors: Django 3.2's settings checks (staticfiles E001–E003, runserver's ALLOWED_HOSTS rule); see
/// shared/spec/django-dev.md §1.
