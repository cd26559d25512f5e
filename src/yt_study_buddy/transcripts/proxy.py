"""Proxy settings for every request to YouTube.

YouTube blocks most cloud IP ranges (Lambda's included), so deployments route the transcript
and metadata requests through a proxy: any HTTP proxy URL, or Webshare's rotating residential
proxies, which youtube-transcript-api supports natively (with retries that rotate the IP).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from youtube_transcript_api.proxies import ProxyConfig


@dataclass(frozen=True)
class ProxySettings:
    """Either ``url`` (a generic proxy for http and https) or Webshare credentials."""

    url: str | None = None
    webshare_username: str | None = None
    webshare_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> ProxySettings | None:
        """From ``YTSB_PROXY_URL`` or ``YTSB_WEBSHARE_USERNAME``/``YTSB_WEBSHARE_PASSWORD``; None if unset.

        A generic URL wins when both are set: it is the more specific choice.
        """
        url = os.environ.get("YTSB_PROXY_URL", "").strip()
        if url:
            return cls(url=url)
        username = os.environ.get("YTSB_WEBSHARE_USERNAME", "").strip()
        password = os.environ.get("YTSB_WEBSHARE_PASSWORD", "").strip()
        if username and password:
            return cls(webshare_username=username, webshare_password=password)
        return None

    @property
    def is_webshare(self) -> bool:
        return not self.url and bool(self.webshare_username and self.webshare_password)

    def transcript_api_config(self) -> ProxyConfig | None:
        """The youtube-transcript-api proxy configuration (imports the library)."""
        from youtube_transcript_api.proxies import GenericProxyConfig, WebshareProxyConfig

        if self.url:
            return GenericProxyConfig(http_url=self.url, https_url=self.url)
        if self.is_webshare:
            return WebshareProxyConfig(
                proxy_username=str(self.webshare_username), proxy_password=str(self.webshare_password)
            )
        return None

    def proxy_url(self) -> str | None:
        """One proxy URL for clients that take a single URL (yt-dlp's ``proxy`` option, requests)."""
        if self.url:
            return self.url
        config = self.transcript_api_config()
        return config.to_requests_dict()["https"] if config else None
