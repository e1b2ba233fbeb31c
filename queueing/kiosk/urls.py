from django.urls import path

from . import views

app_name = "kiosk"

urlpatterns = [
    path("kiosk/<str:gate_code>/", views.kiosk_page, name="kiosk"),
    path("board/<str:gate_code>/", views.board_page, name="board"),
    path("board/<str:gate_code>/data.json", views.board_data, name="board-data"),
]
