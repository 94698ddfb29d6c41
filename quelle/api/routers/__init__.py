"""The API's routes, one APIRouter per resource: health, ask, articles, batch (the OpenAI-compatible router lives in
quelle/api/openai_compat.py). quelle/api/app.py includes them in this order; each route reads the app's state
(settings, resources, jobs) from `request.app.state`."""
