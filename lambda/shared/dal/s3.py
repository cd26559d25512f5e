"""Notes in S3."""

from __future__ import annotations

from shared.aws import client


def upload_to_s3(bucket: str, key: str, content: str | bytes, content_type: str = "text/markdown") -> None:
    body = content.encode("utf-8") if isinstance(content, str) else content
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type + "; charset=utf-8")


def get_from_s3(bucket: str, key: str) -> str:
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def generate_presigned_url(
    bucket: str, key: str, expires_in: int = 3600, download_name: str | None = None
) -> str:
    """A GET URL for the object; with ``download_name`` S3 answers it as a file download of that name."""
    params = {"Bucket": bucket, "Key": key}
    if download_name:
        params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
    return client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)


def delete_from_s3(bucket: str, key: str) -> None:
    """Idempotent: deleting a key that does not exist succeeds (S3's own semantics)."""
    client("s3").delete_object(Bucket=bucket, Key=key)
