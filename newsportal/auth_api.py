"""POST /api/v1/auth/token/: username and password for a DRF token (send it as `Authorization: Token <key>`)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from newsportal.api import ERROR_RESPONSES, StrictCharField, StrictInputSerializer
from newsportal.errors import ApplicationError
from newsportal.throttling import AuthIPThrottle, AuthUsernameThrottle


class TokenApi(APIView):
    """Token sign-in for apps. Throttled per client IP and per username tried (NEWSPORTAL_API_RATE_AUTH)."""

    authentication_classes: list = []  # a stale token or cookie must not get in the way of signing in
    throttle_classes = [AuthIPThrottle, AuthUsernameThrottle]

    class TokenInputSerializer(StrictInputSerializer):
        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, style={"input_type": "password"})

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        tags=["auth"],
        summary="Exchange username and password for an API token",
        auth=[],
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer, **ERROR_RESPONSES},
        examples=[
            OpenApiExample("Sign in", value={"username": "reader1", "password": "correct horse"}, request_only=True),
            OpenApiExample("Token", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}, response_only=True),
        ],
    )
    def post(self, request):
        serializer = self.TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None or not user.is_active:
            raise ApplicationError("Unable to sign in with these credentials.", code="invalid_credentials", status=400)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
