from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("gates", api.GateViewSet, basename="api-gate")
router.register("bookings", api.BookingViewSet, basename="api-booking")
router.register("waitlist", api.WaitlistViewSet, basename="api-waitlist")

urlpatterns = [
    path("bookings/<int:pk>/ticket.png", api.TicketPngView.as_view(), name="api-booking-ticket"),
    path("bookings/<int:pk>/ticket.pdf", api.TicketPdfView.as_view(), name="api-booking-ticket-pdf"),
    *router.urls,
]
