"""Sending what was planned: the Dispatcher finds due messages (dispatch.py), the Sender claims,
rechecks, renders and sends each once (delivery.py, claims.py), in the stack's sending mode
(modes.py) and only when the deployment is ready for live mail (readiness.py); the provider's own
events settle a send whose outcome was unknown (reconcile.py)."""
