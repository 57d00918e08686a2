"""Headers every response carries.

- A response to a signed-in user may hold patient data, and deciding page by page which ones do
  is how one gets forgotten: every one of them is marked never to be stored (a shared computer's
  back button, a proxy or the browser's disk cache would otherwise keep a chart).
- `Permissions-Policy` switches off the browser features the clinic never uses, on every
  response, so a page (or something injected into it) cannot ask for the camera or location.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # no-store, no-cache, private, max-age=0
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
