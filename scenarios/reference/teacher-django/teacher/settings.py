"""Settings of the reference teacher project: the Django twin of scenarios/teacher/settings.yml.

The same values as the Swift project's settings.yml (DEBUG, ALLOWED_HOSTS, STATIC_URL, STATICFILES_DIRS,
STATIC_ROOT, the SQLite database, the templates, the seed data), and the seed article's two static settings as
it writes them. Only the middleware whose headers the Swift app also sends is on (SecurityMiddleware,
CommonMiddleware, XFrameOptionsMiddleware), so both stacks answer with the same header set.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "stackbench-reference-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "teacher",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "teacher.urls"
WSGI_APPLICATION = "teacher.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"context_processors": []},
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        "OPTIONS": {"timeout": 10},
    }
}

USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

STATIC_URL = "/static/"
# 定义静态文件目录 — the seed's settings, as written
STATICFILES_DIRS = (os.path.join(BASE_DIR, "static"),)
# 添加默认的静态文件目录[收集使用]
STATIC_ROOT = os.path.join(BASE_DIR, "static_all")

# The teachers the database starts with, as the Swift project's INITIAL_DATA.
INITIAL_DATA = BASE_DIR / "seed" / "teachers.json"
