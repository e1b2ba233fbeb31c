from django.urls import path

from . import views

urlpatterns = [
    path("portal/bookings/", views.booking_list, name="queueing-bookings"),
    path("portal/bookings/slots/", views.slot_picker, name="queueing-slots"),
    path("portal/bookings/slots/part/", views.slots_part, name="queueing-slots-part"),
    path("portal/bookings/book/", views.booking_book, name="queueing-book"),
    path("portal/bookings/waitlist/join/", views.waitlist_join, name="queueing-waitlist-join"),
    path("portal/bookings/waitlist/<int:pk>/leave/", views.waitlist_leave, name="queueing-waitlist-leave"),
    path("portal/bookings/<int:pk>/", views.booking_detail, name="queueing-booking"),
    path("portal/bookings/<int:pk>/ticket.png", views.ticket_png, name="queueing-ticket-png"),
    path("portal/bookings/<int:pk>/ticket.pdf", views.ticket_pdf, name="queueing-ticket-pdf"),
    path("portal/bookings/<int:pk>/cancel/", views.booking_cancel, name="queueing-cancel"),
    path("portal/bookings/<int:pk>/rebook/", views.booking_rebook, name="queueing-rebook"),
]
