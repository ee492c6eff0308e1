"""regbot's web surfaces as aiohttp sub-apps: signing page, support console, health, metrics."""
