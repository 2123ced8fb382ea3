"""Source descriptions: fetching (with remote policy and URL map) and OpenAPI operation indexes."""
