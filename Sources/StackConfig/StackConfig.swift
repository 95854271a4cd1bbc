/// StackConfig: readers of the configuration files users hand over, turned into typed `Sendable` values.
///
/// Owns: the project settings (`ProjectSettings`, the analogue of a Django settings.py, read from YAML), uWSGI's ini
/// files (`UwsgiIniReader` with its placeholders and `UwsgiConfig`, options checked as uWSGI checks them), nginx.conf
/// (`NginxConfigParser`, `NginxConfig` with its directive table, inheritance and includes, the variables it knows in
/// `NginxVariable`, values with variables as `NginxTemplate`, `NginxConfigWriter` for the rewritten copies a run
/// stands up), the YAML plumbing that keeps every value's line (`YAMLValue`), and `ConfigError`, printed
/// compiler-style as `settings.yml:4: error: STATIC_URL: must end with "/", got "/static"` (nginx's own
/// `[emerg] ... in FILE:LINE` for nginx.conf).
/// Must not: start servers or touch the network.
/// Mirrors: Django 3.2's settings checks (staticfiles E001–E003, runserver's ALLOWED_HOSTS rule), uWSGI 2.0's ini
/// reader and nginx 1.22's config parser; see shared/spec/django-dev.md §1, uwsgi-ini.md and nginx-subset.md.
