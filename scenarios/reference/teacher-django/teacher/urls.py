from django.urls import path

from teacher import views

urlpatterns = [
    path("hello", views.hello),
    path("", views.index),
    path("api/teachers", views.teachers),
    path("upload", views.upload),
    path("work", views.work),
    path("sleep", views.sleep),
    path("error", views.error),
]
