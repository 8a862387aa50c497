"""Outgoing HTTP to URLs that users give us (webhook endpoints, video source URLs), guarded so a
URL can never make the service call into its own private network (SSRF)."""
