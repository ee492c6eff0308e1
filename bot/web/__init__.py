"""regbot's web surfaces as aiohttp sub-apps: signing page, dashboard, health, metrics."""
