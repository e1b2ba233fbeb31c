from rest_framework.routers import SimpleRouter

from .api import DeclarationViewSet, ReviewViewSet

router = SimpleRouter()
router.register("declarations", DeclarationViewSet, basename="api-declaration")
router.register("reviews", ReviewViewSet, basename="api-review")

urlpatterns = router.urls
