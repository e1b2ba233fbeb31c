from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("companies", api.CompanyViewSet, basename="company")
router.register("drivers", api.DriverViewSet, basename="driver")
router.register("vehicles", api.VehicleViewSet, basename="vehicle")

urlpatterns = router.urls
