"""The teacher app's views, answering as the Swift TeacherApp does (Sources/TeacherApp): the same routes, JSON laid
out by json.dumps(sort_keys=True), the same 400 texts, GET views answering HEAD, and 405 naming the same methods."""
import functools
import hashlib
import json
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render

from teacher.models import Teacher

INDEX_PAGE_SIZE = 50
BODY_LIMIT = 64 * 1024


class InvalidInput(Exception):
    pass


def allow(*methods):
    """Only `methods` (HEAD too where GET is), else 405 with Allow listing `methods`; InvalidInput becomes 400."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
                return HttpResponseNotAllowed(methods)
            try:
                return view(request, *args, **kwargs)
            except InvalidInput as problem:
                return json_response(400, {"error": str(problem)})

        return wrapped

    return decorate


def json_response(status, data):
    return JsonResponse(data, status=status, json_dumps_params={"sort_keys": True})


def integer_parameter(request, name, default, low, high):
    text = request.GET.get(name)
    if text is None:
        return default
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not low <= number <= high or not text.lstrip("+-").isdigit():
        raise InvalidInput(f'{name} must be a whole number from {low} to {high}, got "{text}"')
    return number


@allow("GET")
def hello(request):
    return HttpResponse("hello\n", content_type="text/plain; charset=utf-8")


@allow("GET")
def index(request):
    teachers = list(Teacher.objects.order_by("id")[:INDEX_PAGE_SIZE])
    context = {"teachers": teachers, "count": Teacher.objects.count(), "shown": len(teachers), "static_url": settings.STATIC_URL}
    return render(request, "index.html", context)


@allow("GET", "POST")
def teachers(request):
    if request.method == "POST":
        return create_teacher(request)
    limit = integer_parameter(request, "limit", 20, 1, 1000)
    rows = [teacher.as_dict() for teacher in Teacher.objects.order_by("id")[:limit]]
    return json_response(200, {"count": len(rows), "teachers": rows})


def create_teacher(request):
    if int(request.META.get("CONTENT_LENGTH") or 0) > BODY_LIMIT:
        raise InvalidInput(f"body larger than {BODY_LIMIT} bytes")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise InvalidInput("body is not valid JSON")
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object")
    for field in ("name", "subject", "email"):
        if field not in data:
            raise InvalidInput(f'missing field "{field}"')
        if not isinstance(data[field], str):
            raise InvalidInput(f'field "{field}" has the wrong type')
    years = data.get("years")
    if years is not None and (isinstance(years, bool) or not isinstance(years, int)):
        raise InvalidInput('field "years" has the wrong type')
    name, subject, email = data["name"], data["subject"], data["email"]
    if not name.strip(" ") or len(name) > 100:
        raise InvalidInput('field "name" must be 1 to 100 characters')
    if not subject.strip(" ") or len(subject) > 100:
        raise InvalidInput('field "subject" must be 1 to 100 characters')
    parts = email.split("@")
    if len(parts) != 2 or not parts[0] or "." not in parts[1] or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput('field "email" must be an email address')
    if years is not None and not 0 <= years <= 80:
        raise InvalidInput('field "years" must be between 0 and 80')
    teacher = Teacher.objects.create(name=name, subject=subject, email=email, years=years or 0)
    return json_response(201, teacher.as_dict())


@allow("POST")
def upload(request):
    digest = hashlib.sha256()
    count = 0
    while True:
        chunk = request.read(65536)
        if not chunk:
            break
        digest.update(chunk)
        count += len(chunk)
    return json_response(200, {"bytes": count, "sha256": digest.hexdigest()})


@allow("GET")
def work(request):
    """Burns `ms` milliseconds of this thread's CPU time (not wall time), as the Swift view does."""
    milliseconds = integer_parameter(request, "ms", 10, 0, 60000)
    deadline = time.thread_time() + milliseconds / 1000
    state = 0x9E3779B97F4A7C15
    while time.thread_time() < deadline:
        for _ in range(200):
            state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
            state ^= state >> 7
            state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
    return HttpResponse(f"worked {milliseconds} ms\n", content_type="text/plain; charset=utf-8")


@allow("GET")
def sleep(request):
    milliseconds = integer_parameter(request, "ms", 10, 0, 3600000)
    time.sleep(milliseconds / 1000)
    return HttpResponse(f"slept {milliseconds} ms\n", content_type="text/plain; charset=utf-8")


@allow("GET")
def error(request):
    raise RuntimeError("deliberate failure requested by GET /error")
