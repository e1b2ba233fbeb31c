from django.urls import path

from . import views

app_name = "kiosk"

urlpatterns = [
    path("kiosk/<str:gate_code>/", views.kiosk_page, name="kiosk"),
    path("kiosk/<str:gate_code>/scan/", views.kiosk_scan, name="scan"),
    path("kiosk/<str:gate_code>/action/", views.kiosk_action, name="action"),
    path("kiosk/<str:gate_code>/cash/", views.kiosk_cash, name="cash"),
    path("board/<str:gate_code>/", views.board_page, name="board"),
    path("board/<str:gate_code>/part/", views.board_part, name="board-part"),
    path("board/<str:gate_code>/data.json", views.board_data, name="board-data"),
]
