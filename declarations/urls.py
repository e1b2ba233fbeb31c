from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("portal/declarations/", views.declaration_list, name="list"),
    path("portal/declarations/new/", views.declaration_new, name="new"),
    path("portal/declarations/<int:pk>/", views.declaration_detail, name="detail"),
    path("portal/declarations/<int:pk>/edit/", views.declaration_edit, name="edit"),
    path("portal/declarations/<int:pk>/status/", views.declaration_status, name="status"),
    path("portal/declarations/<int:pk>/copy/", views.declaration_copy, name="copy"),
    path("portal/declarations/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("portal/declarations/<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document"),
    path(
        "portal/declarations/<int:pk>/documents/<int:doc_pk>/delete/",
        views.document_delete,
        name="document_delete",
    ),
    path(
        "portal/declarations/<int:pk>/<str:action>/",
        views.declaration_action,
        name="action",
    ),
]
